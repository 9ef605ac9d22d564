//! The policy builder through the compiled binary: `AllowedAccounts`, `AllowedOrganizations`,
//! `AllowedOrganizationPaths` and `AllowAccountLevelSubscriptions` become the destination's
//! access policy, exactly as docs/properties.md documents it, kept in place across Updates, and
//! refused before any write when it could not be applied.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::*;

fn grant(name: &str, key: &str, value: Value) -> Value {
    props_with(name, key, value)
}

/// The statement CloudWatch Logs holds for `sid`, from the stored policy.
fn statement(policy: &Value, sid: &str) -> Value {
    policy["Statement"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["Sid"] == sid))
        .cloned()
        .unwrap_or_else(|| panic!("no statement {sid} in {policy}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_become_aws_principals_on_this_destination() {
    let stack = Stack::start();
    let name = unique_name("grant-accounts");
    let accounts = json!(["444455556666", "111122223333", "444455556666"]);
    stack
        .create("Destination", grant(&name, "AllowedAccounts", accounts))
        .await;
    let stored = existing(&stack.logs, &name).await;
    assert_eq!(
        stored.policy,
        Some(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowAccounts",
                "Effect": "Allow",
                "Principal": {"AWS": ["111122223333", "444455556666"]},
                "Action": "logs:PutSubscriptionFilter",
                "Resource": stored.arn,
            }]
        }))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_is_granted_through_principal_org_id() {
    let stack = Stack::start();
    let name = unique_name("grant-org");
    // A comma-separated string, as a String parameter or !Join gives it.
    stack
        .create(
            "Destination",
            grant(&name, "AllowedOrganizations", json!("o-a1b2c3d4e5")),
        )
        .await;
    let stored = existing(&stack.logs, &name).await;
    let policy = stored.policy.expect("a policy");
    assert_eq!(
        statement(&policy, "AllowOrganizations"),
        json!({
            "Sid": "AllowOrganizations",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "logs:PutSubscriptionFilter",
            "Resource": stored.arn,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}},
        })
    );
    assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_and_account_level_subscriptions() {
    let stack = Stack::start();
    let name = unique_name("grant-paths");
    let mut properties = grant(
        &name,
        "AllowedOrganizationPaths",
        json!(["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]),
    );
    properties["AllowedAccounts"] = json!("111122223333");
    properties["AllowAccountLevelSubscriptions"] = json!("true");
    stack.create("Destination", properties).await;
    let stored = existing(&stack.logs, &name).await;
    let policy = stored.policy.expect("a policy");
    let both = json!(["logs:PutSubscriptionFilter", "logs:PutAccountPolicy"]);
    assert_eq!(statement(&policy, "AllowAccounts")["Action"], both);
    assert_eq!(
        statement(&policy, "AllowOrganizationPaths"),
        json!({
            "Sid": "AllowOrganizationPaths",
            "Effect": "Allow",
            "Principal": "*",
            "Action": both,
            "Resource": stored.arn,
            "Condition": {"ForAnyValue:StringLike": {
                "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]
            }},
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_grant_is_not_rewritten_and_a_changed_one_is_applied_in_place() {
    let stack = Stack::start();
    let name = unique_name("grant-update");
    let first = grant(&name, "AllowedAccounts", json!(["111122223333"]));
    let (create, _) = stack.create("Destination", first.clone()).await;

    // The same accounts in another order and form: the same policy, nothing to write.
    let same = grant(&name, "AllowedAccounts", json!("111122223333,111122223333"));
    let request = update_request(&create, &stack.url(), &name, same);
    let answer = stack.succeed(&request).await;
    assert!(
        !answer.calls.iter().any(|c| c == "PutDestinationPolicy"),
        "{:?}",
        answer.calls
    );

    let more = grant(
        &name,
        "AllowedAccounts",
        json!(["111122223333", "444455556666"]),
    );
    let request = update_request(&request, &stack.url(), &name, more);
    let answer = stack.succeed(&request).await;
    assert_eq!(
        answer.physical_id(),
        name,
        "an in-place update keeps the id"
    );
    let policy = existing(&stack.logs, &name).await.policy.expect("policy");
    assert_eq!(
        principals(&policy),
        ["111122223333", "444455556666"],
        "{policy}"
    );

    // Removing every grant leaves only the destination's own account, as removing
    // DestinationPolicy does.
    let request = update_request(&request, &stack.url(), &name, props(&name));
    stack.succeed(&request).await;
    let policy = existing(&stack.logs, &name).await.policy.expect("policy");
    assert_eq!(principals(&policy), ["123456789012"], "{policy}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_switch_to_an_organization_says_to_set_force_update() {
    let stack = Stack::start();
    let name = unique_name("grant-force");
    let (create, _) = stack
        .create(
            "Destination",
            grant(&name, "AllowedAccounts", json!(["111122223333"])),
        )
        .await;
    // CloudWatch Logs refuses this switch without forceUpdate; the emulator does not.
    stack.proxy.fail(
        "PutDestinationPolicy",
        1,
        400,
        "InvalidParameterException",
        "forceUpdate is required to update the destination policy to use an organization ID",
    );
    let organization = grant(&name, "AllowedOrganizations", json!(["o-a1b2c3d4e5"]));
    let request = update_request(&create, &stack.url(), &name, organization.clone());
    let answer = stack.fail(&request).await;
    assert_eq!(
        answer.physical_id(),
        name,
        "a failed update answers the old id"
    );
    assert!(
        answer.reason().contains("set ForceUpdate: true"),
        "{}",
        answer.reason()
    );

    let mut forced = organization;
    forced["ForceUpdate"] = json!("true");
    let request = update_request(&request, &stack.url(), &name, forced);
    stack.succeed(&request).await;
    let policy = existing(&stack.logs, &name).await.policy.expect("policy");
    assert_eq!(
        statement(&policy, "AllowOrganizations")["Condition"],
        json!({"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_over_the_limit_is_refused_before_any_write() {
    let stack = Stack::start();
    let name = unique_name("grant-size");
    let accounts: Vec<String> = (0..400)
        .map(|i| format!("{:012}", 100_000_000_000_u64 + i))
        .collect();
    let request = create_request(
        &stack.url(),
        "Destination",
        grant(&name, "AllowedAccounts", json!(accounts)),
    );
    let answer = stack.fail(&request).await;
    assert!(
        answer
            .reason()
            .contains("over CloudWatch Logs' 5120-byte limit")
            && answer.reason().contains("remove at least"),
        "{}",
        answer.reason()
    );
    let writes: Vec<&String> = answer
        .calls
        .iter()
        .filter(|c| c.starts_with("Put") || c.starts_with("Delete") || c.ends_with("Resource"))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(answer.physical_id().contains(':'), "{}", answer.reply);
    assert_eq!(stored(&stack.logs, &name).await, None);
}
