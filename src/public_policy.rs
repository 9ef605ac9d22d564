//! No destination open to the world unless the provider's deployer allows it. A destination
//! policy statement that allows every principal (`"Principal": "*"`, `{"AWS": "*"}`, a list
//! holding `"*"`, or `NotPrincipal`) without a condition that limits the caller lets any AWS
//! account put logs into the stream behind it. Like S3's Block Public Access, one setting of
//! the provider (`AllowPublicDestinationPolicies`) lifts this for every resource; no resource
//! can lift it for itself, because the deployer of a stack is the one being limited.

use serde_json::Value;

/// The function setting (template parameter `AllowPublicDestinationPolicies`): `true` lifts
/// the refusal.
pub const ALLOW_PUBLIC_POLICIES: &str = "ALLOW_PUBLIC_DESTINATION_POLICIES";

/// The condition keys that limit who the caller is (compared without regard to case, as IAM
/// compares keys).
pub const LIMITING_KEYS: [&str; 7] = [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceArn",
];

/// Operators that hold only when the key is present and matches one of the values. Negated
/// operators, `...IfExists` (true when the key is missing: a caller outside any organization)
/// and `ForAllValues:` (true for a missing key) limit nothing.
const EXACT: [&str; 5] = [
    "StringEquals",
    "StringEqualsIgnoreCase",
    "ArnEquals",
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringEqualsIgnoreCase",
];
const LIKE: [&str; 3] = ["StringLike", "ArnLike", "ForAnyValue:StringLike"];

/// Refuses `policy` (a policy document) when it is open to the world, unless the function's
/// setting allows that. Read per request: a setting, not start-up work.
pub fn admits(policy: &Value) -> Result<(), String> {
    let allowed = std::env::var(ALLOW_PUBLIC_POLICIES)
        .is_ok_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let open = world_open_statements(policy);
    if allowed || open.is_empty() {
        return Ok(());
    }
    Err(format!(
        "DestinationPolicy {} {} every AWS account (Principal \"*\") without a condition that \
         limits the caller: add a StringEquals condition on {} to it, or grant accounts by ID. \
         This provider refuses destinations open to the world unless its deployer sets the \
         template parameter AllowPublicDestinationPolicies to true",
        open.join(", "),
        if open.len() == 1 { "allows" } else { "allow" },
        LIMITING_KEYS.join(", ")
    ))
}

/// The statements of `policy` that allow every principal without a limiting condition, each
/// named by its Sid (`statement "Sid"`) or its place (`Statement[2]`).
pub fn world_open_statements(policy: &Value) -> Vec<String> {
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect(),
        Some(statement) => vec![statement],
        None => Vec::new(),
    };
    statements
        .into_iter()
        .enumerate()
        .filter(|(_, statement)| allows_everyone(statement) && !limits_caller(statement))
        .map(
            |(i, statement)| match statement.get("Sid").and_then(Value::as_str) {
                Some(sid) => format!("statement {sid:?}"),
                None => format!("Statement[{i}]"),
            },
        )
        .collect()
}

/// An Allow statement whose principal is everyone: `"*"`, any principal type holding `"*"`,
/// or `NotPrincipal` (everyone but those named).
fn allows_everyone(statement: &Value) -> bool {
    let denies = statement
        .get("Effect")
        .and_then(Value::as_str)
        .is_some_and(|effect| effect.eq_ignore_ascii_case("deny"));
    if denies {
        return false;
    }
    let star = |value: &Value| value.as_str().is_some_and(|s| s.trim() == "*");
    let everyone = match statement.get("Principal") {
        Some(Value::Object(types)) => types.values().any(|value| match value {
            Value::Array(list) => list.iter().any(star),
            single => star(single),
        }),
        Some(principal) => star(principal),
        None => false,
    };
    everyone || statement.get("NotPrincipal").is_some()
}

/// Whether one of the statement's conditions limits the caller: a limiting key, under an
/// operator that holds only for the values given, with values that name someone.
fn limits_caller(statement: &Value) -> bool {
    let Some(Value::Object(operators)) = statement.get("Condition") else {
        return false;
    };
    operators.iter().any(|(operator, keys)| {
        let like = LIKE.iter().any(|o| o.eq_ignore_ascii_case(operator));
        let exact = EXACT.iter().any(|o| o.eq_ignore_ascii_case(operator));
        let Value::Object(keys) = keys else {
            return false;
        };
        (like || exact)
            && keys.iter().any(|(key, values)| {
                let Some(limiting) = LIMITING_KEYS.iter().find(|k| k.eq_ignore_ascii_case(key))
                else {
                    return false;
                };
                let values: Vec<&Value> = match values {
                    Value::Array(list) => list.iter().collect(),
                    single => vec![single],
                };
                !values.is_empty()
                    && values.iter().all(|value| {
                        value
                            .as_str()
                            .is_some_and(|value| names_someone(limiting, value, like))
                    })
            })
    })
}

/// Whether `value` of `key` names a particular organization, account or resource. A policy
/// variable (`${...}`) can stand for anyone. Under a `...Like` operator a wildcard may only
/// stand where it cannot reach another caller: IDs are written in full, an organization
/// path's organization (`o-abc/...`) and a source ARN's account too.
fn names_someone(key: &str, value: &str, like: bool) -> bool {
    let value = value.trim();
    let wild = |text: &str| text.contains(['*', '?']);
    // "*" alone is refused under every operator, although StringEquals would compare it
    // literally: whoever writes it means everyone.
    if value.is_empty() || value.contains("${") || value.chars().all(|c| c == '*' || c == '?') {
        return false;
    }
    if !like || !wild(value) {
        return true;
    }
    match key {
        "aws:PrincipalOrgPaths" | "aws:SourceOrgPaths" => value
            .split_once('/')
            .is_some_and(|(org, _)| org.len() > 2 && !wild(org)),
        // arn:PARTITION:SERVICE:REGION:ACCOUNT:...: the account is written out in full.
        "aws:SourceArn" => {
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            parts.len() == 6 && !parts[4].is_empty() && !wild(parts[4])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:logs:us-east-1:999999999999:destination:central";

    fn statement(principal: Value, condition: Option<Value>) -> Value {
        let mut statement = json!({
            "Sid": "Open",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "logs:PutSubscriptionFilter",
            "Resource": ARN,
        });
        if let Some(condition) = condition {
            statement["Condition"] = condition;
        }
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    fn open(policy: &Value) -> bool {
        !world_open_statements(policy).is_empty()
    }

    #[test]
    fn every_form_of_everyone_without_a_condition_is_world_open() {
        for principal in [
            json!("*"),
            json!({"AWS": "*"}),
            json!({"AWS": ["111122223333", "*"]}),
            json!({"Service": "*"}),
        ] {
            assert!(open(&statement(principal.clone(), None)), "{principal}");
        }
        let not_principal = json!({"Statement": {"Effect": "Allow",
            "NotPrincipal": {"AWS": "111122223333"}, "Action": "logs:*", "Resource": "*"}});
        assert_eq!(world_open_statements(&not_principal), ["Statement[0]"]);
    }

    #[test]
    fn named_accounts_and_denials_are_not_world_open() {
        assert!(!open(&statement(json!({"AWS": ["111122223333"]}), None)));
        let mut deny = statement(json!("*"), None);
        deny["Statement"][0]["Effect"] = json!("Deny");
        assert!(!open(&deny));
    }

    #[test]
    fn a_condition_on_who_the_caller_is_limits_it() {
        for condition in [
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            json!({"StringEquals": {"aws:principalorgid": ["o-a1b2c3d4e5", "o-z9"]}}),
            json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}}),
            json!({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}),
            json!({"StringEquals": {"aws:SourceAccount": "111122223333"}}),
            json!({"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}),
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:111122223333:*"}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                   "Bool": {"aws:SecureTransport": "true"}}),
        ] {
            assert!(
                !open(&statement(json!("*"), Some(condition.clone()))),
                "{condition}"
            );
        }
    }

    #[test]
    fn conditions_that_limit_nothing_leave_it_world_open() {
        for condition in [
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            json!({"StringLike": {"aws:PrincipalOrgID": "*"}}),
            json!({"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
            json!({"StringLike": {"aws:PrincipalAccount": "1111*"}}),
            json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*"}}),
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:*"}}),
            json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-a/r-b/"]}}),
            json!({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": []}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "*"]}}),
        ] {
            assert!(
                open(&statement(json!("*"), Some(condition.clone()))),
                "{condition}"
            );
        }
    }

    /// The policy builder grants everyone only with a condition on the organization: whatever
    /// valid grants it is given, the policy it builds is never world-open.
    #[test]
    fn the_policy_builder_never_builds_a_world_open_policy() {
        let accounts = [
            json!(null),
            json!(["111122223333"]),
            json!("111122223333,444455556666"),
        ];
        let organizations = [
            json!(null),
            json!(["o-a1b2c3d4e5"]),
            json!("o-a1b2c3d4e5,o-zzzzzzzzzz"),
        ];
        let paths = [
            json!(null),
            json!(["o-a1b2c3d4e5/*"]),
            json!([
                "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
                "o-a1b2c3d4e5/r-ab12/*"
            ]),
        ];
        let mut built = 0;
        for account_level in ["true", "false"] {
            let mut combinations = Vec::new();
            for a in &accounts {
                for o in &organizations {
                    for p in &paths {
                        combinations.push((a, o, p));
                    }
                }
            }
            for (a, o, p) in combinations {
                let mut props = crate::properties::testing::valid();
                props["AllowAccountLevelSubscriptions"] = json!(account_level);
                for (key, value) in [
                    ("AllowedAccounts", a),
                    ("AllowedOrganizations", o),
                    ("AllowedOrganizationPaths", p),
                ] {
                    if !value.is_null() {
                        props[key] = value.clone();
                    }
                }
                let Ok(parsed) = crate::properties::parse(&props) else {
                    continue;
                };
                let Some(policy) = parsed.access_policy(ARN).ok().flatten() else {
                    continue;
                };
                built += 1;
                assert!(
                    world_open_statements(&policy.document).is_empty(),
                    "{}",
                    policy.text
                );
                // Its organization statements do grant "*": the rule is what keeps them.
                let grants_everyone = policy.text.contains("\"Principal\":\"*\"");
                assert_eq!(
                    grants_everyone,
                    !o.is_null() || !p.is_null(),
                    "{}",
                    policy.text
                );
            }
        }
        assert!(built >= 26, "only {built} policies were built");
    }

    #[test]
    fn the_reason_names_each_open_statement() {
        let policy = json!({"Statement": [
            {"Sid": "Accounts", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
             "Action": "logs:PutSubscriptionFilter", "Resource": ARN},
            {"Effect": "Allow", "Principal": {"AWS": "*"},
             "Action": "logs:PutSubscriptionFilter", "Resource": ARN},
            {"Sid": "Everyone", "Effect": "Allow", "Principal": "*",
             "Action": "logs:PutSubscriptionFilter", "Resource": ARN},
        ]});
        assert_eq!(
            world_open_statements(&policy),
            ["Statement[1]", "statement \"Everyone\""]
        );
    }
}
