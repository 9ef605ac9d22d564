//! The rig's two modes, and the strict-AWS layer of the [`super::FaultProxy`]: it answers
//! as CloudWatch Logs does where moto (5.2.5) is looser. Each rule has a public source,
//! listed in docs/fidelity.md. moto stays the store: the layer only refuses calls,
//! or asks moto first, or tidies up after it.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{HeaderMap, Response};
use serde_json::{json, Value};

use super::http::Body;
use super::upstream::{aws_error, aws_error_with, Upstream};

mod describe;
mod service;
mod validate;

use describe::describe_destinations;
pub use service::ARN_PRINCIPAL;
use validate::{invalid, name, required, resource_arn, tags};

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
pub(super) const MAX_TAGS: usize = 50;
/// DescribeDestinations' `limit`: 1-50, 50 when absent.
pub(super) const MAX_PAGE: usize = 50;
const MAX_POLICY_BYTES: usize = 5120;
pub(super) const NAME_PATTERN: &str = "[^:*]*";
pub(super) const TAG_KEY_PATTERN: &str = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$";
pub(super) const TAG_VALUE_PATTERN: &str = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

/// The rig setting that lists Regions (comma-separated) the rig's account has not enabled:
/// opt-in Regions, which answer every call as they would a stranger's credentials.
pub const DISABLED_REGIONS_VAR: &str = "CFN_TEST_DISABLED_REGIONS";

/// The Regions [`DISABLED_REGIONS_VAR`] lists.
pub fn disabled_regions_from_env() -> Vec<String> {
    parse_region_list(&std::env::var(DISABLED_REGIONS_VAR).unwrap_or_default())
}

pub fn parse_region_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Answers one call the fault rules left alone. `enabled`: whether the rig's account has
/// enabled the caller's Region.
pub(super) async fn answer(
    upstream: &Upstream,
    op: &str,
    (region, enabled): (&str, bool),
    parts: &Parts,
    body: Bytes,
) -> Response<Body> {
    // Not enabled (ScoutSuite issue 1389, aws-nuke issue 774), or another partition's Region.
    if !enabled || !in_the_rigs_partition(region) {
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
            let target = input["targetArn"].as_str().unwrap_or_default();
            if let Some(answer) = service::test_message(upstream, target).await {
                return answer;
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
                if let Some(answer) = service::arn_principals(policy) {
                    return answer;
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
            resource_arn(&mut broken, &input);
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
            resource_arn(&mut broken, &input);
            if let Some(answer) = invalid(&broken) {
                return answer;
            }
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
