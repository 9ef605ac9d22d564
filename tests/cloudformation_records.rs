//! Ownership decided from CloudFormation's own records, never from a field the caller wrote
//! (README, "Trust model"): when CloudFormation began a request (the resource's
//! `LastUpdatedTimestamp`), which id it is deleting now and when it was creating the resource
//! (its events). Each attack a caller could mount with its own times or ids is reproduced
//! through the compiled binary and changes nothing; each genuine flow these rules touch still
//! passes with verification on.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;
use support::cloudformation::{self, Shown};
use support::*;

/// More than the clock skew the function allows between CloudFormation and CloudWatch Logs.
const LATER: Duration = Duration::from_millis(2_500);

fn stack_id(request: &Value) -> &str {
    request["StackId"].as_str().unwrap_or_default()
}

fn logical_id(request: &Value) -> &str {
    request["LogicalResourceId"].as_str().unwrap_or_default()
}

fn show(request: &Value, stack_status: &str, resource_status: &str, id: &str) {
    cloudformation::show(
        stack_id(request),
        logical_id(request),
        Shown::new(stack_status, resource_status, id),
    );
}

/// CloudFormation cleans up after a replacement: `request`'s resource holds `current_id`, and
/// CloudFormation is deleting `deleting_id`.
fn cleaning_up(request: &Value, stack_status: &str, current_id: &str, deleting_id: &str) {
    cloudformation::cleanup(
        stack_id(request),
        logical_id(request),
        stack_status,
        current_id,
        deleting_id,
    );
}

/// A destination someone made by hand, with exactly the target and role the attacker's
/// resource asks for (both readable with DescribeDestinations), no tags and no policy.
async fn hand_made(stack: &Stack, name: &str) -> Stored {
    stack
        .logs
        .put_destination()
        .destination_name(name)
        .target_arn(TARGET)
        .role_arn(ROLE)
        .send()
        .await
        .expect("PutDestination");
    existing(&stack.logs, name).await
}

/// `name` is as it was, tags included.
async fn untouched(stack: &Stack, name: &str, before: &Stored, tags_before: &Tags) {
    let now = existing(&stack.logs, name).await;
    assert_eq!(&now, before, "{name} changed");
    assert_eq!(
        &tags(&stack.logs, &now.arn).await,
        tags_before,
        "{name}'s tags changed"
    );
}

type Tags = std::collections::HashMap<String, String>;

/// A forged request, refused before any write, with a Reason containing `saw`.
async fn refused(stack: &Stack, forged: &Value, saw: &[&str]) -> Answer {
    let answer = stack.fail(forged).await;
    assert!(
        answer.reason().starts_with("Refused before any change"),
        "{}",
        answer.reply
    );
    for part in saw {
        assert!(answer.reason().contains(part), "{part}: {}", answer.reply);
    }
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_delete_during_a_cleanup_never_deletes_the_live_destination() {
    let stack = Stack::start();
    let old = unique_name("cleaned-up");
    let live = unique_name("live");
    let (create, _) = stack.create("Destination", props(&old)).await;
    let rename = update_request(&create, &stack.url(), &old, props(&live));
    stack.succeed(&rename).await;
    let before = existing(&stack.logs, &live).await;
    let tags_before = tags(&stack.logs, &before.arn).await;
    assert!(tags_before.contains_key(OWNER_TAG));
    // CloudFormation deletes the replaced id; the attacker's Delete names the live one, with
    // times that admit anything.
    let genuine = delete_request(&rename, &stack.url(), &old);
    cleaning_up(&genuine, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", &live, &old);
    let forged_id = format!("cfn-logs-destination:created:0-4102444800000:{live}");
    for id in [forged_id.as_str(), "another-destination"] {
        let forged = delete_request(&rename, &stack.url(), id);
        let why = if id == forged_id {
            "never removes the destination the resource's current id names"
        } else {
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: CloudFormation's events show no \
             DELETE_IN_PROGRESS of that id"
        };
        refused(&stack, &forged, &[id, &live, why]).await;
    }
    untouched(&stack, &live, &before, &tags_before).await;
    // The genuine cleanup Delete still passes.
    stack.succeed(&genuine).await;
    assert!(stored(&stack.logs, &old).await.is_none());
    untouched(&stack, &live, &before, &tags_before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_kept_by_update_replace_policy_retain_survives_later_cleanups() {
    let stack = Stack::start();
    let kept = unique_name("retained");
    let second = unique_name("second");
    let third = unique_name("third");
    let (create, _) = stack.create("Destination", props(&kept)).await;
    // Replaced with UpdateReplacePolicy Retain: CloudFormation sends no Delete for it, and it
    // keeps the ownership tag.
    let first_rename = update_request(&create, &stack.url(), &kept, props(&second));
    stack.succeed(&first_rename).await;
    let second_rename = update_request(&first_rename, &stack.url(), &second, props(&third));
    stack.succeed(&second_rename).await;
    let before = existing(&stack.logs, &kept).await;
    let tags_before = tags(&stack.logs, &before.arn).await;
    assert!(tags_before.contains_key(OWNER_TAG));
    // A later cleanup deletes the second name: a forged Delete for the retained one in that
    // window is refused, whatever id form it takes.
    let genuine = delete_request(&second_rename, &stack.url(), &second);
    cleaning_up(
        &genuine,
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        &third,
        &second,
    );
    let forged_id = format!("cfn-logs-destination:created:0-4102444800000:{kept}");
    for id in [kept.as_str(), forged_id.as_str()] {
        let forged = delete_request(&second_rename, &stack.url(), id);
        refused(&stack, &forged, &[id, "no DELETE_IN_PROGRESS of that id"]).await;
    }
    untouched(&stack, &kept, &before, &tags_before).await;
    stack.succeed(&genuine).await;
    assert!(stored(&stack.logs, &second).await.is_none());
    untouched(&stack, &kept, &before, &tags_before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_claims_an_old_issue_date_does_not_take_a_hand_made_destination() {
    let stack = Stack::start();
    let name = unique_name("hand-made");
    let before = hand_made(&stack, &name).await;
    tokio::time::sleep(LATER).await;
    // The deployer's own resource is being created; the ResponseURL says 2000.
    let url = stack
        .url()
        .replace("X-Amz-Date=20261126T101500Z", "X-Amz-Date=20000101T000000Z");
    assert!(url.contains("X-Amz-Date=20000101T000000Z"), "{url}");
    let create = create_request(&url, "Destination", props(&name));
    let answer = stack.fail(&create).await;
    for part in [
        "already exists and is not managed",
        "created before this request began",
        "not this request's unfinished creation",
    ] {
        assert!(answer.reason().contains(part), "{part}: {}", answer.reply);
    }
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    untouched(&stack, &name, &before, &Tags::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_delete_with_a_forged_create_window_does_not_delete_a_hand_made_destination() {
    let stack = Stack::start();
    let name = unique_name("security-central");
    let before = hand_made(&stack, &name).await;
    tokio::time::sleep(LATER).await;
    // The deployer's resource, served by their own provider, fails its Create with an id
    // that claims every creation time there is; CloudFormation rolls back.
    let create = create_request(&stack.url(), "Destination", props(&name));
    show(&create, "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "");
    let forged_id = format!("cfn-logs-destination:created:0-4102444800000:{name}");
    show(&create, "ROLLBACK_IN_PROGRESS", "CREATE_FAILED", &forged_id);
    let rollback = delete_request(&create, &stack.url(), &forged_id);
    let answer = stack.succeed(&rollback).await;
    for part in [
        "left untouched",
        "created before this resource's Create began",
    ] {
        assert!(answer.reason().contains(part), "{part}: {}", answer.reply);
    }
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert_eq!(
        answer.checks,
        ["DescribeStackResource", "DescribeStackEvents"]
    );
    untouched(&stack, &name, &before, &Tags::new()).await;
}

/// A Create that fails after PutDestination, without tagging or removing what it made: the
/// destination is left untagged for the rollback.
async fn failed_leaving_it_untagged(stack: &Stack, create: &Value, name: &str) -> String {
    let denied = "not authorized";
    for operation in ["TagResource", "DeleteDestination"] {
        stack
            .proxy
            .fail(operation, 1, 400, "AccessDeniedException", denied);
    }
    let failed = stack.fail(create).await;
    assert_names_for_rollback(failed.physical_id(), name);
    let left = existing(&stack.logs, name).await;
    assert!(tags(&stack.logs, &left.arn).await.is_empty());
    stack.proxy.clear_rules();
    failed.physical_id().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_stacks_rename_cleanup_and_failed_create_rollback_pass() {
    let stack = Stack::start();
    let nested = format!(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/parent-Logs-1A2B3C/{}",
        support::uuid_like()
    );
    let in_nested = |mut request: Value| {
        request["StackId"] = json!(nested);
        request
    };
    // Rename and its cleanup.
    let old = unique_name("nested-old");
    let new = unique_name("nested-new");
    let create = in_nested(create_request(&stack.url(), "Destination", props(&old)));
    stack.succeed(&create).await;
    let rename = update_request(&create, &stack.url(), &old, props(&new));
    stack.succeed(&rename).await;
    let cleanup = delete_request(&rename, &stack.url(), &old);
    cleaning_up(&cleanup, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", &new, &old);
    stack.succeed(&cleanup).await;
    assert!(stored(&stack.logs, &old).await.is_none());
    existing(&stack.logs, &new).await;

    // Another resource of the same nested stack fails its Create, leaving its destination
    // untagged; its creation is pages back in a busy stack's events.
    let name = unique_name("nested-failed");
    let create = in_nested(create_request(&stack.url(), "Logs", props(&name)));
    let failed_id = failed_leaving_it_untagged(&stack, &create, &name).await;
    cloudformation::other_resources(&nested, 25);
    let rollback = delete_request(&create, &stack.url(), &failed_id);
    let answer = stack.succeed(&rollback).await;
    assert!(
        answer.calls.contains(&"DeleteDestination".to_owned()),
        "{:?}",
        answer.calls
    );
    assert!(stored(&stack.logs, &name).await.is_none());
    assert_eq!(
        answer.checks,
        [
            "DescribeStackResource",
            "DescribeStackEvents",
            "DescribeStackEvents",
            "DescribeStackEvents"
        ],
        "the events are read back page by page to the Create"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_creates_rollback_removes_only_what_was_made_while_cloudformation_created_it() {
    let stack = Stack::start();
    let name = unique_name("rollback-window");
    let create = create_request(&stack.url(), "Destination", props(&name));
    let failed_id = failed_leaving_it_untagged(&stack, &create, &name).await;
    // The id's own times can only narrow CloudFormation's window: one that excludes the
    // creation leaves the destination alone, however the events read.
    let narrowed = format!("cfn-logs-destination:created:0-1:{name}");
    let before = existing(&stack.logs, &name).await;
    let forged = delete_request(&create, &stack.url(), &narrowed);
    show(&forged, "ROLLBACK_IN_PROGRESS", "CREATE_FAILED", &narrowed);
    let left = stack.succeed(&forged).await;
    assert!(left.reason().contains("left untouched"), "{}", left.reply);
    assert!(writes(&left.calls).is_empty(), "{:?}", left.calls);
    untouched(&stack, &name, &before, &Tags::new()).await;
    // CloudFormation's own rollback Delete, with the id the Create answered.
    let rollback = delete_request(&create, &stack.url(), &failed_id);
    show(
        &rollback,
        "ROLLBACK_IN_PROGRESS",
        "DELETE_IN_PROGRESS",
        &failed_id,
    );
    stack.succeed(&rollback).await;
    assert!(stored(&stack.logs, &name).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn events_not_readable_yet_are_asked_for_again_and_unreadable_ones_refuse() {
    let stack = Stack::start();
    let old = unique_name("consistent-old");
    let new = unique_name("consistent-new");
    let (create, _) = stack.create("Destination", props(&old)).await;
    let rename = update_request(&create, &stack.url(), &old, props(&new));
    stack.succeed(&rename).await;
    let cleanup = delete_request(&rename, &stack.url(), &old);
    cleaning_up(&cleanup, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", &new, &old);
    // Moments after a change, CloudFormation can answer as if the stack did not exist.
    let missing = format!("Stack [{}] does not exist", stack_id(&cleanup));
    stack
        .proxy
        .fail("DescribeStackEvents", 2, 400, "ValidationError", &missing);
    let answer = stack.succeed(&cleanup).await;
    assert_eq!(
        answer.checks,
        [
            "DescribeStackResource",
            "DescribeStackEvents",
            "DescribeStackResource",
            "DescribeStackEvents",
            "DescribeStackResource",
            "DescribeStackEvents"
        ]
    );
    assert!(stored(&stack.logs, &old).await.is_none());

    // Without permission to read them, the Delete is refused and nothing is deleted.
    let new_again = unique_name("consistent-again");
    let rename = update_request(&rename, &stack.url(), &new, props(&new_again));
    show(&rename, "UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", &new);
    stack.succeed(&rename).await;
    let cleanup = delete_request(&rename, &stack.url(), &new);
    cleaning_up(
        &cleanup,
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        &new_again,
        &new,
    );
    stack.proxy.fail(
        "DescribeStackEvents",
        Times::Always,
        403,
        "AccessDenied",
        "User is not authorized to perform: cloudformation:DescribeStackEvents",
    );
    refused(
        &stack,
        &cleanup,
        &["AccessDenied", "cloudformation:DescribeStackEvents"],
    )
    .await;
    existing(&stack.logs, &new).await;
}
