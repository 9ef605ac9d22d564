//! Every stack request is checked with CloudFormation before any write (docs/trust.md,
//! "Trust model"): each flow CloudFormation drives passes, and a forged request (a stack that is
//! not in progress, a wrong id, a wrong type, another account, a trusted account's stack its own
//! CloudFormation does not show in progress) is refused with a Reason naming
//! what CloudFormation showed, changes nothing, and is counted.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::cloudformation::{self, Shown};
use support::*;

/// Makes CloudFormation show `resource_status` with `id` for `request`'s resource, in a stack
/// whose status is `stack_status`.
fn show(request: &Value, stack_status: &str, resource_status: &str, id: &str) {
    cloudformation::show(
        request["StackId"].as_str().unwrap_or_default(),
        request["LogicalResourceId"].as_str().unwrap_or_default(),
        Shown::new(stack_status, resource_status, id),
    );
}

/// CloudFormation cleans up after a replacement: the stack in `stack_status`, the resource
/// holding `current_id`, and `request`'s id being deleted now.
fn cleaning_up(request: &Value, stack_status: &str, current_id: &str) {
    cloudformation::cleanup(
        request["StackId"].as_str().unwrap_or_default(),
        request["LogicalResourceId"].as_str().unwrap_or_default(),
        stack_status,
        current_id,
        request["PhysicalResourceId"].as_str().unwrap_or_default(),
    );
}

/// The `Refused` metric of the last request: its `Why`.
async fn refused_why(stack: &Stack) -> Option<String> {
    let metrics = stack
        .function
        .wait_for_metrics(1, std::time::Duration::from_secs(5))
        .await;
    let last = metrics.last()?;
    assert_eq!(last["Refused"], json!(1), "{last}");
    last["Why"].as_str().map(str::to_owned)
}

/// A Delete of `request`'s destination (`id`) that CloudFormation is not sending: refused, and
/// the destination is still there.
async fn assert_refused(stack: &Stack, forged: &Value, name: &str, why: &str, saw: &[&str]) {
    let before = existing(&stack.logs, name).await;
    let answer = stack.fail(forged).await;
    assert!(
        answer.reason().starts_with("Refused before any change"),
        "{}",
        answer.reply
    );
    for part in saw {
        assert!(
            answer.reason().contains(part),
            "{part} missing: {}",
            answer.reply
        );
    }
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert_eq!(
        existing(&stack.logs, name).await,
        before,
        "the destination changed"
    );
    assert_eq!(refused_why(stack).await.as_deref(), Some(why));
    assert!(
        stack
            .function
            .logs()
            .contains("refused a request CloudFormation does not show"),
        "{}",
        stack.function.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_update_and_stack_delete_are_checked_and_pass() {
    let stack = Stack::start();
    let name = unique_name("verified");
    let (create, created) = stack.create("Destination", props(&name)).await;
    let update = update_request(
        &create,
        &stack.url(),
        created.physical_id(),
        props_with(&name, "TargetArn", json!(OTHER_TARGET)),
    );
    stack.succeed(&update).await;
    let delete = delete_request(&update, &stack.url(), created.physical_id());
    stack.succeed(&delete).await;
    assert!(stored(&stack.logs, &name).await.is_none());
    // One DescribeStackResource per request, asked while the Regions were looked at.
    assert_eq!(
        stack.proxy.cloudformation_calls(),
        ["DescribeStackResource"; 3],
        "{:?}",
        stack.proxy.cloudformation_calls()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resource_added_by_a_stack_update_and_a_nested_stack_pass() {
    let stack = Stack::start();
    let name = unique_name("added");
    let mut added = create_request(&stack.url(), "Destination", props(&name));
    show(&added, "UPDATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "");
    stack.succeed(&added).await;
    // A nested stack's requests name the nested stack's own ARN.
    let nested = unique_name("nested");
    added = create_request(&stack.url(), "Destination", props(&nested));
    added["StackId"] = json!(format!(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/parent-Logs-1A2B3C/{}",
        support::uuid_like()
    ));
    stack.succeed(&added).await;
    existing(&stack.logs, &nested).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replacement_and_its_cleanup_delete_pass() {
    let stack = Stack::start();
    let old = unique_name("replaced");
    let new = unique_name("replacement");
    let (create, _) = stack.create("Destination", props(&old)).await;
    let rename = update_request(&create, &stack.url(), &old, props(&new));
    let renamed = stack.succeed(&rename).await;
    assert_eq!(renamed.physical_id(), new);
    // The cleanup: the stack shows the new id while CloudFormation deletes the old one.
    let cleanup = delete_request(&rename, &stack.url(), &old);
    cleaning_up(&cleanup, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", &new);
    stack.succeed(&cleanup).await;
    assert!(stored(&stack.logs, &old).await.is_none());
    existing(&stack.logs, &new).await;
    // Only the Delete of another id reads the stack's events.
    assert_eq!(
        stack.proxy.cloudformation_calls(),
        [
            "DescribeStackResource",
            "DescribeStackResource",
            "DescribeStackResource",
            "DescribeStackEvents"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_update_and_its_cleanup_delete_pass() {
    let stack = Stack::start();
    let old = unique_name("kept");
    let new = unique_name("rolled-back");
    let (create, _) = stack.create("Destination", props(&old)).await;
    let rename = update_request(&create, &stack.url(), &old, props(&new));
    stack.succeed(&rename).await;
    // Another resource failed: CloudFormation sends the old properties back.
    let rollback = update_request(&rename, &stack.url(), &new, props(&old));
    show(
        &rollback,
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_IN_PROGRESS",
        &new,
    );
    let rolled_back = stack.succeed(&rollback).await;
    assert_eq!(rolled_back.physical_id(), old);
    let cleanup = delete_request(&rollback, &stack.url(), &new);
    cleaning_up(
        &cleanup,
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        &old,
    );
    stack.succeed(&cleanup).await;
    assert!(stored(&stack.logs, &new).await.is_none());
    existing(&stack.logs, &old).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rollback_delete_of_a_failed_create_passes() {
    let stack = Stack::start();
    let name = unique_name("failed-create");
    // The Create fails after creating, and cannot remove what it made: its reply names the
    // destination, for the rollback Delete to remove.
    let denied = "not authorized";
    stack.proxy.fail(
        "PutDestinationPolicy",
        1,
        400,
        "AccessDeniedException",
        denied,
    );
    stack
        .proxy
        .fail("DeleteDestination", 1, 400, "AccessDeniedException", denied);
    let properties = props_with(&name, "DestinationPolicy", policy_for("111122223333"));
    let create = create_request(&stack.url(), "Destination", properties);
    let failed = stack.fail(&create).await;
    assert_names_for_rollback(failed.physical_id(), &name);
    existing(&stack.logs, &name).await;
    let rollback = delete_request(&create, &stack.url(), failed.physical_id());
    // CloudFormation marks the resource CREATE_FAILED, then DELETE_IN_PROGRESS.
    show(
        &rollback,
        "ROLLBACK_IN_PROGRESS",
        "CREATE_FAILED",
        failed.physical_id(),
    );
    stack.succeed(&rollback).await;
    assert!(stored(&stack.logs, &name).await.is_none());
    show(
        &rollback,
        "ROLLBACK_IN_PROGRESS",
        "DELETE_IN_PROGRESS",
        failed.physical_id(),
    );
    stack.succeed(&rollback).await;
    // Each rollback Delete reads the events for the window in which the Create ran.
    assert_eq!(
        stack.proxy.cloudformation_calls(),
        [
            "DescribeStackResource",
            "DescribeStackResource",
            "DescribeStackEvents",
            "DescribeStackResource",
            "DescribeStackEvents"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sns_and_provider_framework_requests_are_checked_too() {
    let stack = Stack::start();
    let name = unique_name("via-sns");
    let (create, created) = stack.create("Destination", props(&name)).await;
    // A forged Delete through the topic, while CloudFormation shows the resource settled.
    let forged = delete_request(&create, &stack.url(), created.physical_id());
    show(&forged, "CREATE_COMPLETE", "CREATE_COMPLETE", &name);
    let answer = stack.invoke(&sns_event(&forged)).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.reply);
    assert!(
        answer.reason().contains("CREATE_COMPLETE"),
        "{}",
        answer.reply
    );
    existing(&stack.logs, &name).await;
    // The provider framework passes the event on without a ResponseURL: refused the same way.
    let answer = stack.invoke(&provider_request(forged.clone())).await;
    let Outcome::Error(error) = &answer.invocation.outcome else {
        panic!(
            "a refused provider request must fail: {:?}",
            answer.invocation.outcome
        );
    };
    assert!(
        error.to_string().contains("Refused before any change"),
        "{error}"
    );
    existing(&stack.logs, &name).await;
    // A real one passes.
    let delete = provider_request(delete_request(&create, &stack.url(), &name));
    show(&delete, "DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", &name);
    let answer = stack.invoke(&delete).await;
    assert!(
        matches!(answer.invocation.outcome, Outcome::Response(_)),
        "{:?}",
        answer.invocation.outcome
    );
    assert!(stored(&stack.logs, &name).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_delete_of_a_settled_stack_is_refused() {
    let stack = Stack::start();
    let name = unique_name("forged-delete");
    let (create, created) = stack.create("Destination", props(&name)).await;
    let forged = delete_request(&create, &stack.url(), created.physical_id());
    show(&forged, "CREATE_COMPLETE", "CREATE_COMPLETE", &name);
    let saw = [
        "CREATE_COMPLETE",
        "Destination",
        &name,
        forged["StackId"].as_str().unwrap(),
    ];
    assert_refused(&stack, &forged, &name, "NotInProgress", &saw).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_update_with_another_id_is_refused() {
    let stack = Stack::start();
    let name = unique_name("forged-id");
    let (create, _) = stack.create("Destination", props(&name)).await;
    // The stack is being updated, but its resource holds another id than the forged one.
    let forged = update_request(
        &create,
        &stack.url(),
        &name,
        props_with(&name, "TargetArn", json!(OTHER_TARGET)),
    );
    show(
        &forged,
        "UPDATE_IN_PROGRESS",
        "UPDATE_IN_PROGRESS",
        "another-destination",
    );
    let saw = ["UPDATE_IN_PROGRESS", "another-destination", &name];
    assert_refused(&stack, &forged, &name, "WrongPhysicalId", &saw).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_request_naming_another_type_of_resource_is_refused() {
    let stack = Stack::start();
    let name = unique_name("forged-type");
    let (create, _) = stack.create("Destination", props(&name)).await;
    let forged = delete_request(&create, &stack.url(), &name);
    cloudformation::show(
        forged["StackId"].as_str().unwrap(),
        "Destination",
        Shown::new("DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", &name).of_type("AWS::S3::Bucket"),
    );
    let saw = ["AWS::S3::Bucket", "Custom::LogsDestination"];
    assert_refused(&stack, &forged, &name, "WrongType", &saw).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_in_another_account_is_refused_unless_trusted() {
    let stack = Stack::start();
    let name = unique_name("other-account");
    let (create, _) = stack.create("Destination", props(&name)).await;
    let mut forged = delete_request(&create, &stack.url(), &name);
    let elsewhere = "arn:aws:cloudformation:us-east-1:444455556666:stack/theirs/1";
    forged["StackId"] = json!(elsewhere);
    let calls = stack.proxy.cloudformation_calls().len();
    assert_refused(&stack, &forged, &name, "OtherAccount", &["444455556666"]).await;
    assert_eq!(
        stack.proxy.cloudformation_calls().len(),
        calls,
        "no call was needed"
    );

    // An account listed in TrustedStackAccounts is checked in its own account: see below.
}

const TRUSTED: &str = "444455556666";

/// A function trusting [`TRUSTED`]'s stacks, and a Create from one of them.
fn trusting(settings: &[(&str, &str)]) -> (Stack, serde_json::Value, String) {
    let stack = Stack::start_with(|mut f| {
        f = f.env(
            "TRUSTED_STACK_ACCOUNTS",
            &format!("111122223333, {TRUSTED}"),
        );
        for (key, value) in settings {
            f = f.env(key, value);
        }
        f
    });
    let name = unique_name("trusted-account");
    let mut create = create_request(&stack.url(), "Destination", props(&name));
    create["StackId"] = json!(format!(
        "arn:aws:cloudformation:us-east-1:{TRUSTED}:stack/theirs/{}",
        support::uuid_like()
    ));
    (stack, create, name)
}

/// The CloudFormation calls were signed with credentials of the role assumed in [`TRUSTED`].
fn asked_in_the_trusted_account(stack: &Stack) {
    let asked: Vec<CallRecord> = stack
        .proxy
        .records()
        .into_iter()
        .filter(|r| r.op.starts_with("Describe") && r.op.contains("Stack"))
        .collect();
    assert!(!asked.is_empty());
    for call in asked {
        assert!(
            call.caller.starts_with(&format!("ASIA{TRUSTED}")),
            "{call:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_accounts_stack_is_checked_with_its_own_cloudformation_through_one_assumed_role()
{
    let (stack, create, name) = trusting(&[]);
    stack.succeed(&create).await;
    existing(&stack.logs, &name).await;
    assert_eq!(stack.proxy.sts_calls(), ["AssumeRole"]);
    assert_eq!(
        stack.proxy.cloudformation_calls(),
        ["DescribeStackResource"]
    );
    // The next request of that account reuses the assumed credentials: no second AssumeRole.
    let delete = delete_request(&create, &stack.url(), &name);
    stack.succeed(&delete).await;
    assert!(stored(&stack.logs, &name).await.is_none());
    assert_eq!(stack.proxy.sts_calls(), ["AssumeRole"]);
    assert_eq!(
        stack.proxy.cloudformation_calls(),
        ["DescribeStackResource"; 2]
    );
    asked_in_the_trusted_account(&stack);
}

/// With TrustedStackAccounts set, any invoker in this account could forge an Update or a Delete
/// naming a trusted account's stack, and repoint or delete its destination. That account's
/// CloudFormation does not show them in progress: refused, with no write.
#[tokio::test(flavor = "multi_thread")]
async fn forged_requests_naming_a_trusted_accounts_settled_stack_are_refused() {
    let (stack, create, name) = trusting(&[]);
    stack.succeed(&create).await;
    let forged_update = update_request(
        &create,
        &stack.url(),
        &name,
        props_with(&name, "TargetArn", json!(OTHER_TARGET)),
    );
    show(&forged_update, "CREATE_COMPLETE", "CREATE_COMPLETE", &name);
    let saw = ["CREATE_COMPLETE", TRUSTED];
    assert_refused(&stack, &forged_update, &name, "NotInProgress", &saw).await;
    let forged_delete = delete_request(&create, &stack.url(), &name);
    assert_refused(&stack, &forged_delete, &name, "NotInProgress", &saw).await;
    assert_eq!(existing(&stack.logs, &name).await.target_arn, TARGET);
    asked_in_the_trusted_account(&stack);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verifier_role_that_cannot_be_assumed_is_unverifiable() {
    let (stack, create, name) = trusting(&[("VERIFIER_ROLE_NAME", "not-the-verifier")]);
    let answer = stack.fail(&create).await;
    let role = format!("arn:aws:iam::{TRUSTED}:role/not-the-verifier");
    assert!(
        answer.reason().starts_with("Refused before any change")
            && answer.reason().contains(&role)
            && answer.reason().contains("AccessDenied"),
        "{}",
        answer.reply
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert!(stored(&stack.logs, &name).await.is_none());
    assert_eq!(refused_why(&stack).await.as_deref(), Some("Unverifiable"));
    assert_eq!(stack.proxy.sts_calls(), ["AssumeRole"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_can_be_turned_off_and_an_unreachable_cloudformation_refuses() {
    let unchecked = Stack::start_with(|f| f.env("VERIFY_REQUESTS", "false"));
    let name = unique_name("unverified");
    let create = create_request(&unchecked.url(), "Destination", props(&name));
    show(&create, "CREATE_COMPLETE", "CREATE_COMPLETE", "x");
    unchecked.succeed(&create).await;
    assert!(unchecked.proxy.cloudformation_calls().is_empty());

    let stack = Stack::start();
    stack.proxy.fail(
        "DescribeStackResource",
        Times::Always,
        403,
        "AccessDenied",
        "User is not authorized to perform: cloudformation:DescribeStackResource",
    );
    let name = unique_name("unverifiable");
    let create = create_request(&stack.url(), "Destination", props(&name));
    let answer = stack.fail(&create).await;
    assert!(answer.reason().contains("AccessDenied"), "{}", answer.reply);
    assert!(
        answer
            .reason()
            .contains("cloudformation:DescribeStackResource"),
        "{}",
        answer.reply
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert!(stored(&stack.logs, &name).await.is_none());
    assert_eq!(refused_why(&stack).await.as_deref(), Some("Unverifiable"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_setting_stops_the_function_from_starting() {
    for (key, value) in [
        ("TRUSTED_STACK_ACCOUNTS", "12345"),
        ("VERIFY_REQUESTS", "no"),
        ("VERIFIER_ROLE_NAME", "role/with-a-path"),
    ] {
        let runtime = RuntimeApi::start();
        let aws = FaultProxy::to_moto();
        let function = Function::builder(&runtime.address(), &aws.endpoint())
            .env(key, value)
            .spawn();
        let status = function.wait_exit(std::time::Duration::from_secs(10)).await;
        assert!(status.is_some_and(|s| !s.success()), "{key}: {status:?}");
        let said = function
            .wait_for_log(key, std::time::Duration::from_secs(5))
            .await;
        assert!(said, "{}", function.logs());
    }
}
