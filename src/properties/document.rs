//! `DestinationPolicy`: a hand-written access policy, as a JSON string or an inline object.

use super::{is_absent, Checker, MAX_POLICY_BYTES};
use serde_json::Value;

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

pub(super) fn parse_policy(check: &mut Checker, value: Option<&Value>) -> Option<Policy> {
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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::testing::{errors, with};
    use serde_json::json;

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
}
