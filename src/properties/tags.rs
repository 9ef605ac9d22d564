//! `Tags`: a list of `{Key, Value}` or a plain map, checked against CloudWatch Logs' tag rules.

use super::{is_absent, scalar_string, Checker, RESERVED_TAG_PREFIX};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// CloudWatch Logs allows 50 tags per resource; the ownership tag and the fingerprint tag
/// (what the audit compares against) take two of them.
pub const MAX_USER_TAGS: usize = 48;

pub(super) fn parse_tags(check: &mut Checker, value: Option<&Value>) -> BTreeMap<String, String> {
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
                 and the provider's ownership and fingerprint tags use two",
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
    use super::super::parse;
    use super::super::testing::{errors, with};
    use serde_json::{json, Map, Value};

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
        let too_many: Map<String, Value> = (0..49).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(errors(with("Tags", Value::Object(too_many))).contains("at most 48 entries"));
        assert!(parse(&with(
            "Tags",
            json!([{"Key": "Ünïcode key", "Value": "größe 1.0 +@=/:"}])
        ))
        .is_ok());
    }
}
