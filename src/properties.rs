//! Typed, validated resource properties of `Custom::LogsDestination`.
//!
//! CloudFormation turns every scalar into a string (`true` arrives as `"true"`), YAML users write
//! policies inline while JSON users often pass a string, and a typo in a property name must not be
//! silently ignored. Everything here is checked before any AWS call, and every broken rule is
//! reported with the property's name as the user wrote it.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Longest destination name CloudWatch Logs accepts.
pub const MAX_NAME_CHARS: usize = 512;
/// Longest access policy CloudWatch Logs accepts, in bytes.
pub const MAX_POLICY_BYTES: usize = 5120;
/// CloudWatch Logs allows 50 tags per resource; the ownership marker takes one of them.
pub const MAX_USER_TAGS: usize = 49;
/// Tag keys with this prefix belong to the provider (the ownership marker).
pub const RESERVED_TAG_PREFIX: &str = "cfn-logs-destination:";
/// Longest ARN we accept for TargetArn and RoleArn: far above real ones, and small enough that
/// the reply (which echoes both) always fits CloudFormation's 4096-byte limit.
const MAX_ARN_CHARS: usize = 1024;

/// Properties CloudFormation adds itself; they are not ours to validate.
const CLOUDFORMATION_PROPERTIES: [&str; 2] = ["ServiceToken", "ServiceTimeout"];
const KNOWN_PROPERTIES: [&str; 7] = [
    "DestinationName",
    "TargetArn",
    "RoleArn",
    "DestinationPolicy",
    "ForceUpdate",
    "Tags",
    "AdoptExisting",
];

/// The desired state of one destination, as the template describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct DestinationProperties {
    /// `None` when the template leaves the name to the provider.
    pub name: Option<String>,
    pub target_arn: String,
    pub role_arn: String,
    pub policy: Option<Policy>,
    pub force_update: bool,
    /// Take over an existing destination without an ownership tag (Create only).
    pub adopt_existing: bool,
    /// User tags only; the ownership marker is added by the lifecycle.
    pub tags: BTreeMap<String, String>,
}

/// An access policy: parsed for comparison, serialised compactly for the API.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub document: Value,
    pub text: String,
}

impl Policy {
    /// Parses a policy as CloudWatch Logs returns it; `None` when it is not a JSON object.
    pub fn from_text(text: &str) -> Option<Policy> {
        let document: Value = serde_json::from_str(text).ok()?;
        document.is_object().then(|| Policy {
            text: document.to_string(),
            document,
        })
    }

    /// Equal documents are the same policy, whatever their whitespace or key order.
    pub fn same_as(&self, other: Option<&str>) -> bool {
        other
            .and_then(Policy::from_text)
            .is_some_and(|other| other.document == self.document)
    }
}

/// Every rule the properties broke, each naming its property.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyErrors(pub Vec<PropertyError>);

#[derive(Clone, Debug, PartialEq)]
pub struct PropertyError {
    /// The property as the user wrote it (`Tags[2].Key` for nested values).
    pub property: String,
    pub rule: String,
}

impl fmt::Display for PropertyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.property, self.rule)
    }
}

impl fmt::Display for PropertyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Invalid resource properties: ")?;
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PropertyErrors {}

/// Collects errors so that one reply can name every broken rule.
#[derive(Default)]
struct Checker {
    errors: Vec<PropertyError>,
}

impl Checker {
    fn fail(&mut self, property: impl Into<String>, rule: impl Into<String>) {
        self.errors.push(PropertyError {
            property: property.into(),
            rule: rule.into(),
        });
    }
}

/// Validates `ResourceProperties` (or `OldResourceProperties`).
pub fn parse(properties: &Value) -> Result<DestinationProperties, PropertyErrors> {
    let empty = Map::new();
    let map = match properties {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            return Err(PropertyErrors(vec![PropertyError {
                property: "ResourceProperties".into(),
                rule: "must be an object".into(),
            }]))
        }
    };
    let mut check = Checker::default();
    for key in map.keys() {
        if !KNOWN_PROPERTIES.contains(&key.as_str())
            && !CLOUDFORMATION_PROPERTIES.contains(&key.as_str())
        {
            check.fail(key.clone(), unknown_property_rule(key));
        }
    }

    let name = optional_string(&mut check, map, "DestinationName");
    if let Some(name) = &name {
        check_name(&mut check, name);
    }
    let target_arn = required_string(&mut check, map, "TargetArn");
    if let Some(arn) = &target_arn {
        check_arn(&mut check, "TargetArn", arn, None);
    }
    let role_arn = required_string(&mut check, map, "RoleArn");
    if let Some(arn) = &role_arn {
        check_arn(&mut check, "RoleArn", arn, Some(("iam", "role/")));
    }
    let policy = parse_policy(&mut check, map.get("DestinationPolicy"));
    let force_update = parse_bool(&mut check, "ForceUpdate", map.get("ForceUpdate"));
    let adopt_existing = parse_bool(&mut check, "AdoptExisting", map.get("AdoptExisting"));
    let tags = parse_tags(&mut check, map.get("Tags"));

    match (target_arn, role_arn) {
        (Some(target_arn), Some(role_arn)) if check.errors.is_empty() => {
            Ok(DestinationProperties {
                name,
                target_arn,
                role_arn,
                policy,
                force_update,
                adopt_existing,
                tags,
            })
        }
        _ => Err(PropertyErrors(check.errors)),
    }
}

/// Only the user tags, for an Update whose old properties may predate today's rules: the tag
/// diff needs them, while the rest of the old properties no longer matters.
pub fn parse_tags_only(properties: &Value) -> Option<BTreeMap<String, String>> {
    let mut check = Checker::default();
    let tags = parse_tags(&mut check, properties.get("Tags"));
    check.errors.is_empty().then_some(tags)
}

/// Whether the properties set a policy at all, valid or not.
pub fn has_policy(properties: &Value) -> bool {
    !is_absent(properties.get("DestinationPolicy"))
}

fn unknown_property_rule(key: &str) -> String {
    let suggestion = KNOWN_PROPERTIES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(key));
    let known = KNOWN_PROPERTIES.join(", ");
    match suggestion {
        Some(known_key) => format!("is not a known property (did you mean {known_key}?)"),
        None => format!("is not a known property (known properties: {known})"),
    }
}

/// A valid destination name: what CloudWatch Logs accepts.
pub fn is_valid_name(name: &str) -> bool {
    name_rule_broken(name).is_none()
}

fn name_rule_broken(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Some(format!(
            "must be 1 to {MAX_NAME_CHARS} characters long (got {chars})"
        ));
    }
    if name.contains([':', '*']) {
        return Some(format!("must not contain ':' or '*' (got {name:?})"));
    }
    if name.chars().any(char::is_control) {
        return Some(format!(
            "must not contain control characters (got {name:?})"
        ));
    }
    None
}

fn check_name(check: &mut Checker, name: &str) {
    if let Some(rule) = name_rule_broken(name) {
        check.fail("DestinationName", rule);
    }
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`; `kind` narrows service and resource type.
fn check_arn(check: &mut Checker, property: &str, arn: &str, kind: Option<(&str, &str)>) {
    let example = match kind {
        Some(_) => "arn:aws:iam::123456789012:role/NAME",
        None => "arn:aws:kinesis:us-east-1:123456789012:stream/NAME",
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let well_formed = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !arn.chars().any(|c| c.is_whitespace() || c.is_control());
    if !well_formed {
        check.fail(
            property,
            format!("must be an ARN such as {example} (got {arn:?})"),
        );
        return;
    }
    if arn.chars().count() > MAX_ARN_CHARS {
        check.fail(
            property,
            format!("must be at most {MAX_ARN_CHARS} characters long"),
        );
    }
    if let Some((service, resource_prefix)) = kind {
        let account_ok = parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit());
        if parts[2] != service || !parts[5].starts_with(resource_prefix) || !account_ok {
            check.fail(
                property,
                format!("must be an IAM role ARN such as {example} (got {arn:?})"),
            );
        }
    }
}

/// A scalar as CloudFormation sends it: strings stay, numbers and booleans become strings.
fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An absent optional property; an empty string counts as absent, so that
/// `!If [Cond, value, ""]` works like `AWS::NoValue`.
fn is_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn optional_string(check: &mut Checker, map: &Map<String, Value>, key: &str) -> Option<String> {
    let value = map.get(key);
    if is_absent(value) {
        return None;
    }
    let value = value?;
    let text = scalar_string(value);
    if text.is_none() {
        check.fail(key, "must be a string");
    }
    text
}

fn required_string(check: &mut Checker, map: &Map<String, Value>, key: &str) -> Option<String> {
    if is_absent(map.get(key)) {
        check.fail(key, "is required");
        return None;
    }
    optional_string(check, map, key)
}

fn parse_bool(check: &mut Checker, key: &str, value: Option<&Value>) -> bool {
    if is_absent(value) {
        return false;
    }
    match value.and_then(scalar_string).as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("true") => true,
        Some(s) if s.eq_ignore_ascii_case("false") => false,
        _ => {
            check.fail(key, "must be true or false");
            false
        }
    }
}

fn parse_policy(check: &mut Checker, value: Option<&Value>) -> Option<Policy> {
    const KEY: &str = "DestinationPolicy";
    if is_absent(value) {
        return None;
    }
    let document = match value? {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(document) => document,
            Err(error) => {
                check.fail(KEY, format!("must be valid JSON ({error})"));
                return None;
            }
        },
        other => other.clone(),
    };
    if !document.is_object() {
        check.fail(KEY, "must be a JSON object (an IAM policy document)");
        return None;
    }
    let text = document.to_string();
    if text.len() > MAX_POLICY_BYTES {
        check.fail(
            KEY,
            format!(
                "must be at most {MAX_POLICY_BYTES} bytes once serialised (got {}); \
                 grant an organization with aws:PrincipalOrgID instead of listing accounts",
                text.len()
            ),
        );
        return None;
    }
    Some(Policy { document, text })
}

fn parse_tags(check: &mut Checker, value: Option<&Value>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    if is_absent(value) {
        return tags;
    }
    // A list of {Key, Value} as in every AWS resource, or a plain map.
    let pairs: Vec<(String, Option<&Value>, Option<&Value>)> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("Tags[{i}]"), item.get("Key"), item.get("Value")))
            .collect(),
        Some(Value::Object(map)) => {
            return parse_tag_map(check, map);
        }
        _ => {
            check.fail("Tags", "must be a list of {Key, Value} objects or a map");
            return tags;
        }
    };
    for (at, key, value) in pairs {
        let Some(key) = key.and_then(scalar_string) else {
            check.fail(format!("{at}.Key"), "is required and must be a string");
            continue;
        };
        let value = match value {
            None | Some(Value::Null) => String::new(),
            Some(v) => match scalar_string(v) {
                Some(v) => v,
                None => {
                    check.fail(format!("{at}.Value"), "must be a string");
                    continue;
                }
            },
        };
        add_tag(check, &mut tags, &at, key, value);
    }
    check_tag_count(check, &tags);
    tags
}

fn parse_tag_map(check: &mut Checker, map: &Map<String, Value>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for (key, value) in map {
        let at = format!("Tags.{key}");
        match scalar_string(value) {
            Some(value) => add_tag(check, &mut tags, &at, key.clone(), value),
            None => check.fail(at, "must be a string"),
        }
    }
    check_tag_count(check, &tags);
    tags
}

fn check_tag_count(check: &mut Checker, tags: &BTreeMap<String, String>) {
    if tags.len() > MAX_USER_TAGS {
        check.fail(
            "Tags",
            format!(
                "must have at most {MAX_USER_TAGS} entries (got {}): CloudWatch Logs allows 50 \
                 and the provider's ownership tag uses one",
                tags.len()
            ),
        );
    }
}

fn add_tag(
    check: &mut Checker,
    tags: &mut BTreeMap<String, String>,
    at: &str,
    key: String,
    value: String,
) {
    let key_chars = key.chars().count();
    if key_chars == 0 || key_chars > 128 {
        check.fail(
            format!("{at}.Key"),
            format!("must be 1 to 128 characters long (got {key_chars})"),
        );
    } else if !key.chars().all(is_tag_char) {
        check.fail(format!("{at}.Key"), format!("{key:?} {TAG_CHARS_RULE}"));
    } else if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        check.fail(
            format!("{at}.Key"),
            format!("{key:?} must not start with aws: (reserved by AWS)"),
        );
    } else if key.starts_with(RESERVED_TAG_PREFIX) {
        check.fail(
            format!("{at}.Key"),
            format!(
                "{key:?} must not start with {RESERVED_TAG_PREFIX} (reserved by this provider)"
            ),
        );
    }
    let value_chars = value.chars().count();
    if value_chars > 256 {
        check.fail(
            format!("{at}.Value"),
            format!("must be at most 256 characters long (got {value_chars})"),
        );
    } else if !value.chars().all(is_tag_char) {
        check.fail(format!("{at}.Value"), TAG_CHARS_RULE);
    }
    if tags.insert(key.clone(), value).is_some() {
        check.fail(
            format!("{at}.Key"),
            format!("{key:?} appears more than once"),
        );
    }
}

const TAG_CHARS_RULE: &str = "may only contain letters, digits, spaces and _ . : / = + - @";

/// The characters CloudWatch Logs allows in tag keys and values (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`).
pub fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x",
            "TargetArn": "arn:aws:kinesis:us-east-1:123456789012:stream/logs",
            "RoleArn": "arn:aws:iam::123456789012:role/logs-to-kinesis",
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut props = valid();
        props[key] = value;
        props
    }

    fn errors(props: Value) -> String {
        parse(&props)
            .expect_err("properties should be rejected")
            .to_string()
    }

    #[test]
    fn minimal_properties_parse_with_defaults() {
        let props = parse(&valid()).expect("valid");
        assert_eq!(props.name, None);
        assert_eq!(props.policy, None);
        assert!(!props.force_update);
        assert!(props.tags.is_empty());
    }

    #[test]
    fn unknown_property_is_named_with_a_suggestion() {
        let message = errors(with("TargetARN", json!("x")));
        assert!(message.contains("TargetARN is not a known property (did you mean TargetArn?)"));
        let message = errors(with("Colour", json!("x")));
        assert!(
            message.contains("Colour is not a known property"),
            "{message}"
        );
    }

    #[test]
    fn service_timeout_and_token_are_cloudformations() {
        assert!(parse(&with("ServiceTimeout", json!("60"))).is_ok());
    }

    #[test]
    fn required_arns_are_named_when_missing() {
        let message = errors(json!({"ServiceToken": "x"}));
        assert!(message.contains("TargetArn is required"), "{message}");
        assert!(message.contains("RoleArn is required"), "{message}");
    }

    #[test]
    fn arns_must_be_arns() {
        assert!(errors(with("TargetArn", json!("my-stream"))).contains("TargetArn must be an ARN"));
        assert!(errors(with(
            "RoleArn",
            json!("arn:aws:kinesis:us-east-1:123456789012:stream/s")
        ))
        .contains("RoleArn must be an IAM role ARN"));
        assert!(errors(with("RoleArn", json!("arn:aws:iam::12345:role/r")))
            .contains("RoleArn must be an IAM role ARN"));
        let long = format!(
            "arn:aws:kinesis:us-east-1:123456789012:stream/{}",
            "s".repeat(1100)
        );
        assert!(errors(with("TargetArn", json!(long))).contains("at most 1024 characters"));
    }

    #[test]
    fn destination_name_rules() {
        assert!(errors(with("DestinationName", json!("a:b")))
            .contains("DestinationName must not contain ':' or '*'"));
        assert!(errors(with("DestinationName", json!("a*"))).contains("(got \"a*\")"));
        assert!(
            errors(with("DestinationName", json!("x".repeat(513)))).contains("1 to 512 characters")
        );
        assert!(parse(&with("DestinationName", json!("x".repeat(512)))).is_ok());
        assert_eq!(
            parse(&with("DestinationName", json!("")))
                .expect("empty is absent")
                .name,
            None
        );
        assert_eq!(
            parse(&with("DestinationName", json!(42)))
                .expect("coerced")
                .name
                .as_deref(),
            Some("42")
        );
    }

    #[test]
    fn policy_as_string_or_inline_object() {
        let inline = json!({"Version": "2012-10-17", "Statement": []});
        let from_object = parse(&with("DestinationPolicy", inline.clone())).expect("object");
        let from_string =
            parse(&with("DestinationPolicy", json!(inline.to_string()))).expect("string");
        assert_eq!(from_object.policy, from_string.policy);
        let policy = from_object.policy.expect("policy");
        assert_eq!(policy.document, inline);
        assert!(policy.same_as(Some("{ \"Statement\": [], \"Version\": \"2012-10-17\" }")));
    }

    #[test]
    fn policy_rules() {
        assert!(errors(with("DestinationPolicy", json!("{not json")))
            .contains("DestinationPolicy must be valid JSON"));
        assert!(errors(with("DestinationPolicy", json!("[1]")))
            .contains("DestinationPolicy must be a JSON object"));
        let big = json!({"Statement": "x".repeat(5200)});
        assert!(errors(with("DestinationPolicy", big)).contains("at most 5120 bytes"));
    }

    #[test]
    fn force_update_accepts_strings_and_booleans() {
        assert!(
            parse(&with("ForceUpdate", json!("true")))
                .expect("ok")
                .force_update
        );
        assert!(
            parse(&with("ForceUpdate", json!(true)))
                .expect("ok")
                .force_update
        );
        assert!(
            !parse(&with("ForceUpdate", json!("False")))
                .expect("ok")
                .force_update
        );
        assert!(
            errors(with("ForceUpdate", json!("yes"))).contains("ForceUpdate must be true or false")
        );
    }

    #[test]
    fn tags_as_list_or_map() {
        let list = parse(&with(
            "Tags",
            json!([{"Key": "team", "Value": "core"}, {"Key": "n", "Value": 5}]),
        ))
        .expect("list");
        let map = parse(&with("Tags", json!({"team": "core", "n": "5"}))).expect("map");
        assert_eq!(list.tags, map.tags);
        assert_eq!(list.tags.get("n").map(String::as_str), Some("5"));
    }

    #[test]
    fn tag_rules_name_the_offending_entry() {
        assert!(
            errors(with("Tags", json!([{"Key": "aws:x", "Value": "v"}])))
                .contains("Tags[0].Key \"aws:x\" must not start with aws:")
        );
        assert!(errors(with(
            "Tags",
            json!([{"Key": "ok", "Value": "v"}, {"Key": "", "Value": "v"}])
        ))
        .contains("Tags[1].Key must be 1 to 128"));
        assert!(errors(with(
            "Tags",
            json!([{"Key": "k", "Value": "x".repeat(257)}])
        ))
        .contains("Tags[0].Value must be at most 256"));
        assert!(
            errors(with("Tags", json!([{"Key": "bad#key", "Value": "v"}])))
                .contains("may only contain")
        );
        assert!(errors(with(
            "Tags",
            json!([{"Key": "cfn-logs-destination:owner", "Value": "v"}])
        ))
        .contains("reserved by this provider"));
        assert!(errors(with(
            "Tags",
            json!([{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}])
        ))
        .contains("appears more than once"));
        assert!(errors(with("Tags", json!("team=core"))).contains("Tags must be a list"));
        let too_many: Map<String, Value> = (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(errors(with("Tags", Value::Object(too_many))).contains("at most 49 entries"));
        assert!(parse(&with(
            "Tags",
            json!([{"Key": "Ünïcode key", "Value": "größe 1.0 +@=/:"}])
        ))
        .is_ok());
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let message = errors(json!({"TargetArn": "nope", "Tags": 5, "Extra": 1}));
        assert!(message.starts_with("Invalid resource properties: "));
        for expected in [
            "Extra",
            "TargetArn must be an ARN",
            "RoleArn is required",
            "Tags must be",
        ] {
            assert!(
                message.contains(expected),
                "{expected} missing from {message}"
            );
        }
    }
}
