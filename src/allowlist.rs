//! The roles a destination may use and the targets it may send to, as the deployer allowed
//! them: a comma-separated list of ARN patterns in an environment variable, matched as IAM
//! matches ARNs (each of the six colon-separated parts on its own, `*` and `?` wildcards).
//!
//! Whoever can invoke the function chooses RoleArn and TargetArn. Without these lists the
//! function would pass any role IAM lets it pass toward any target that role can write: a
//! confused deputy. The template always sets both; an unset variable (a local run, a test
//! that does not care) means no restriction.

/// The function setting holding the role ARN patterns (template parameter
/// `PassRoleArnPatterns`).
pub const ROLE_PATTERNS: &str = "PASS_ROLE_ARN_PATTERNS";
/// The function setting holding the target ARN patterns (template parameter
/// `AllowedTargetArns`).
pub const TARGET_PATTERNS: &str = "ALLOWED_TARGET_ARNS";

/// Refuses a role or target that no pattern of the function's settings admits. Read per
/// request: a setting, not start-up work.
pub fn admits(role_arn: &str, target_arn: &str) -> Result<(), String> {
    let role = setting(ROLE_PATTERNS);
    let target = setting(TARGET_PATTERNS);
    check("RoleArn", role_arn, role.as_deref(), "PassRoleArnPatterns")?;
    check(
        "TargetArn",
        target_arn,
        target.as_deref(),
        "AllowedTargetArns",
    )
}

fn setting(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// `patterns` is the setting's text; `None` (unset) admits everything, an empty list
/// nothing.
fn check(
    property: &str,
    value: &str,
    patterns: Option<&str>,
    parameter: &str,
) -> Result<(), String> {
    let Some(patterns) = patterns else {
        return Ok(());
    };
    let list = parse(patterns);
    if list.iter().any(|pattern| arn_matches(pattern, value)) {
        return Ok(());
    }
    let allowed = if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    };
    Err(format!(
        "{property} {value} is not allowed by this provider (template parameter {parameter}: \
         {allowed}). Use one that matches, or have the provider's deployer add it to \
         {parameter}"
    ))
}

/// The patterns of a comma-separated setting, blanks dropped.
pub fn parse(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// IAM's ARN matching: the six parts (the last keeps its colons) are matched one by one, so
/// a wildcard never spans a colon into the next part.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    let patterns: Vec<&str> = pattern.splitn(6, ':').collect();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    patterns.len() == 6
        && parts.len() == 6
        && patterns
            .iter()
            .zip(&parts)
            .all(|(pattern, part)| glob(pattern, part))
}

/// `*` matches any run of characters (none included), `?` exactly one; everything else
/// itself, case-sensitively. Linear backtracking: only the last `*` is ever revisited.
fn glob(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // The last `*` seen and the text position it currently stands for.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT_ROLES: &str = "arn:aws:iam::123456789012:role/logs-destination/*";
    const DEFAULT_TARGETS: &str = "arn:aws:kinesis:*:123456789012:stream/*, \
         arn:aws:firehose:*:123456789012:deliverystream/*";

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a*c", "ac"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob(
            "*-logs-destination-role",
            "central-logs-destination-role"
        ));
        assert!(!glob(
            "*-logs-destination-role",
            "central-logs-destination-role2"
        ));
        assert!(glob("*a*b", "xaxxab"));
        assert!(!glob("Role", "role"), "case matters");
        assert!(glob("*", ""));
    }

    #[test]
    fn the_default_roles_are_those_under_the_dedicated_path() {
        let roles = Some(DEFAULT_ROLES);
        let ok = |arn| check("RoleArn", arn, roles, "PassRoleArnPatterns").is_ok();
        assert!(ok(
            "arn:aws:iam::123456789012:role/logs-destination/central"
        ));
        assert!(ok("arn:aws:iam::123456789012:role/logs-destination/team/a"));
        assert!(!ok(
            "arn:aws:iam::123456789012:role/central-logs-destination"
        ));
        assert!(!ok("arn:aws:iam::123456789012:role/admin"));
        assert!(!ok(
            "arn:aws:iam::999999999999:role/logs-destination/central"
        ));
    }

    #[test]
    fn the_default_targets_are_this_accounts_streams_in_any_region() {
        let targets = Some(DEFAULT_TARGETS);
        let ok = |arn| check("TargetArn", arn, targets, "AllowedTargetArns").is_ok();
        assert!(ok("arn:aws:kinesis:eu-west-1:123456789012:stream/central"));
        assert!(ok(
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/central"
        ));
        assert!(!ok("arn:aws:kinesis:eu-west-1:999999999999:stream/siem"));
        assert!(!ok("arn:aws:lambda:eu-west-1:123456789012:function:f"));
        // A wildcard stays within its part: the Region's `*` cannot swallow an account.
        assert!(!ok(
            "arn:aws:kinesis:eu-west-1:999999999999:x:123456789012:stream/a"
        ));
    }

    #[test]
    fn a_refusal_names_the_property_the_value_and_the_parameter() {
        let refused = check(
            "RoleArn",
            "arn:aws:iam::123456789012:role/admin",
            Some(DEFAULT_ROLES),
            "PassRoleArnPatterns",
        )
        .expect_err("refused");
        assert!(
            refused.starts_with(
                "RoleArn arn:aws:iam::123456789012:role/admin is not allowed by this provider \
                 (template parameter PassRoleArnPatterns: arn:aws:iam::123456789012:role/\
                 logs-destination/*)"
            ),
            "{refused}"
        );
    }

    #[test]
    fn unset_admits_everything_and_empty_admits_nothing() {
        assert!(check("RoleArn", "arn:aws:iam::1:role/r", None, "P").is_ok());
        let refused = check("RoleArn", "arn:aws:iam::1:role/r", Some(" , "), "P")
            .expect_err("nothing allowed");
        assert!(
            refused.contains("(template parameter P: none)"),
            "{refused}"
        );
    }

    #[test]
    fn a_value_that_is_not_an_arn_matches_nothing() {
        assert!(!arn_matches("*", "*"));
        assert!(!arn_matches("arn:*:*:*:*:*", "not-an-arn"));
        assert!(arn_matches("arn:*:*:*:*:*", "arn:aws:iam::1:role/a:b"));
    }
}
