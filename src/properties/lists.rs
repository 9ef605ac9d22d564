//! List-valued properties (`AllowedAccounts`, `Regions`, ...): CloudFormation passes a
//! `CommaDelimitedList` parameter as a list, a `String` parameter or a `!Join` as one string.
//! Both are accepted; a string is split on commas and each entry trimmed.

use super::{is_absent, scalar_string, Checker};
use serde_json::Value;

/// One entry of a list property, with the name that points the user at it (`AllowedAccounts[2]`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub at: String,
    pub value: String,
}

/// The entries of list property `key`. Absent, `""`, `[]` and `[""]` (what an empty
/// `CommaDelimitedList` parameter gives) all mean "no entries"; any other empty entry is an
/// error, as it is almost always a stray comma.
pub(crate) fn parse_list(check: &mut Checker, key: &str, value: Option<&Value>) -> Vec<Entry> {
    if is_absent(value) {
        return Vec::new();
    }
    let raw: Vec<Option<String>> = match value {
        Some(Value::Array(items)) => items.iter().map(scalar_string).collect(),
        Some(Value::String(text)) => text.split(',').map(|s| Some(s.to_owned())).collect(),
        Some(Value::Number(n)) => vec![Some(n.to_string())],
        _ => {
            check.fail(key, "must be a list of strings or a comma-separated string");
            return Vec::new();
        }
    };
    if matches!(raw.as_slice(), [Some(only)] if only.trim().is_empty()) {
        return Vec::new();
    }
    let mut entries = Vec::with_capacity(raw.len());
    for (i, item) in raw.into_iter().enumerate() {
        let at = format!("{key}[{i}]");
        match item.map(|s| s.trim().to_owned()) {
            None => check.fail(at, "must be a string"),
            Some(value) if value.is_empty() => {
                check.fail(at, "is empty (a stray comma?)");
            }
            Some(value) => entries.push(Entry { at, value }),
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::super::testing::rules;
    use super::*;
    use serde_json::json;

    fn values(value: Value) -> Result<Vec<String>, String> {
        let mut check = Checker::default();
        let entries = parse_list(&mut check, "AllowedAccounts", Some(&value));
        rules(check.into_result(entries.into_iter().map(|e| e.value).collect()))
    }

    #[test]
    fn a_list_or_a_comma_separated_string() {
        let expected = vec!["111122223333".to_owned(), "444455556666".to_owned()];
        assert_eq!(
            values(json!(["111122223333", "444455556666"])),
            Ok(expected.clone())
        );
        assert_eq!(
            values(json!("111122223333, 444455556666")),
            Ok(expected.clone())
        );
        assert_eq!(values(json!(" 111122223333 ,444455556666 ")), Ok(expected));
    }

    #[test]
    fn empty_forms_mean_no_entries() {
        for empty in [json!(""), json!([]), json!([""]), json!(" "), Value::Null] {
            assert_eq!(values(empty.clone()), Ok(vec![]), "{empty}");
        }
    }

    #[test]
    fn stray_commas_and_non_strings_are_named() {
        assert_eq!(
            values(json!("111122223333,,444455556666")),
            Err("AllowedAccounts[1] is empty (a stray comma?)".to_owned())
        );
        assert_eq!(
            values(json!(["111122223333", {"a": 1}])),
            Err("AllowedAccounts[1] must be a string".to_owned())
        );
        assert!(values(json!({"a": 1}))
            .unwrap_err()
            .contains("AllowedAccounts must be a list"));
    }
}
