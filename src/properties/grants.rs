//! `AllowedAccounts`, `AllowedOrganizations`, `AllowedOrganizationPaths` and
//! `AllowAccountLevelSubscriptions`: who may subscribe, from which the access policy is built
//! (see [`super::policy`]). They replace a hand-written `DestinationPolicy`, so using both is an
//! error.

use super::lists::{parse_list, Entry};
use super::{is_absent, parse_bool, Checker};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

pub const ALLOWED_ACCOUNTS: &str = "AllowedAccounts";
pub const ALLOWED_ORGANIZATIONS: &str = "AllowedOrganizations";
pub const ALLOWED_ORGANIZATION_PATHS: &str = "AllowedOrganizationPaths";
pub const ALLOW_ACCOUNT_LEVEL: &str = "AllowAccountLevelSubscriptions";
/// The properties that build the policy, in the order the errors name them.
pub const GRANT_PROPERTIES: [&str; 3] = [
    ALLOWED_ACCOUNTS,
    ALLOWED_ORGANIZATIONS,
    ALLOWED_ORGANIZATION_PATHS,
];

/// Who may subscribe. Sets, so the built policy is the same whatever the order or repetition
/// of the template's values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    pub accounts: BTreeSet<String>,
    pub organizations: BTreeSet<String>,
    pub organization_paths: BTreeSet<String>,
    /// Also grant `logs:PutAccountPolicy`, which account-level subscription filter policies need.
    pub account_level: bool,
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.organizations.is_empty()
            && self.organization_paths.is_empty()
    }
}

/// The grants, or `None` when no `Allowed*` property is given. `has_policy` says whether a
/// `DestinationPolicy` is given too, which conflicts with every grant property.
pub(crate) fn parse_grants(
    check: &mut Checker,
    map: &Map<String, Value>,
    has_policy: bool,
) -> Option<Grants> {
    let mut grants = Grants {
        account_level: parse_bool(check, ALLOW_ACCOUNT_LEVEL, map.get(ALLOW_ACCOUNT_LEVEL)),
        ..Grants::default()
    };
    let given: Vec<&str> = GRANT_PROPERTIES
        .into_iter()
        .filter(|key| !is_absent(map.get(*key)))
        .collect();
    if has_policy {
        for key in &given {
            check.fail(
                *key,
                format!(
                    "and DestinationPolicy cannot be used together: {key} builds the access \
                     policy; give either the Allowed* properties or DestinationPolicy"
                ),
            );
        }
        if grants.account_level {
            check.fail(
                ALLOW_ACCOUNT_LEVEL,
                "and DestinationPolicy cannot be used together: AllowAccountLevelSubscriptions \
                 applies to the built policy; add logs:PutAccountPolicy to DestinationPolicy's \
                 Action instead",
            );
        }
        return None;
    }
    for entry in parse_list(check, ALLOWED_ACCOUNTS, map.get(ALLOWED_ACCOUNTS)) {
        if let Some(advice) = arn_principal_advice(&entry.value) {
            check.fail(
                entry.at,
                format!(
                    "must be an account ID, not an ARN ({:?}), {advice}",
                    entry.value
                ),
            );
        } else if let Some(rule) = account_rule_broken(&entry.value) {
            check.fail(entry.at, rule);
        } else {
            grants.accounts.insert(entry.value);
        }
    }
    for entry in parse_list(check, ALLOWED_ORGANIZATIONS, map.get(ALLOWED_ORGANIZATIONS)) {
        if is_organization_id(&entry.value) {
            grants.organizations.insert(entry.value);
        } else {
            fail_entry(check, entry, "must be an organization ID: o- and 10 to 32 lower-case letters or digits, such as o-a1b2c3d4e5");
        }
    }
    let paths = parse_list(
        check,
        ALLOWED_ORGANIZATION_PATHS,
        map.get(ALLOWED_ORGANIZATION_PATHS),
    );
    for entry in paths {
        if is_organization_path(&entry.value) {
            grants.organization_paths.insert(entry.value);
        } else {
            fail_entry(check, entry, "must be an organization path such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (a trailing * includes everything below it)");
        }
    }
    if grants.is_empty() {
        if grants.account_level && given.is_empty() {
            check.fail(
                ALLOW_ACCOUNT_LEVEL,
                "needs AllowedAccounts, AllowedOrganizations or AllowedOrganizationPaths: it \
                 extends what they grant",
            );
        }
        return None;
    }
    Some(grants)
}

fn fail_entry(check: &mut Checker, entry: Entry, rule: &str) {
    check.fail(entry.at, format!("{rule} (got {:?})", entry.value));
}

/// PutDestinationPolicy answers a principal such as `arn:aws:iam::111122223333:root` with
/// InvalidParameterException (public report: aws-cdk issue 14578): for an ARN, what to say
/// and which account ID to write instead.
pub(super) fn arn_principal_advice(principal: &str) -> Option<String> {
    let fields: Vec<&str> = principal.strip_prefix("arn:")?.splitn(5, ':').collect();
    let instead = match fields.get(3) {
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => {
            format!("write the account ID {id:?} instead")
        }
        _ => "write the 12-digit ID of the account instead".to_owned(),
    };
    Some(format!(
        "which CloudWatch Logs refuses in a destination policy (\"Principal section of policy \
         contains ARN instead of account ID\"): {instead}"
    ))
}

/// Twelve digits. A shorter run of digits is almost always an account ID whose leading zero
/// was lost because the template gave it as a number.
fn account_rule_broken(value: &str) -> Option<String> {
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    match value.len() {
        12 if digits => None,
        n if digits && n < 12 => Some(format!(
            "must be a 12-digit account ID (got {value:?}, {n} digits): if it lost its leading \
             zeros, quote the account ID in the template (\"{value:0>12}\")"
        )),
        _ => Some(format!(
            "must be a 12-digit account ID such as \"111122223333\" (got {value:?})"
        )),
    }
}

fn is_lower_alnum(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `o-` and 10 to 32 lower-case letters or digits (the Organizations ID pattern).
fn is_organization_id(value: &str) -> bool {
    value
        .strip_prefix("o-")
        .is_some_and(|rest| (10..=32).contains(&rest.len()) && is_lower_alnum(rest))
}

/// `r-` and 4 to 32 lower-case letters or digits.
fn is_root_id(value: &str) -> bool {
    value
        .strip_prefix("r-")
        .is_some_and(|rest| (4..=32).contains(&rest.len()) && is_lower_alnum(rest))
}

/// `ou-`, 4 to 32 lower-case letters or digits, `-`, 8 to 32 lower-case letters or digits.
fn is_ou_id(value: &str) -> bool {
    value
        .strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, ou)| {
            (4..=32).contains(&root.len())
                && is_lower_alnum(root)
                && (8..=32).contains(&ou.len())
                && is_lower_alnum(ou)
        })
}

/// `o-.../` then optionally `r-.../` and any number of `ou-.../`, as `aws:PrincipalOrgPaths`
/// values look; a trailing `*` matches everything below the path.
fn is_organization_path(value: &str) -> bool {
    let path = value.strip_suffix('*').unwrap_or(value);
    let Some(path) = path.strip_suffix('/') else {
        return false;
    };
    let mut segments = path.split('/');
    let organization_ok = segments.next().is_some_and(is_organization_id);
    let rest: Vec<&str> = segments.collect();
    let root_ok = rest.first().is_none_or(|root| is_root_id(root));
    organization_ok && root_ok && rest.iter().skip(1).all(|ou| is_ou_id(ou))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{rules, valid};
    use super::*;
    use serde_json::json;

    /// The grants parsed from `props` added to otherwise valid properties.
    fn grants(props: Value) -> Result<Option<Grants>, String> {
        let mut all = valid();
        for (key, value) in props.as_object().cloned().unwrap_or_default() {
            all[key] = value;
        }
        rules(super::super::parse(&all)).map(|parsed| parsed.grants)
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn each_kind_of_grant_is_parsed_sorted_and_without_duplicates() {
        let parsed = grants(json!({
            "AllowedAccounts": ["444455556666", "111122223333", "444455556666"],
            "AllowedOrganizations": "o-zzzzzzzzzz,o-a1b2c3d4e5",
            "AllowedOrganizationPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"],
            "AllowAccountLevelSubscriptions": "true",
        }))
        .expect("valid")
        .expect("grants");
        assert_eq!(parsed.accounts, set(&["111122223333", "444455556666"]));
        assert_eq!(parsed.organizations, set(&["o-a1b2c3d4e5", "o-zzzzzzzzzz"]));
        assert_eq!(
            parsed.organization_paths,
            set(&["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"])
        );
        assert!(parsed.account_level);
    }

    #[test]
    fn no_grant_properties_mean_no_built_policy() {
        assert_eq!(grants(json!({})), Ok(None));
        assert_eq!(
            grants(json!({"AllowedAccounts": "", "AllowedOrganizations": [""]})),
            Ok(None)
        );
    }

    #[test]
    fn an_account_that_lost_its_leading_zero_says_to_quote_it() {
        let message = grants(json!({"AllowedAccounts": [12345678901_u64]})).unwrap_err();
        assert_eq!(
            message,
            "AllowedAccounts[0] must be a 12-digit account ID (got \"12345678901\", 11 digits): \
             if it lost its leading zeros, quote the account ID in the template \
             (\"012345678901\")"
        );
        let message = grants(json!({"AllowedAccounts": "111122223333,1234-5678"})).unwrap_err();
        assert_eq!(
            message,
            "AllowedAccounts[1] must be a 12-digit account ID such as \"111122223333\" (got \"1234-5678\")"
        );
        assert!(grants(json!({"AllowedAccounts": ["1111222233334"]}))
            .unwrap_err()
            .contains("12-digit"));
    }

    #[test]
    fn an_account_given_as_an_arn_names_the_account_id_to_write() {
        let message =
            grants(json!({"AllowedAccounts": ["111122223333", "arn:aws:iam::444455556666:root"]}))
                .unwrap_err();
        assert_eq!(
            message,
            "AllowedAccounts[1] must be an account ID, not an ARN \
             (\"arn:aws:iam::444455556666:root\"), which CloudWatch Logs refuses in a \
             destination policy (\"Principal section of policy contains ARN instead of account \
             ID\"): write the account ID \"444455556666\" instead"
        );
        assert!(
            grants(json!({"AllowedAccounts": ["arn:aws:iam::aws:policy/x"]}))
                .unwrap_err()
                .contains("write the 12-digit ID of the account instead")
        );
    }

    #[test]
    fn organization_ids_follow_the_organizations_pattern() {
        for bad in [
            "o-short",
            "O-A1B2C3D4E5",
            "a1b2c3d4e5",
            "o-a1b2c3d4e5!",
            &format!("o-{}", "a".repeat(33)),
        ] {
            let message = grants(json!({"AllowedOrganizations": [bad]})).unwrap_err();
            assert!(
                message.starts_with("AllowedOrganizations[0] must be an organization ID"),
                "{bad}: {message}"
            );
        }
        assert!(grants(json!({"AllowedOrganizations": [format!("o-{}", "a".repeat(32))]})).is_ok());
    }

    #[test]
    fn organization_paths_follow_the_principal_org_paths_format() {
        for good in [
            "o-a1b2c3d4e5/*",
            "o-a1b2c3d4e5/r-ab12/",
            "o-a1b2c3d4e5/r-ab12/*",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/*",
        ] {
            assert!(
                grants(json!({"AllowedOrganizationPaths": [good]})).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "o-a1b2c3d4e5",
            "o-a1b2c3d4e5/r-ab12",
            "o-a1b2c3d4e5/ou-ab12-11111111/",
            "o-a1b2c3d4e5/r-ab12/ou-ab12/",
            "o-a1b2c3d4e5/r-ab12/*/ou-ab12-11111111/",
            "r-ab12/ou-ab12-11111111/",
        ] {
            let message = grants(json!({"AllowedOrganizationPaths": [bad]})).unwrap_err();
            assert!(
                message.starts_with("AllowedOrganizationPaths[0] must be an organization path"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn grants_and_destination_policy_conflict_naming_both() {
        let message = grants(json!({
            "DestinationPolicy": {"Version": "2012-10-17", "Statement": []},
            "AllowedAccounts": ["111122223333"],
            "AllowedOrganizations": ["o-a1b2c3d4e5"],
            "AllowAccountLevelSubscriptions": true,
        }))
        .unwrap_err();
        assert!(
            message.contains("AllowedAccounts and DestinationPolicy cannot be used together"),
            "{message}"
        );
        assert!(
            message.contains("AllowedOrganizations and DestinationPolicy cannot be used together"),
            "{message}"
        );
        assert!(
            message.contains(
                "AllowAccountLevelSubscriptions and DestinationPolicy cannot be used together"
            ),
            "{message}"
        );
        // Switching the builder off with empty values is not a conflict.
        assert!(grants(json!({
            "DestinationPolicy": {"Version": "2012-10-17", "Statement": []},
            "AllowedAccounts": "",
            "AllowAccountLevelSubscriptions": "false",
        }))
        .is_ok());
    }

    #[test]
    fn account_level_subscriptions_need_a_grant() {
        let message = grants(json!({"AllowAccountLevelSubscriptions": "true"})).unwrap_err();
        assert!(
            message.starts_with("AllowAccountLevelSubscriptions needs AllowedAccounts"),
            "{message}"
        );
        assert!(grants(json!({"AllowAccountLevelSubscriptions": "maybe"}))
            .unwrap_err()
            .contains("AllowAccountLevelSubscriptions must be true or false"));
    }
}
