//! DescribeDestinations as AWS pages it.

use hyper::{HeaderMap, Response};
use serde_json::{json, Value};

use super::super::http::Body;
use super::super::upstream::{aws_error, Upstream};
use super::MAX_PAGE;

/// ASCII-sorted by name, `limit` (default 50) per page, and a `nextToken` that resumes after
/// the page's last name (moto returns everything unsorted and echoes the token).
pub(super) async fn describe_destinations(
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
    super::super::http::response(
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
