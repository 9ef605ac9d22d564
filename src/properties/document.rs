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

    /// The statements' `Resource` entries that cannot name `destination_arn` (IAM matches `*`
    /// and `?` as wildcards). A statement whose Resource names another destination grants
    /// nothing on this one.
    pub fn resources_not_naming(&self, destination_arn: &str) -> Vec<String> {
        let statements = match self.document.get("Statement") {
            Some(Value::Array(statements)) => statements.iter().collect(),
            Some(statement) => vec![statement],
            None => Vec::new(),
        };
        let resources = statements
            .into_iter()
            .filter_map(|statement| statement.get("Resource"))
            .flat_map(|resource| match resource {
                Value::Array(list) => list.iter().collect(),
                single => vec![single],
            });
        resources
            .filter_map(Value::as_str)
            .filter(|pattern| !wildcard_match(pattern.as_bytes(), destination_arn.as_bytes()))
            .map(str::to_owned)
            .collect()
    }

    /// Equal documents are the same policy, whatever their whitespace or key order.
    pub fn same_as(&self, other: Option<&str>) -> bool {
        other
            .and_then(Policy::from_text)
            .is_some_and(|other| other.document == self.document)
    }
}

/// IAM's resource wildcards: `*` any run of characters, `?` any one.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and how much of the text it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
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
    check_principals(check, &document);
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

/// An `AWS` principal given as an ARN is refused by PutDestinationPolicy; say so before any
/// write, naming the statement (its Sid, else its place) and the account ID to write.
fn check_principals(check: &mut Checker, document: &Value) {
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect(),
        Some(statement) => vec![statement],
        None => Vec::new(),
    };
    for (i, statement) in statements.into_iter().enumerate() {
        let principals = match statement.get("Principal").and_then(|p| p.get("AWS")) {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(single) => vec![single],
            None => Vec::new(),
        };
        let which = match statement.get("Sid").and_then(Value::as_str) {
            Some(sid) => format!("statement {sid:?}"),
            None => format!("Statement[{i}]"),
        };
        for principal in principals.into_iter().filter_map(Value::as_str) {
            if let Some(advice) = super::grants::arn_principal_advice(principal) {
                check.fail(
                    "DestinationPolicy",
                    format!("{which} has the ARN principal {principal:?}, {advice}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::testing::{errors, rules, with};
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
    fn resources_that_cannot_name_a_destination_are_listed() {
        let arn = "arn:aws:logs:eu-west-1:123456789012:destination:central";
        let policy = parse(&with(
            "DestinationPolicy",
            json!({"Statement": [
                {"Resource": "arn:aws:logs:us-east-1:123456789012:destination:central"},
                {"Resource": ["*", "arn:aws:logs:*:123456789012:destination:central",
                              "arn:aws:logs:eu-west-?:123456789012:destination:*"]},
                {"Resource": arn},
                {"NotResource": "x"}
            ]}),
        ))
        .expect("valid")
        .policy
        .expect("policy");
        assert_eq!(
            policy.resources_not_naming(arn),
            ["arn:aws:logs:us-east-1:123456789012:destination:central"]
        );
        let single = parse(&with(
            "DestinationPolicy",
            json!({"Statement": {"Resource": "arn:aws:logs:*:*:destination:cent*l"}}),
        ))
        .expect("valid")
        .policy
        .expect("policy");
        assert!(single.resources_not_naming(arn).is_empty());
        assert!(!single
            .resources_not_naming("arn:aws:logs:eu-west-1:1:destination:centrum")
            .is_empty());
    }

    #[test]
    fn arn_principals_are_refused_naming_the_statement_and_the_account_id() {
        let message = rules(parse(&with(
            "DestinationPolicy",
            json!({"Statement": [
                {"Sid": "Senders", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]}},
                {"Principal": {"AWS": "arn:aws:iam::777788889999:role/sender"}},
                {"Principal": "*"}
            ]}),
        )))
        .unwrap_err();
        assert_eq!(
            message,
            "DestinationPolicy statement \"Senders\" has the ARN principal \
             \"arn:aws:iam::444455556666:root\", which CloudWatch Logs refuses in a destination \
             policy (\"Principal section of policy contains ARN instead of account ID\"): write \
             the account ID \"444455556666\" instead; DestinationPolicy Statement[1] has the ARN \
             principal \"arn:aws:iam::777788889999:role/sender\", which CloudWatch Logs refuses \
             in a destination policy (\"Principal section of policy contains ARN instead of \
             account ID\"): write the account ID \"777788889999\" instead"
        );
        let single = json!({"Statement": {"Principal": {"AWS": "111122223333"}}});
        assert!(parse(&with("DestinationPolicy", single)).is_ok());
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
