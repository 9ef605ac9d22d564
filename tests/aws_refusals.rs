//! What AWS refuses and moto accepts, through the compiled binary in both rig modes: names the
//! tagging APIs cannot address and ARN principals are refused before any call; an opt-in
//! Region the account has not enabled is named with nothing written anywhere; a test message
//! that keeps failing ends with its causes, in order, for this request's ARNs.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;
use support::*;

/// A Create that must fail before any AWS call, and its Reason.
async fn refused_before_any_call(stack: &Stack, properties: Value) -> String {
    let request = create_request(&stack.url(), "Destination", properties);
    let answer = stack.fail(&request).await;
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
    assert!(
        answer.physical_id().contains(':'),
        "{}",
        answer.physical_id()
    );
    answer.reason().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_the_tagging_apis_cannot_address_is_refused_before_any_write() {
    let stack = Stack::start();
    let name = format!("{} #1", unique_name("central logs"));
    let reason = refused_before_any_call(&stack, props(&name)).await;
    assert!(
        reason.contains(
            "DestinationName must contain only ASCII letters, digits and _ + = / , . @ -"
        ) && reason.contains("which has ' ' '#'):"),
        "{reason}"
    );
    assert!(!destination_exists(&name).await);

    // Renaming to such a name fails the Update with the old id and nothing written.
    let old = unique_name("taggable");
    let (create, _) = stack.create("Renamed", props(&old)).await;
    let update = update_request(&create, &stack.url(), &old, props(&format!("{old}é")));
    let answer = stack.fail(&update).await;
    assert_eq!(answer.physical_id(), old);
    assert!(answer.reason().contains("'é'"), "{}", answer.reason());
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn arn_principals_are_refused_naming_the_statement_and_the_account_id() {
    let stack = Stack::start();
    let name = unique_name("arn-principal");
    let mut policy = policy_for("arn:aws:iam::444455556666:root");
    policy["Statement"][0]["Sid"] = json!("Senders");
    let reason =
        refused_before_any_call(&stack, props_with(&name, "DestinationPolicy", policy)).await;
    assert!(
        reason.contains(
            "DestinationPolicy statement \"Senders\" has the ARN principal \
             \"arn:aws:iam::444455556666:root\""
        ) && reason.contains("write the account ID \"444455556666\" instead"),
        "{reason}"
    );
    let accounts = json!(["111122223333", "arn:aws:iam::444455556666:root"]);
    let reason =
        refused_before_any_call(&stack, props_with(&name, "AllowedAccounts", accounts)).await;
    assert!(
        reason.contains("AllowedAccounts[1] must be an account ID, not an ARN")
            && reason.contains("write the account ID \"444455556666\" instead"),
        "{reason}"
    );
    assert!(!destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_the_account_has_not_enabled_is_named_and_nothing_is_written_anywhere() {
    let stack = Stack::start();
    // Strict mode answers as AWS does; against plain moto, a fault rule stands in.
    match stack.proxy.mode() {
        AwsMode::Strict => stack.proxy.disable_regions(&["ap-east-1"]),
        AwsMode::Moto => disable_opt_in_region(&stack.proxy, "ap-east-1"),
    }
    let name = unique_name("not-enabled");
    let regions = ["us-east-1", "ap-east-1", "eu-west-1"];
    let request = create_request(&stack.url(), "Destination", fanned(&name, &regions));
    let answer = stack.fail(&request).await;
    let reason = answer.reason();
    assert!(
        reason.contains("ap-east-1")
            && reason.contains("UnrecognizedClientException")
            && reason.contains("opt-in Region, it may not be enabled")
            && reason.contains("aws account enable-region --region-name ap-east-1")
            && reason.contains("Account settings > AWS Regions"),
        "{reason}"
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    for region in regions {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
}

/// Long enough for the function to retry the test message through its whole window (2
/// minutes) before the watchdog's budget ends.
const PAST_THE_RETRY_WINDOW: Duration = Duration::from_secs(170);

#[tokio::test(flavor = "multi_thread")]
async fn a_test_message_that_keeps_failing_lists_the_checks_for_this_requests_arns() {
    let stack = Stack::start();
    let name = unique_name("no-target");
    // Strict mode fails the test message for a stream that does not exist, as AWS does; moto
    // sends none, so a fault rule stands in.
    let target = format!("arn:aws:kinesis:us-east-1:123456789012:stream/{name}");
    if stack.proxy.mode() == AwsMode::Moto {
        stack.proxy.fail(
            "PutDestination",
            Times::Always,
            400,
            "InvalidParameterException",
            TEST_MESSAGE_FAILURE,
        );
    }
    let mut properties = props(&name);
    properties["TargetArn"] = json!(target);
    let request = create_request(&stack.url(), "Destination", properties);
    let invocation = stack.runtime.invoke(request, PAST_THE_RETRY_WINDOW).await;
    let reply = stack
        .receiver
        .puts()
        .last()
        .map(RecordedPut::json)
        .expect("a reply");
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}",
        invocation.outcome
    );
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    let reason = reply["Reason"].as_str().unwrap_or_default();
    let checks = [
        format!("PutDestination for destination {name} failed: InvalidParameterException: Could not deliver test message"),
        format!("Check, in this order: (1) the target {target} exists;"),
        format!("(2) if it is encrypted, the role {ROLE} may use its KMS key (kms:GenerateDataKey)"),
        "(3) the role's trust policy lets logs.amazonaws.com assume it, and any aws:SourceArn \
         condition in it covers arn:aws:logs:us-east-1:123456789012:*;"
            .to_owned(),
        "(4) a role created moments ago may still be propagating in IAM".to_owned(),
    ];
    let at: Vec<Option<usize>> = checks.iter().map(|c| reason.find(c.as_str())).collect();
    assert!(
        at.iter().all(Option::is_some) && at.is_sorted(),
        "{at:?}: {reason}"
    );
    assert!(!reason.starts_with("Timed out"), "{reason}");
    assert!(reply["PhysicalResourceId"]
        .as_str()
        .is_some_and(|id| id.contains(':')));
    assert!(!destination_exists(&name).await);
    // Retried through the window, not given up on at the first failure.
    assert!(
        stack.proxy.count("PutDestination") >= 5,
        "{:?}",
        stack.proxy.calls()
    );
}
