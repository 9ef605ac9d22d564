//! `DestinationName`, `TargetArn` and `RoleArn`: what CloudWatch Logs and IAM accept.

use super::{Checker, MAX_NAME_CHARS};

/// Longest ARN we accept for TargetArn and RoleArn: far above real ones, and small enough that
/// the reply (which echoes both) always fits CloudFormation's 4096-byte limit.
const MAX_ARN_CHARS: usize = 1024;

/// The name is the resource's PhysicalResourceId, which CloudFormation limits to 1 KB: 512
/// characters of a multi-byte script can pass that.
pub const MAX_NAME_BYTES: usize = 1024;

/// A valid destination name: what CloudWatch Logs accepts, and CloudFormation as an id.
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
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "must be at most {MAX_NAME_BYTES} bytes in UTF-8 (got {}): it is the resource's \
             PhysicalResourceId, which CloudFormation limits to 1 KB",
            name.len()
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

/// Characters a destination ARN may hold besides ASCII letters and digits: TagResource,
/// UntagResource and ListTagsForResource take it as `resourceArn`, whose pattern in the
/// service model is `[\w+=/:,.@-]*` (`\w` being ASCII). With at most 512 such characters the
/// ARN also stays under that member's 1011-character limit.
const ARN_PUNCTUATION: &str = "_+=/:,.@-";

fn fits_a_tagging_arn(c: char) -> bool {
    c.is_ascii_alphanumeric() || ARN_PUNCTUATION.contains(c)
}

/// A name CloudWatch Logs accepts whose ARN the tagging APIs can also address. PutDestination
/// takes any name without `:` or `*`, but a destination that cannot be tagged cannot carry the
/// ownership tag, so such a name is refused before anything is written.
pub fn is_taggable_name(name: &str) -> bool {
    is_valid_name(name) && name.chars().all(fits_a_tagging_arn)
}

fn untaggable_rule_broken(name: &str) -> Option<String> {
    let mut refused: Vec<char> = Vec::new();
    for c in name.chars().filter(|c| !fits_a_tagging_arn(*c)) {
        if !refused.contains(&c) {
            refused.push(c);
        }
    }
    if refused.is_empty() {
        return None;
    }
    let listed: Vec<String> = refused.iter().map(|c| format!("{c:?}")).collect();
    Some(format!(
        "must contain only ASCII letters, digits and _ + = / , . @ - (got {name:?}, which has \
         {}): the tagging APIs (TagResource, ListTagsForResource) take the destination's ARN, \
         whose pattern is [\\w+=/:,.@-]*, so a destination with this name could never carry \
         its tags",
        listed.join(" ")
    ))
}

pub(super) fn check_name(check: &mut Checker, name: &str) {
    if let Some(rule) = name_rule_broken(name).or_else(|| untaggable_rule_broken(name)) {
        check.fail("DestinationName", rule);
    }
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`; `kind` narrows service and resource type.
pub(super) fn check_arn(
    check: &mut Checker,
    property: &str,
    arn: &str,
    kind: Option<(&str, &str)>,
) {
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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::testing::{errors, with};
    use serde_json::json;

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
        // 512 characters, but 1536 bytes: too long for a PhysicalResourceId.
        assert!(errors(with("DestinationName", json!("日".repeat(512))))
            .contains("DestinationName must be at most 1024 bytes"));
        let wide = errors(with("DestinationName", json!("日".repeat(341))));
        assert!(
            wide.contains("DestinationName must contain only ASCII"),
            "{wide}"
        );
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
    fn names_the_tagging_apis_cannot_address_are_refused_naming_the_characters() {
        let reason = errors(with("DestinationName", json!("central logs#1!é# ")));
        assert!(
            reason.contains("DestinationName must contain only ASCII letters")
                && reason.contains("which has ' ' '#' '!' 'é'):")
                && reason.contains("[\\w+=/:,.@-]*"),
            "{reason}"
        );
        // One rule at a time: a ':' is reported by the name rule alone.
        assert!(!errors(with("DestinationName", json!("a:b c"))).contains("ASCII"));
        let every_allowed = "Az09_+=/,.@-";
        assert!(parse(&with("DestinationName", json!(every_allowed))).is_ok());
        assert!(super::is_taggable_name(every_allowed));
        assert!(!super::is_taggable_name("a b") && super::is_valid_name("a b"));
        assert!(!super::is_taggable_name("a:b"));
    }
}
