//! An untagged destination counts as a request's own unfinished creation only where that
//! request creates, and only if it was made after CloudFormation began the request (the
//! resource's `LastUpdatedTimestamp`; the ResponseURL's signing time can only narrow that) or
//! the provisioning event was put on its bus. Through the compiled binary: a hand-made
//! destination that happens to have the stack's target and role is never taken over, and a
//! plain Delete never removes it.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::cloudformation;
use support::*;

/// The stack's ResponseURL (signed as CloudFormation signs it), signed at `x_amz_date`.
fn signed_url(stack: &Stack, x_amz_date: &str) -> String {
    let url = stack.url();
    let (before, after) = url.split_once("X-Amz-Date=").expect("a SigV4 ResponseURL");
    let rest = after.split_once('&').map_or("", |(_, rest)| rest);
    format!("{before}X-Amz-Date={x_amz_date}&{rest}")
}

/// Issued after anything this test makes by hand.
const LATER: &str = "20991231T000000Z";

/// Someone else's destination, made just now with exactly the stack's target and role, no
/// tags and no policy: what the old two-hour rule took for the stack's own.
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

async fn assert_left_as_it_was(stack: &Stack, name: &str, before: &Stored) {
    let now = existing(&stack.logs, name).await;
    assert_eq!(&now, before);
    assert!(tags(&stack.logs, &now.arn).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_issued_after_a_hand_made_destination_neither_takes_it_nor_deletes_it() {
    let stack = Stack::start();
    let name = unique_name("issued-create");
    let before = hand_made(&stack, &name).await;

    let create = create_request(&signed_url(&stack, LATER), "Destination", props(&name));
    let refused = stack.fail(&create).await;
    assert!(
        refused
            .reason()
            .contains("already exists and is not managed"),
        "{}",
        refused.reply
    );
    assert!(writes(&refused.calls).is_empty(), "{:?}", refused.calls);

    // A Delete naming it (a rollback given the name, or a forged one) leaves it alone too.
    let delete = delete_request(&create, &signed_url(&stack, LATER), &name);
    let left = stack.succeed(&delete).await;
    assert!(left.reason().contains("left untouched"), "{}", left.reply);
    assert!(writes(&left.calls).is_empty(), "{:?}", left.calls);
    assert_left_as_it_was(&stack, &name, &before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_does_not_take_over_what_was_made_before_it_was_issued() {
    let stack = Stack::start();
    let name = unique_name("issued-update");
    let (create, answer) = stack.create("Destination", props(&name)).await;
    let ours = existing(&stack.logs, &name).await;
    delete_out_of_band(&stack.logs, &name, &ours.arn).await;
    let before = hand_made(&stack, &name).await;

    let mut changed = props(&name);
    changed["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    let update = update_request(
        &create,
        &signed_url(&stack, LATER),
        answer.physical_id(),
        changed,
    );
    let refused = stack.fail(&update).await;
    assert!(
        refused
            .reason()
            .contains("is no longer managed by this stack resource"),
        "{}",
        refused.reply
    );
    assert!(writes(&refused.calls).is_empty(), "{:?}", refused.calls);
    assert_left_as_it_was(&stack, &name, &before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_begun_before_its_own_creation_still_finishes_it() {
    let stack = Stack::start();
    let name = unique_name("issued-earlier");
    let create = create_request(
        &signed_url(&stack, "20200101T000000Z"),
        "Destination",
        props(&name),
    );
    // CloudFormation begins the Create; an earlier delivery of this very request died
    // between PutDestination and TagResource: the destination was made after it began.
    cloudformation::show(
        create["StackId"].as_str().unwrap_or_default(),
        "Destination",
        cloudformation::Shown::new("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", ""),
    );
    hand_made(&stack, &name).await;
    let finished = stack.succeed(&create).await;
    assert_eq!(finished.physical_id(), name);
    let arn = existing(&stack.logs, &name).await.arn;
    assert!(tags(&stack.logs, &arn).await.contains_key(OWNER_TAG));
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioning_does_not_take_over_what_was_made_before_its_event() {
    let stack = Stack::provisioning();
    let name = unique_name("issued-provision");
    let before = hand_made(&stack, &name).await;
    let mut event: Value = eventbridge_event("Create", props(&name));
    event["time"] = json!("2099-12-31T00:00:00Z");
    let answer = stack.invoke(&event).await;
    let Outcome::Error(error) = &answer.invocation.outcome else {
        panic!("expected a refusal, got {:?}", answer.invocation.outcome);
    };
    assert!(
        error.to_string().contains("provisioning did not create it"),
        "{error}"
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert_left_as_it_was(&stack, &name, &before).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_verification_only_the_last_two_hours_narrowed_by_the_url_count() {
    let stack = Stack::start_with(|f| f.env("VERIFY_REQUESTS", "false"));
    // No record of when CloudFormation began: a ResponseURL dated after the destination was
    // made still narrows the window, and nothing is taken.
    let name = unique_name("unverified-later");
    let before = hand_made(&stack, &name).await;
    let create = create_request(&signed_url(&stack, LATER), "Destination", props(&name));
    let refused = stack.fail(&create).await;
    assert!(
        refused
            .reason()
            .contains("created before this request began"),
        "{}",
        refused.reply
    );
    assert_left_as_it_was(&stack, &name, &before).await;
    // The escape hatch's cost: a request dated earlier takes a recent, exactly matching
    // hand-made destination as its own unfinished creation.
    let name = unique_name("unverified-earlier");
    hand_made(&stack, &name).await;
    let create = create_request(
        &signed_url(&stack, "20200101T000000Z"),
        "Destination",
        props(&name),
    );
    stack.succeed(&create).await;
    assert!(stack.proxy.cloudformation_calls().is_empty());
}
