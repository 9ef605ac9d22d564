//! The PassRole deputy: whoever may invoke the function chooses RoleArn and
//! TargetArn, so the deployer's allow-lists (`PASS_ROLE_ARN_PATTERNS`, `ALLOWED_TARGET_ARNS`,
//! set by the template's `PassRoleArnPatterns` and `AllowedTargetArns`) are enforced before any
//! AWS call, through the compiled binary, on every path that writes.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::*;

/// Not of the test account: no pattern of the rig admits it.
const SIEM_STREAM: &str = "arn:aws:kinesis:us-east-1:999999999999:stream/siem";
/// Of another account: no pattern of the rig admits it.
const ADMIN_ROLE: &str = "arn:aws:iam::999999999999:role/admin";
/// The template's default role patterns for the test account.
const DEFAULT_ROLES: &str = "arn:aws:iam::123456789012:role/logs-destination/*";

fn assert_refused_without_calls(answer: &Answer, needles: &[&str]) {
    assert_eq!(answer.status(), "FAILED", "{}", answer.reply);
    for needle in needles {
        assert!(answer.reason().contains(needle), "{}", answer.reason());
    }
    assert!(
        answer.calls.is_empty(),
        "AWS was called: {:?}",
        answer.calls
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_with_a_role_or_target_off_the_lists_is_refused_before_any_call() {
    let stack = Stack::start();
    let name = unique_name("allow-create");
    for (key, value, parameter) in [
        ("RoleArn", ADMIN_ROLE, "PassRoleArnPatterns"),
        ("TargetArn", SIEM_STREAM, "AllowedTargetArns"),
    ] {
        let mut properties = props(&name);
        properties[key] = json!(value);
        properties["AllowedAccounts"] = json!(["111122223333"]);
        let request = create_request(&stack.url(), "Destination", properties);
        let answer = stack.fail(&request).await;
        let named = format!("{key} {value} is not allowed by this provider");
        assert_refused_without_calls(&answer, &[&named, parameter]);
    }
    assert!(!destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_role_patterns_refuse_a_role_named_like_the_old_default() {
    let stack = Stack::start_with(|f| f.env("PASS_ROLE_ARN_PATTERNS", DEFAULT_ROLES));
    let name = unique_name("allow-path");
    // ROLE is "central-logs-destination-role": the old default admitted any such name.
    let request = create_request(&stack.url(), "Destination", props(&name));
    let answer = stack.fail(&request).await;
    assert_refused_without_calls(
        &answer,
        &[ROLE, &format!("PassRoleArnPatterns: {DEFAULT_ROLES})")],
    );
    let mut under_path = props(&name);
    under_path["RoleArn"] = json!("arn:aws:iam::123456789012:role/logs-destination/central");
    stack
        .succeed(&create_request(&stack.url(), "Destination", under_path))
        .await;
    assert!(destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_toward_a_target_off_the_list_changes_nothing() {
    let stack = Stack::start();
    let name = unique_name("allow-update");
    let (create, _) = stack.create("Destination", props(&name)).await;
    let before = existing(&stack.logs, &name).await;
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        props_with(&name, "TargetArn", json!(SIEM_STREAM)),
    );
    let answer = stack.fail(&update).await;
    assert_refused_without_calls(&answer, &[SIEM_STREAM, "AllowedTargetArns"]);
    assert_eq!(existing(&stack.logs, &name).await, before);
    // Deleting is never held back by the lists: it sends nothing anywhere.
    stack
        .succeed(&delete_request(&create, &stack.url(), &name))
        .await;
    assert!(!destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_framework_is_held_to_the_lists_too() {
    let stack = Stack::start();
    let name = unique_name("allow-provider");
    let request = provider_request(create_request(
        "unused",
        "Destination",
        props_with(&name, "RoleArn", json!(ADMIN_ROLE)),
    ));
    let answer = stack.invoke(&request).await;
    let Outcome::Error(error) = &answer.invocation.outcome else {
        panic!("expected an error, got {:?}", answer.invocation.outcome);
    };
    assert!(error.to_string().contains("PassRoleArnPatterns"), "{error}");
    assert!(
        answer.calls.is_empty(),
        "AWS was called: {:?}",
        answer.calls
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_list_allows_nothing_and_an_unset_one_everything() {
    let empty = Stack::start_with(|f| f.env("ALLOWED_TARGET_ARNS", ""));
    let name = unique_name("allow-empty");
    let answer = empty
        .fail(&create_request(&empty.url(), "Destination", props(&name)))
        .await;
    assert_refused_without_calls(&answer, &["(template parameter AllowedTargetArns: none)"]);

    // Outside the template (a local run), unset means unrestricted.
    let unset = Stack::start_with(|f| {
        f.env_remove("ALLOWED_TARGET_ARNS")
            .env_remove("PASS_ROLE_ARN_PATTERNS")
    });
    // A role of another account: no list would admit it. (Not a target of another account:
    // strict mode, as AWS, fails the test message for a stream that does not exist.)
    let properties: Value = props_with(
        &name,
        "RoleArn",
        json!("arn:aws:iam::999999999999:role/someone-elses"),
    );
    unset.create("Destination", properties).await;
    assert!(destination_exists(&name).await);
}
