//! A failure undoes only its own work, through the compiled binary: a destination
//! that existed before the request is never deleted by its failure, and what the request
//! changed of it (target, role, the tags it wrote or removed, the policy) is put back as it
//! was, including when the watchdog interrupts the request.

mod harness;
mod support;

use harness::*;
use serde_json::json;
use std::collections::HashMap;
use support::*;

/// A destination's state as the tests compare it.
async fn snapshot(
    logs: &aws_sdk_cloudwatchlogs::Client,
    name: &str,
) -> (Stored, HashMap<String, String>) {
    let stored = existing(logs, name).await;
    let tags = tags(logs, &stored.arn).await;
    (stored, tags)
}

fn no_deletes(answer: &Answer) {
    assert!(
        !answer.calls.contains(&"DeleteDestination".to_owned()),
        "{:?}",
        answer.calls
    );
}

/// Finding (i): the rollback Update of a rename, back to the original name, fails at a
/// write. The original destination (every sender's) must still exist, as it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_rename_back_that_fails_at_a_write_leaves_the_original_as_it_was() {
    let stack = Stack::start();
    let original = unique_name("rename-back");
    let renamed = format!("{original}-new");
    let mut first = props_with(&original, "DestinationPolicy", policy_for("111122223333"));
    first["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    let (create, _) = stack.create("Destination", first.clone()).await;
    let mut second = first.clone();
    second["DestinationName"] = json!(renamed);
    let rename = update_request(&create, &stack.url(), &original, second);
    assert_eq!(stack.succeed(&rename).await.physical_id(), renamed);

    // Meanwhile the original was changed by hand: the rollback has something to write.
    let arn = existing(&stack.logs, &original).await.arn;
    stack
        .logs
        .put_destination()
        .destination_name(&original)
        .target_arn(OTHER_TARGET)
        .role_arn(OTHER_ROLE)
        .send()
        .await
        .expect("PutDestination");
    stack
        .logs
        .put_destination_policy()
        .destination_name(&original)
        .access_policy(policy_for("777788889999").to_string())
        .send()
        .await
        .expect("PutDestinationPolicy");
    stack
        .logs
        .tag_resource()
        .resource_arn(&arn)
        .tags("cost-center", "42")
        .send()
        .await
        .expect("TagResource");
    let before = snapshot(&stack.logs, &original).await;

    // CloudFormation's rollback: an Update from the new name back to the original one.
    stack.proxy.fail(
        "PutDestinationPolicy",
        1,
        400,
        "InvalidParameterException",
        "The policy is not valid",
    );
    let rollback = update_request(&rename, &stack.url(), &renamed, first);
    let failed = stack.fail(&rollback).await;
    assert_eq!(failed.physical_id(), renamed);
    assert!(
        failed.reason().contains(&format!(
            "destination {original} was put back as it was found"
        )),
        "{}",
        failed.reply
    );
    no_deletes(&failed);
    assert_eq!(snapshot(&stack.logs, &original).await, before);
    assert!(stored(&stack.logs, &renamed).await.is_some());
}

/// Finding (ii): with Regions, a failed in-place Update deletes nothing that existed before
/// it, and the failed Region's partial changes are put back.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_with_regions_deletes_nothing_and_puts_back_the_failed_region() {
    let stack = Stack::start();
    let name = unique_name("update-restore");
    let regions = ["us-east-1", "eu-west-1"];
    let (create, _) = stack.create("Destination", fanned(&name, &regions)).await;
    let mut before = Vec::new();
    for region in regions {
        before.push(snapshot(&client_in(region), &name).await);
    }

    let mut changed = fanned(&name, &["us-east-1", "eu-west-1", "ap-south-1"]);
    changed["TargetArn"] = json!(OTHER_TARGET);
    changed["Tags"] = json!([{"Key": "tier", "Value": "1"}]);
    refuse_puts_in(&stack.proxy, "eu-west-1");
    let update = update_request(&create, &stack.url(), &name, changed);
    let failed = stack.fail(&update).await;
    assert_eq!(failed.physical_id(), name);
    no_deletes(&failed);
    assert!(
        failed.reason().contains("eu-west-1")
            && failed
                .reason()
                .contains(&format!("{name} was put back as it was found in eu-west-1")),
        "{}",
        failed.reply
    );
    // The failed Region: its tag change undone, its target never changed.
    assert_eq!(snapshot(&client_in("eu-west-1"), &name).await, before[1]);
    // A Region that finished is left to the rollback, and still exists.
    assert_eq!(
        existing(&client_in("us-east-1"), &name).await.target_arn,
        OTHER_TARGET
    );

    // CloudFormation's rollback Update returns everything to what it was.
    stack.proxy.clear_rules();
    let rollback = update_request(&update, &stack.url(), &name, fanned(&name, &regions));
    stack.succeed(&rollback).await;
    for (region, was) in regions.iter().zip(&before) {
        assert_eq!(&snapshot(&client_in(region), &name).await, was, "{region}");
    }
    assert_eq!(stored(&client_in("ap-south-1"), &name).await, None);
}

/// Finding (iii): the watchdog interrupts an adoption after it took the tags over. The
/// previous owner's tags (its consent to adoption among them) come back, ours go, and the
/// destination can be adopted again.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_adoption_is_put_back_and_can_be_adopted_again() {
    let stack = Stack::start();
    let name = unique_name("adopt-interrupted");
    let (before, _) = foreign_destination(&stack, &name).await;
    agree_to_adoption(&stack.logs, &before.arn, RIG_STACK).await;
    let before_tags = tags(&stack.logs, &before.arn).await;
    // The adoption's last step never answers; a budget of 6 s (ServiceTimeout less its margin).
    stack.proxy.hang("PutDestinationPolicy");
    let mut properties = adopting(&name);
    properties["ServiceTimeout"] = json!("8");
    let create = create_request(&stack.url(), "Destination", properties);
    let failed = stack.fail(&create).await;
    // Target, role and tags went back; the policy write hangs like the one it undoes (which
    // never reached the service), and the Reason says so.
    assert!(
        failed
            .reason()
            .starts_with("Timed out while PutDestinationPolicy")
            && failed.reason().contains(&format!(
                "Putting destination {name} back as it was found failed in us-east-1 (the rest \
                 was put back, but PutDestinationPolicy"
            )),
        "{}",
        failed.reply
    );
    assert!(
        failed.calls.contains(&"UntagResource".to_owned()),
        "{:?}",
        failed.calls
    );
    let (now, now_tags) = snapshot(&stack.logs, &name).await;
    assert_eq!(now, before);
    assert_eq!(now_tags, before_tags);
    assert!(!now_tags.contains_key(OWNER_TAG), "{now_tags:?}");
    // The owner's consent is back: the adoption may be tried again.
    assert_eq!(
        now_tags.get(CONSENT_TAG).map(String::as_str),
        Some(RIG_STACK)
    );

    // Its rollback Delete touches nothing, and the destination can be adopted again.
    stack.proxy.clear_rules();
    let rollback = delete_request(&create, &stack.url(), failed.physical_id());
    assert!(writes(&stack.succeed(&rollback).await.calls).is_empty());
    let again = create_request(&stack.url(), "Destination", adopting(&name));
    let adopted = stack.succeed(&again).await;
    assert_eq!(adopted.physical_id(), name);
    assert_eq!(existing(&stack.logs, &name).await.target_arn, TARGET);
}

/// Finding (iv): a provisioning Update (EventBridge) that fails in one Region puts back the
/// Regions it changed, and deletes none.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_provisioning_update_puts_back_the_regions_it_changed() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-restore");
    let regions = ["us-east-1", "eu-west-1"];
    let created = stack
        .invoke(&eventbridge_event("Create", fanned(&name, &regions)))
        .await;
    assert!(
        matches!(created.invocation.outcome, Outcome::Response(_)),
        "{:?}",
        created.invocation.outcome
    );
    let mut before = Vec::new();
    for region in regions {
        before.push(snapshot(&client_in(region), &name).await);
    }

    let mut changed = fanned(&name, &regions);
    changed["TargetArn"] = json!(OTHER_TARGET);
    changed["Tags"] = json!([{"Key": "tier", "Value": "1"}]);
    refuse_puts_in(&stack.proxy, "eu-west-1");
    let failed = stack.invoke(&eventbridge_event("Update", changed)).await;
    let error = match &failed.invocation.outcome {
        Outcome::Error(value) => value.to_string(),
        other => panic!("expected the invocation to end in error, got {other:?}"),
    };
    assert!(
        error.contains("eu-west-1") && error.contains("was put back as it was found"),
        "{error}"
    );
    no_deletes(&failed);
    for (region, was) in regions.iter().zip(&before) {
        assert_eq!(&snapshot(&client_in(region), &name).await, was, "{region}");
    }
}
