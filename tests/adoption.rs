//! `AdoptExisting` through the compiled binary: a hand-made destination comes under the stack
//! on purpose, only with its owner's consent (a tag naming the stack); a failed adoption puts
//! it back as it was, consent included; nothing managed by another stack is ever taken.

mod harness;
mod support;

use harness::*;
use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn adopt_existing_brings_a_hand_made_destination_under_the_stack() {
    let stack = Stack::start();
    let name = unique_name("adopted");
    let (before, _) = foreign_destination(&stack, &name).await;
    agree_to_adoption(&stack.logs, &before.arn, RIG_STACK).await;

    let (create, answer) = stack.create("Destination", adopting(&name)).await;
    assert_eq!(answer.physical_id(), name);
    assert!(
        answer.reason().contains("Adopted the existing destination")
            && answer.reason().contains(OTHER_TARGET),
        "{}",
        answer.reason()
    );
    let now = existing(&stack.logs, &name).await;
    assert_eq!(
        (now.target_arn.as_str(), now.role_arn.as_str()),
        (TARGET, ROLE)
    );
    assert_eq!(now.policy, Some(policy_for("111122223333")));
    let now_tags = tags(&stack.logs, &now.arn).await;
    assert_eq!(now_tags.get("team").map(String::as_str), Some("platform"));
    assert!(now_tags.contains_key(OWNER_TAG), "{now_tags:?}");
    assert!(now_tags.contains_key(FINGERPRINT_TAG), "{now_tags:?}");
    assert_eq!(
        now_tags.len(),
        3,
        "tags not requested are removed: {now_tags:?}"
    );
    assert!(
        !now_tags.contains_key(CONSENT_TAG),
        "the consent is used up: {now_tags:?}"
    );
    // What it was before is in the logs, for an operator to see what changed.
    let logs = stack.function.logs();
    assert!(
        logs.contains("state before adoption") && logs.contains(OTHER_ROLE),
        "{logs}"
    );

    // Owned from now on: an Update works in place, and the Delete deletes it.
    let update = update_request(&create, &stack.url(), &name, adopting(&name));
    assert_eq!(stack.succeed(&update).await.physical_id(), name);
    let delete = delete_request(&update, &stack.url(), &name);
    stack.succeed(&delete).await;
    assert_eq!(stored(&stack.logs, &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_adoption_puts_the_destination_back_and_its_rollback_touches_nothing() {
    let stack = Stack::start();
    let name = unique_name("adopt-fails");
    let (before, _) = foreign_destination(&stack, &name).await;
    agree_to_adoption(&stack.logs, &before.arn, RIG_STACK).await;
    let before_tags = tags(&stack.logs, &before.arn).await;
    stack.proxy.fail(
        "PutDestinationPolicy",
        1,
        400,
        "InvalidParameterException",
        "The policy is not valid",
    );

    let create = create_request(&stack.url(), "Destination", adopting(&name));
    let failed = stack.fail(&create).await;
    assert!(
        failed.reason().contains("was put back as it was found"),
        "{}",
        failed.reason()
    );
    assert!(
        failed.physical_id().contains(':'),
        "{}",
        failed.physical_id()
    );
    assert_eq!(existing(&stack.logs, &name).await, before);
    assert_eq!(tags(&stack.logs, &before.arn).await, before_tags);

    let rollback = delete_request(&create, &stack.url(), failed.physical_id());
    let answer = stack.succeed(&rollback).await;
    assert_eq!(answer.calls, Vec::<String>::new());
    assert_eq!(existing(&stack.logs, &name).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn adopt_existing_never_takes_a_destination_another_stack_manages() {
    let stack = Stack::start();
    let name = unique_name("other-stack");
    let (before, _) = foreign_destination(&stack, &name).await;
    stack
        .logs
        .tag_resource()
        .resource_arn(&before.arn)
        .tags(OWNER_TAG, "other-stack/uuid/Destination")
        .send()
        .await
        .expect("TagResource");
    // Not even with a consent naming this stack: the managing stack never agreed.
    agree_to_adoption(&stack.logs, &before.arn, RIG_STACK).await;
    let before_tags = tags(&stack.logs, &before.arn).await;

    let create = create_request(&stack.url(), "Destination", adopting(&name));
    let failed = stack.fail(&create).await;
    assert!(
        failed.reason().contains("cannot be adopted"),
        "{}",
        failed.reason()
    );
    assert_untouched(&stack, &failed, &name, &before, &before_tags).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn adopt_existing_applies_to_create_only() {
    let stack = Stack::start();
    let name = unique_name("owned");
    let (create, _) = stack.create("Destination", props(&name)).await;

    // Turning it on later changes nothing for a destination the stack already owns.
    let mut flagged = props(&name);
    flagged["AdoptExisting"] = json!(true);
    let update = update_request(&create, &stack.url(), &name, flagged.clone());
    let answer = stack.succeed(&update).await;
    assert_eq!(answer.reason(), "", "{}", answer.reply);
    assert_eq!(writes(&answer.calls), Vec::<&String>::new());

    // A rename onto a hand-made destination is a replacement, not an adoption.
    let other = unique_name("hand-made");
    let (before, _) = foreign_destination(&stack, &other).await;
    flagged["DestinationName"] = json!(other);
    let rename = update_request(&update, &stack.url(), &name, flagged);
    let failed = stack.fail(&rename).await;
    assert_eq!(failed.physical_id(), name);
    assert!(
        failed.reason().contains("already exists"),
        "{}",
        failed.reason()
    );
    assert_eq!(existing(&stack.logs, &other).await, before);
}

/// Any deployer's stack could adopt a hand-made destination, repoint it and open it to any
/// account. Without its owner's consent naming that stack, the adoption is refused before any
/// write, and the Reason gives the command that agrees to it.
#[tokio::test(flavor = "multi_thread")]
async fn adopt_existing_without_the_owners_consent_is_refused_before_any_write() {
    let stack = Stack::start();
    let name = unique_name("no-consent");
    let (before, before_tags) = foreign_destination(&stack, &name).await;
    let create = create_request(&stack.url(), "Destination", adopting(&name));
    let refused = stack.fail(&create).await;
    let command = format!(
        "aws logs tag-resource --region us-east-1 --resource-arn {} --tags \
         '{{\"{CONSENT_TAG}\":\"{RIG_STACK}\"}}'",
        before.arn
    );
    assert!(
        refused.reason().contains("only with its owner's consent")
            && refused.reason().contains(&command),
        "{}",
        refused.reason()
    );
    assert_untouched(&stack, &refused, &name, &before, &before_tags).await;

    // A consent naming another stack does not let this one adopt.
    agree_to_adoption(&stack.logs, &before.arn, "another-stack").await;
    let before_tags = tags(&stack.logs, &before.arn).await;
    let again = create_request(&stack.url(), "Destination", adopting(&name));
    let refused = stack.fail(&again).await;
    assert!(refused.reason().contains(&command), "{}", refused.reason());
    assert_untouched(&stack, &refused, &name, &before, &before_tags).await;

    // Its rollback Delete deletes nothing.
    let rollback = delete_request(&again, &stack.url(), refused.physical_id());
    let answer = stack.succeed(&rollback).await;
    assert_untouched(&stack, &answer, &name, &before, &before_tags).await;
}
