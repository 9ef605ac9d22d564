//! The rig's two modes, and the strict-AWS layer of the [`super::FaultProxy`]: it answers
//! as CloudWatch Logs does where moto (5.2.5) is looser. Each rule has a public source,
//! listed in README.md, "Fidelity". moto stays the store: the layer only refuses calls,
//! or asks moto first, or tidies up after it.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{HeaderMap, Response};
use serde_json::{json, Value};

use super::http::Body;
use super::upstream::{aws_error, aws_error_with, Upstream};

/// The environment variable that picks the rig's mode: `strict` (the default) or `moto`.
pub const MODE_VAR: &str = "CFN_TEST_AWS";

/// How the rig answers the function's CloudWatch Logs calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsMode {
    /// As AWS does, where moto is looser (the default).
    Strict,
    /// As moto does.
    Moto,
}

impl AwsMode {
    /// The mode [`MODE_VAR`] names; strict when it is unset or empty.
    pub fn from_env() -> Self {
        match std::env::var(MODE_VAR).as_deref() {
            Err(_) | Ok("") | Ok("strict") => AwsMode::Strict,
            Ok("moto") => AwsMode::Moto,
            Ok(other) => panic!("{MODE_VAR}={other:?}: expected `strict` or `moto`"),
        }
    }
}

/// PutDestination's answer to `tags` (Terraform's AWS provider, destination.go).
pub const TEST_MESSAGE_FAILURE: &str =
    "Could not deliver test message to specified destination. Check if the destination is valid.";
/// TooManyTagsException's documented meaning.
pub const TOO_MANY_TAGS: &str = "A resource can have no more than 50 tags.";
const NOT_FOUND: &str = "The specified resource does not exist.";
/// What AWS answers a signature whose credentials it does not know.
pub const UNKNOWN_TOKEN: &str = "The security token included in the request is invalid.";

/// The rig's credentials are `aws` partition credentials, and credentials of one partition are
/// not valid in another (AWS Fault Isolation Boundaries, "Partitions"): Regions of the other
/// partitions (SDK endpoint model) do not know them.
fn in_the_rigs_partition(region: &str) -> bool {
    const OTHER_PARTITIONS: [&str; 7] = [
        "cn-", "us-gov-", "us-iso-", "us-isob-", "us-isof-", "eu-isoe-", "eusc-",
    ];
    !OTHER_PARTITIONS
        .iter()
        .any(|prefix| region.starts_with(prefix))
}
const MAX_TAGS: usize = 50;
/// DescribeDestinations' `limit`: 1-50, 50 when absent.
const MAX_PAGE: usize = 50;
const MAX_POLICY_BYTES: usize = 5120;
const NAME_PATTERN: &str = "[^:*]*";
const TAG_KEY_PATTERN: &str = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$";
const TAG_VALUE_PATTERN: &str = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

/// Answers one call the fault rules left alone.
pub(super) async fn answer(
    upstream: &Upstream,
    op: &str,
    region: &str,
    parts: &Parts,
    body: Bytes,
) -> Response<Body> {
    if !in_the_rigs_partition(region) {
        return aws_error(400, "UnrecognizedClientException", UNKNOWN_TOKEN);
    }
    let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let caller = &parts.headers;
    let mut broken = Vec::new();
    match op {
        "PutDestination" => {
            name(&mut broken, &input, "destinationName", true);
            required(&mut broken, &input, "targetArn");
            required(&mut broken, &input, "roleArn");
            if input["tags"].as_object().is_some_and(|t| t.is_empty()) {
                broken.push("Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1".into());
            }
            if let Some(answer) = invalid(&broken) {
                return answer;
            }
            if input["tags"].as_object().is_some_and(|t| !t.is_empty()) {
                return aws_error(400, "InvalidParameterException", TEST_MESSAGE_FAILURE);
            }
        }
        "PutDestinationPolicy" => {
            name(&mut broken, &input, "destinationName", true);
            required(&mut broken, &input, "accessPolicy");
            if let Some(policy) = input["accessPolicy"].as_str() {
                if policy.len() > MAX_POLICY_BYTES {
                    return aws_error(
                        400,
                        "InvalidParameterException",
                        &format!(
                            "The access policy is {} bytes; it can be up to {MAX_POLICY_BYTES} bytes.",
                            policy.len()
                        ),
                    );
                }
            }
        }
        "DeleteDestination" => {
            name(&mut broken, &input, "destinationName", true);
            if let Some(answer) = invalid(&broken) {
                return answer;
            }
            return delete_destination(upstream, parts, body, &input).await;
        }
        "DescribeDestinations" => {
            name(&mut broken, &input, "DestinationNamePrefix", false);
            if let Some(limit) = input.get("limit").and_then(Value::as_i64) {
                if limit < 1 {
                    broken.push(format!("Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"));
                }
                if limit > MAX_PAGE as i64 {
                    broken.push(format!("Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"));
                }
            }
            if let Some(answer) = invalid(&broken) {
                return answer;
            }
            return describe_destinations(upstream, caller, &input).await;
        }
        "TagResource" => {
            tags(&mut broken, &input);
            if let Some(answer) = invalid(&broken) {
                return answer;
            }
            let arn = input["resourceArn"].as_str().unwrap_or_default();
            // Both questions at once: the layer's own round trips are not AWS's latency.
            let (exists, listed) = tokio::join!(
                must_exist(upstream, caller, arn),
                list_tags(upstream, caller, arn)
            );
            if let Err(answer) = exists {
                return answer;
            }
            if destination_name(arn).is_some() {
                let mut keys = match listed {
                    Ok(keys) => keys,
                    Err(answer) => return answer,
                };
                if let Some(new) = input["tags"].as_object() {
                    keys.extend(new.keys().cloned());
                }
                keys.sort();
                keys.dedup();
                if keys.len() > MAX_TAGS {
                    return aws_error_with(
                        400,
                        "TooManyTagsException",
                        TOO_MANY_TAGS,
                        json!({"resourceName": arn}),
                    );
                }
            }
        }
        "UntagResource" | "ListTagsForResource" => {
            let arn = input["resourceArn"].as_str().unwrap_or_default();
            if let Err(answer) = must_exist(upstream, caller, arn).await {
                return answer;
            }
        }
        _ => {}
    }
    if let Some(answer) = invalid(&broken) {
        return answer;
    }
    upstream.forward(parts, body).await
}

/// AWS's validation answer when any member broke its model constraint.
fn invalid(broken: &[String]) -> Option<Response<Body>> {
    let count = broken.len();
    (count > 0).then(|| {
        let noun = if count == 1 { "error" } else { "errors" };
        aws_error(
            400,
            "InvalidParameterException",
            &format!("{count} validation {noun} detected: {}", broken.join("; ")),
        )
    })
}

fn required(broken: &mut Vec<String>, input: &Value, member: &str) {
    match input.get(member).and_then(Value::as_str) {
        None => broken.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        )),
        Some("") => broken.push(format!("Value '' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1")),
        Some(_) => {}
    }
}

/// A destination name (or prefix): 1-512 characters, no `:` or `*`.
fn name(broken: &mut Vec<String>, input: &Value, member: &str, is_required: bool) {
    let Some(value) = input.get(member).and_then(Value::as_str) else {
        if is_required {
            required(broken, input, member);
        }
        return;
    };
    let at = format!("Value '{value}' at '{member}' failed to satisfy constraint: Member must");
    if value.contains([':', '*']) {
        broken.push(format!(
            "{at} satisfy regular expression pattern: {NAME_PATTERN}"
        ));
    }
    let chars = value.chars().count();
    if chars < 1 {
        broken.push(format!("{at} have length greater than or equal to 1"));
    }
    if chars > 512 {
        broken.push(format!("{at} have length less than or equal to 512"));
    }
}

/// TagResource's `tags`: 1-50 entries; keys 1-128 and values 0-256 characters of letters,
/// digits, separators and `_ . : / = + - @`.
fn tags(broken: &mut Vec<String>, input: &Value) {
    let Some(tags) = input.get("tags").and_then(Value::as_object) else {
        broken.push(
            "Value null at 'tags' failed to satisfy constraint: Member must not be null".into(),
        );
        return;
    };
    if tags.is_empty() || tags.len() > MAX_TAGS {
        broken.push(format!("Value at 'tags' failed to satisfy constraint: Member must have length between 1 and {MAX_TAGS}"));
    }
    let allowed = |c: char| {
        c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
    };
    for (key, value) in tags {
        let value = value.as_str().unwrap_or_default();
        let key_len = key.chars().count();
        if !(1..=128).contains(&key_len) || !key.chars().all(allowed) {
            broken.push(format!("Value '{key}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length between 1 and 128, Member must satisfy regular expression pattern: {TAG_KEY_PATTERN}]"));
        }
        if value.chars().count() > 256 || !value.chars().all(allowed) {
            broken.push(format!("Value '{value}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: {TAG_VALUE_PATTERN}]"));
        }
    }
}

/// `NAME` of `arn:PARTITION:logs:REGION:ACCOUNT:destination:NAME`; `None` for other ARNs.
fn destination_name(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(7, ':');
    let prefix: Vec<&str> = fields.by_ref().take(6).collect();
    match (prefix.as_slice(), fields.next()) {
        (["arn", _, "logs", _, _, "destination"], Some(name)) => Some(name),
        _ => None,
    }
}

/// The destination named exactly `name`, as moto describes it to the caller's Region.
async fn find(
    upstream: &Upstream,
    caller: &HeaderMap,
    name: &str,
) -> Result<Option<Value>, Response<Body>> {
    let found = upstream
        .call(
            caller,
            "DescribeDestinations",
            &json!({"DestinationNamePrefix": name}),
        )
        .await?;
    Ok(found["destinations"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["destinationName"] == name))
        .cloned())
}

/// ResourceNotFoundException unless `arn` names a destination that exists (other ARNs are
/// not this layer's business).
async fn must_exist(
    upstream: &Upstream,
    caller: &HeaderMap,
    arn: &str,
) -> Result<(), Response<Body>> {
    let Some(name) = destination_name(arn) else {
        return Ok(());
    };
    match find(upstream, caller, name).await? {
        Some(found) if found["arn"] == arn => Ok(()),
        _ => Err(aws_error(400, "ResourceNotFoundException", NOT_FOUND)),
    }
}

async fn list_tags(
    upstream: &Upstream,
    caller: &HeaderMap,
    arn: &str,
) -> Result<Vec<String>, Response<Body>> {
    let listed = upstream
        .call(caller, "ListTagsForResource", &json!({"resourceArn": arn}))
        .await?;
    Ok(listed["tags"]
        .as_object()
        .map(|tags| tags.keys().cloned().collect())
        .unwrap_or_default())
}

/// Deletes, then removes the deleted destination's tags from moto: on AWS they go with it.
async fn delete_destination(
    upstream: &Upstream,
    parts: &Parts,
    body: Bytes,
    input: &Value,
) -> Response<Body> {
    let caller = &parts.headers;
    let name = input["destinationName"].as_str().unwrap_or_default();
    let arn = match find(upstream, caller, name).await {
        Ok(found) => found.and_then(|d| d["arn"].as_str().map(str::to_owned)),
        Err(answer) => return answer,
    };
    let deleted = upstream.forward(parts, body).await;
    if let (true, Some(arn)) = (deleted.status().is_success(), arn) {
        let wiped = match list_tags(upstream, caller, &arn).await {
            Ok(keys) if keys.is_empty() => Ok(Value::Null),
            Ok(keys) => {
                upstream
                    .call(
                        caller,
                        "UntagResource",
                        &json!({"resourceArn": arn, "tagKeys": keys}),
                    )
                    .await
            }
            Err(answer) => Err(answer),
        };
        if let Err(answer) = wiped {
            return answer;
        }
    }
    deleted
}

/// ASCII-sorted by name, `limit` (default 50) per page, and a `nextToken` that resumes after
/// the page's last name (moto returns everything unsorted and echoes the token).
async fn describe_destinations(
    upstream: &Upstream,
    caller: &HeaderMap,
    input: &Value,
) -> Response<Body> {
    let mut query = json!({});
    if let Some(prefix) = input.get("DestinationNamePrefix") {
        query["DestinationNamePrefix"] = prefix.clone();
    }
    let found = match upstream.call(caller, "DescribeDestinations", &query).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut all: Vec<Value> = found["destinations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let name_of = |d: &Value| d["destinationName"].as_str().unwrap_or_default().to_owned();
    all.sort_by_key(name_of);
    let after = match input.get("nextToken").and_then(Value::as_str) {
        None => None,
        Some(token) => match decode_token(token) {
            Some(name) => Some(name),
            None => {
                return aws_error(
                    400,
                    "InvalidParameterException",
                    "The specified nextToken is invalid.",
                )
            }
        },
    };
    let limit = input
        .get("limit")
        .and_then(Value::as_u64)
        .map_or(MAX_PAGE, |l| l as usize);
    let rest: Vec<Value> = all
        .into_iter()
        .filter(|d| after.as_ref().is_none_or(|after| name_of(d) > *after))
        .collect();
    let page: Vec<Value> = rest.iter().take(limit).cloned().collect();
    let mut output = json!({"destinations": page});
    if rest.len() > limit {
        if let Some(last) = page.last() {
            output["nextToken"] = json!(encode_token(&name_of(last)));
        }
    }
    super::http::response(
        hyper::StatusCode::OK,
        "application/x-amz-json-1.1",
        output.to_string(),
    )
}

/// An opaque token: the hex of the last name served.
fn encode_token(last: &str) -> String {
    last.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> Option<String> {
    if token.is_empty() || !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}
