//! Model constraints of the CloudWatch Logs API (SDK service model), answered as AWS answers a
//! member that breaks one: `N validation error(s) detected: Value '...' at 'MEMBER' failed to
//! satisfy constraint: ...`.

use hyper::Response;
use serde_json::Value;

use super::super::http::Body;
use super::super::upstream::aws_error;
use super::{MAX_TAGS, NAME_PATTERN, TAG_KEY_PATTERN, TAG_VALUE_PATTERN};

/// AWS's validation answer when any member broke its model constraint.
pub(super) fn invalid(broken: &[String]) -> Option<Response<Body>> {
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

pub(super) fn required(broken: &mut Vec<String>, input: &Value, member: &str) {
    match input.get(member).and_then(Value::as_str) {
        None => broken.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        )),
        Some("") => broken.push(format!("Value '' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1")),
        Some(_) => {}
    }
}

/// A destination name (or prefix): 1-512 characters, no `:` or `*`.
pub(super) fn name(broken: &mut Vec<String>, input: &Value, member: &str, is_required: bool) {
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
pub(super) fn tags(broken: &mut Vec<String>, input: &Value) {
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

/// The tagging APIs' `resourceArn`: at most 1011 characters matching `[\w+=/:,.@-]*`, `\w`
/// being ASCII. A destination whose name has other characters exists but cannot be addressed.
pub(super) fn resource_arn(broken: &mut Vec<String>, input: &Value) {
    let Some(arn) = input.get("resourceArn").and_then(Value::as_str) else {
        return required(broken, input, "resourceArn");
    };
    let at = format!("Value '{arn}' at 'resourceArn' failed to satisfy constraint: Member must");
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c);
    if !arn.chars().all(allowed) {
        broken.push(format!(
            "{at} satisfy regular expression pattern: {RESOURCE_ARN_PATTERN}"
        ));
    }
    if arn.chars().count() > MAX_RESOURCE_ARN_CHARS {
        broken.push(format!(
            "{at} have length less than or equal to {MAX_RESOURCE_ARN_CHARS}"
        ));
    }
}

const RESOURCE_ARN_PATTERN: &str = r"[\w+=/:,.@-]*";
const MAX_RESOURCE_ARN_CHARS: usize = 1011;
