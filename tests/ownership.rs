//! Create / Update / Delete through the compiled binary, as CloudFormation drives them:
//! ownership (nothing this stack did not create is changed or deleted), retried deliveries,
//! updates in place, replacement, rollback ids, and how few CloudWatch Logs calls each takes.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use support::*;

fn full_props(name: &str) -> Value {
    json!({
        "DestinationName": name,
        "TargetArn": TARGET,
        "RoleArn": ROLE,
        "DestinationPolicy": policy_for("111122223333"),
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "dev"}],
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn create_answers_the_name_and_every_attribute() {
    let stack = Stack::start();
    let name = unique_name("data");
    let (_, answer) = stack.create("Destination", full_props(&name)).await;
    let destination = existing(&stack.logs, &name).await;
    assert_eq!(answer.physical_id(), name);
    let data = &answer.reply["Data"];
    assert_eq!(data["Arn"], destination.arn.as_str());
    assert!(
        destination
            .arn
            .ends_with(&format!(":123456789012:destination:{name}")),
        "{}",
        destination.arn
    );
    assert_eq!(data["DestinationName"], name.as_str());
    assert_eq!(data["TargetArn"], TARGET);
    assert_eq!(data["RoleArn"], ROLE);
    assert_eq!(destination.target_arn, TARGET);
    assert_eq!(destination.role_arn, ROLE);
    assert_eq!(destination.policy, Some(policy_for("111122223333")));
    let stored_tags = tags(&stack.logs, &destination.arn).await;
    assert_eq!(stored_tags["team"], "platform");
    assert_eq!(stored_tags["env"], "dev");
    assert!(
        stored_tags[OWNER_TAG].ends_with("/Destination")
            && stored_tags[OWNER_TAG].starts_with("test-stack/"),
        "{stored_tags:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_create_answers_an_id_its_rollback_delete_ignores() {
    let stack = Stack::start();
    let name = unique_name("failed-create");
    let create = create_request(
        &stack.url(),
        "Destination",
        props_with(&name, "RoleArn", json!("not-a-role")),
    );
    let failed = stack.fail(&create).await;
    let failed_id = failed.physical_id().to_owned();
    assert!(failed_id.contains(':'), "{failed_id}");
    assert_ne!(failed_id, name);

    let rollback = delete_request(&create, &stack.url(), &failed_id);
    let answer = stack.succeed(&rollback).await;
    assert_eq!(answer.physical_id(), failed_id);
    assert_eq!(
        answer.calls,
        Vec::<String>::new(),
        "the rollback called AWS"
    );
    assert_eq!(stored(&stack.logs, &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_name_is_valid_and_stable_across_retried_deliveries() {
    let stack = Stack::start();
    let logical_id = unique_logical_id("Generated");
    let request = create_request(
        &stack.url(),
        &logical_id,
        json!({"TargetArn": TARGET, "RoleArn": ROLE}),
    );
    let first = stack.succeed(&request).await;
    let name = first.physical_id().to_owned();
    let prefix = format!("test-stack-{logical_id}-");
    assert!(name.starts_with(&prefix), "{name}");
    assert!(name.len() > prefix.len(), "{name}");
    assert!(
        name.chars().count() <= 512 && !name.contains([':', '*']),
        "{name}"
    );
    assert_eq!(first.reply["Data"]["DestinationName"], name.as_str());
    let destination = existing(&stack.logs, &name).await;
    assert!(tags(&stack.logs, &destination.arn)
        .await
        .contains_key(OWNER_TAG));

    // Lambda retries an invocation that ended in error: the same request arrives again.
    let again = stack.succeed(&request).await;
    assert_eq!(again.physical_id(), name);
    assert_eq!(
        names_with_prefix(&stack.logs, &prefix).await,
        std::slice::from_ref(&name)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_create_after_success_answers_the_same_id_and_keeps_one_destination() {
    let stack = Stack::start();
    let name = unique_name("retried");
    let (request, first) = stack.create("Destination", full_props(&name)).await;
    let second = stack.succeed(&request).await;
    assert_eq!(second.physical_id(), first.physical_id());
    assert_eq!(second.reply["Data"], first.reply["Data"]);
    assert_eq!(
        names_with_prefix(&stack.logs, &name).await,
        std::slice::from_ref(&name)
    );
    let destination = existing(&stack.logs, &name).await;
    assert_eq!(destination.policy, Some(policy_for("111122223333")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_this_stack_did_not_create_is_never_touched() {
    let stack = Stack::start();
    let name = unique_name("foreign");
    let (before, before_tags) = foreign_destination(&stack, &name).await;

    let create = create_request(&stack.url(), "Destination", full_props(&name));
    let failed = stack.fail(&create).await;
    assert!(
        failed.reason().contains(&format!(
            "Destination {name} already exists and is not managed by this stack"
        )),
        "{}",
        failed.reason()
    );
    assert_eq!(writes(&failed.calls), Vec::<&String>::new());
    let failed_id = failed.physical_id().to_owned();
    assert_ne!(
        failed_id, name,
        "the rollback Delete would carry the foreign name"
    );
    assert!(failed_id.contains(':'), "{failed_id}");
    assert_eq!(existing(&stack.logs, &name).await, before);
    assert_eq!(tags(&stack.logs, &before.arn).await, before_tags);

    // The rollback Delete carries the id of the FAILED reply.
    let rollback = delete_request(&create, &stack.url(), &failed_id);
    let answer = stack.succeed(&rollback).await;
    assert_eq!(answer.calls, Vec::<String>::new());

    // A Delete naming the foreign destination (e.g. a stack whose template names a
    // destination it never created) succeeds, says why nothing happened, and deletes nothing.
    let delete = delete_request(&create, &stack.url(), &name);
    let answer = stack.succeed(&delete).await;
    assert!(
        answer.reason().contains(&name) && answer.reason().contains("left untouched"),
        "{}",
        answer.reply
    );
    assert_untouched(&stack, &answer, &name, &before, &before_tags).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_of_another_stack_with_the_same_name_is_never_touched() {
    let stack = Stack::start();
    let name = unique_name("two-stacks");
    // Stack A creates it; stack B's template uses the same DestinationName.
    let (stack_a, _) = stack.create("Destination", props(&name)).await;
    let before = existing(&stack.logs, &name).await;
    let before_tags = tags(&stack.logs, &before.arn).await;

    let stack_b = create_request(
        &stack.url(),
        "Destination",
        props_with(&name, "TargetArn", json!(OTHER_TARGET)),
    );
    assert_ne!(stack_a["StackId"], stack_b["StackId"]);
    let failed = stack.fail(&stack_b).await;
    assert!(
        failed.reason().contains("not managed by this stack"),
        "{}",
        failed.reason()
    );
    assert_eq!(writes(&failed.calls), Vec::<&String>::new());

    let rollback = delete_request(&stack_b, &stack.url(), failed.physical_id());
    stack.succeed(&rollback).await;
    let delete_b = delete_request(&stack_b, &stack.url(), &name);
    let answer = stack.succeed(&delete_b).await;
    assert!(
        answer.reason().contains("left untouched"),
        "{}",
        answer.reply
    );
    assert_eq!(existing(&stack.logs, &name).await, before);
    assert_eq!(tags(&stack.logs, &before.arn).await, before_tags);

    // Stack A still owns it and can delete it.
    let delete_a = delete_request(&stack_a, &stack.url(), &name);
    stack.succeed(&delete_a).await;
    assert_eq!(stored(&stack.logs, &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_in_place_changes_target_role_policy_and_tags() {
    let stack = Stack::start();
    let name = unique_name("update");
    let mut old = full_props(&name);
    old["Tags"] = json!([
        {"Key": "team", "Value": "platform"},
        {"Key": "env", "Value": "dev"},
        {"Key": "retired", "Value": "yes"},
    ]);
    let (create, _) = stack.create("Destination", old).await;
    let arn = existing(&stack.logs, &name).await.arn;
    let owner = tags(&stack.logs, &arn).await[OWNER_TAG].clone();

    let new = json!({
        "DestinationName": name,
        "TargetArn": OTHER_TARGET,
        "RoleArn": OTHER_ROLE,
        "DestinationPolicy": policy_for("444455556666"),
        "Tags": [
            {"Key": "team", "Value": "security"},
            {"Key": "env", "Value": "dev"},
            {"Key": "added", "Value": "1"},
        ],
    });
    let update = update_request(&create, &stack.url(), &name, new);
    let answer = stack.succeed(&update).await;
    assert_eq!(
        answer.physical_id(),
        name,
        "an in-place update must keep its id"
    );
    assert_eq!(answer.reply["Data"]["TargetArn"], OTHER_TARGET);
    assert_eq!(answer.reply["Data"]["RoleArn"], OTHER_ROLE);
    assert_eq!(answer.reply["Data"]["Arn"], arn.as_str());

    let destination = existing(&stack.logs, &name).await;
    assert_eq!(destination.target_arn, OTHER_TARGET);
    assert_eq!(destination.role_arn, OTHER_ROLE);
    assert_eq!(destination.policy, Some(policy_for("444455556666")));
    let expected: HashMap<String, String> = [
        ("team", "security"),
        ("env", "dev"),
        ("added", "1"),
        (OWNER_TAG, owner.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut stored = tags(&stack.logs, &arn).await;
    // The fingerprint is rewritten with what changed; the audit's tests check its content.
    let print = stored.remove(FINGERPRINT_TAG).expect("a fingerprint tag");
    assert!(print.starts_with("v2 TargetArn="), "{print}");
    assert!(print.ends_with(" Regions=us-east-1"), "{print}");
    assert_eq!(stored, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_request_takes_only_a_few_aws_calls() {
    let stack = Stack::start();
    let name = unique_name("calls");
    // A Create with a policy and tags: the ownership tag needs a call of its own, since AWS
    // refuses tags in PutDestination.
    let (create, answer) = stack.create("Destination", full_props(&name)).await;
    let rounds: &[&[&str]] = &[
        &["DescribeDestinations"],
        &["PutDestination"],
        &["TagResource", "PutDestinationPolicy"],
    ];
    assert_rounds(&answer.calls, rounds, "Create");

    // Target and role change, policy and tags do not: ownership is checked before the write,
    // and the fingerprint tag follows the new target in the same round trip.
    let mut moved = full_props(&name);
    moved["TargetArn"] = json!(OTHER_TARGET);
    let update = update_request(&create, &stack.url(), &name, moved.clone());
    let answer = stack.succeed(&update).await;
    // The fingerprint tag follows the new target, in the same round of writes.
    let rounds: &[&[&str]] = &[LOOK, &["PutDestination", "TagResource"]];
    assert_rounds(&answer.calls, rounds, "Update in place");

    // Only the policy changes.
    let mut changed = moved.clone();
    changed["DestinationPolicy"] = policy_for("444455556666");
    let policy_update = update_request(&update, &stack.url(), &name, changed.clone());
    let answer = stack.succeed(&policy_update).await;
    let rounds: &[&[&str]] = &[LOOK, &["PutDestinationPolicy", "TagResource"]];
    assert_rounds(&answer.calls, rounds, "Update of the policy");
    assert_eq!(
        existing(&stack.logs, &name).await.policy,
        Some(policy_for("444455556666"))
    );

    // Nothing changes at all (a stack update that touched another resource).
    let same = update_request(&policy_update, &stack.url(), &name, changed);
    let answer = stack.succeed(&same).await;
    assert_rounds(&answer.calls, &[LOOK], "unchanged Update");

    let delete = delete_request(&same, &stack.url(), &name);
    let answer = stack.succeed(&delete).await;
    assert_eq!(
        answer.calls,
        ["ListTagsForResource", "DeleteDestination"],
        "Delete"
    );
    assert_eq!(answer.reason(), "", "{}", answer.reply);
    assert_eq!(stored(&stack.logs, &name).await, None);
}

/// An Update's look: both calls at once, in either order.
const LOOK: &[&str] = &["DescribeDestinations", "ListTagsForResource"];

/// `calls` made in `rounds`: one round after another, the calls of a round in any order (they
/// run at the same time).
fn assert_rounds(calls: &[String], rounds: &[&[&str]], what: &str) {
    let mut at = 0;
    for round in rounds {
        let mut made: Vec<&str> = calls
            .iter()
            .skip(at)
            .take(round.len())
            .map(String::as_str)
            .collect();
        made.sort_unstable();
        let mut expected = round.to_vec();
        expected.sort_unstable();
        assert_eq!(made, expected, "{what}: {calls:?}");
        at += round.len();
    }
    assert_eq!(at, calls.len(), "{what}: {calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_the_policy_leaves_only_the_destinations_own_account() {
    let stack = Stack::start();
    let name = unique_name("policy-removed");
    let (create, _) = stack.create("Destination", full_props(&name)).await;
    let mut without = full_props(&name);
    without
        .as_object_mut()
        .map(|o| o.remove("DestinationPolicy"));
    let update = update_request(&create, &stack.url(), &name, without);
    let answer = stack.succeed(&update).await;
    assert_eq!(answer.physical_id(), name);

    let policy = existing(&stack.logs, &name)
        .await
        .policy
        .expect("there is no DeleteDestinationPolicy: a policy must remain");
    let principals = principals(&policy);
    assert!(!principals.is_empty(), "{policy}");
    for principal in &principals {
        assert!(
            principal == "123456789012" || principal == "arn:aws:iam::123456789012:root",
            "principal {principal:?} other than the own account in {policy}"
        );
    }
    assert!(!policy.to_string().contains("111122223333"), "{policy}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_creates_the_new_destination_and_leaves_the_old_for_cleanup() {
    let stack = Stack::start();
    let old_name = unique_name("rename-old");
    let new_name = unique_name("rename-new");
    let (create, _) = stack.create("Destination", full_props(&old_name)).await;
    let old_before = existing(&stack.logs, &old_name).await;

    let update = update_request(&create, &stack.url(), &old_name, full_props(&new_name));
    let answer = stack.succeed(&update).await;
    assert_eq!(answer.physical_id(), new_name);
    assert_eq!(answer.reply["Data"]["DestinationName"], new_name.as_str());
    let new = existing(&stack.logs, &new_name).await;
    assert_eq!(answer.reply["Data"]["Arn"], new.arn.as_str());
    assert_eq!(new.policy, Some(policy_for("111122223333")));
    let new_tags = tags(&stack.logs, &new.arn).await;
    assert!(new_tags.contains_key(OWNER_TAG), "{new_tags:?}");
    assert_eq!(new_tags["team"], "platform");
    // CloudFormation deletes the old one only once the whole update succeeded.
    assert_eq!(existing(&stack.logs, &old_name).await, old_before);

    let cleanup = delete_request(&update, &stack.url(), &old_name);
    stack.succeed(&cleanup).await;
    assert_eq!(stored(&stack.logs, &old_name).await, None);
    assert_eq!(existing(&stack.logs, &new_name).await, new);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_onto_a_foreign_destination_fails_with_the_old_id() {
    let stack = Stack::start();
    let old_name = unique_name("rename-from");
    let taken = unique_name("rename-taken");
    let (create, _) = stack.create("Destination", props(&old_name)).await;
    let (before, before_tags) = foreign_destination(&stack, &taken).await;

    let update = update_request(&create, &stack.url(), &old_name, full_props(&taken));
    let failed = stack.fail(&update).await;
    assert_eq!(failed.physical_id(), old_name);
    assert!(
        failed.reason().contains("not managed by this stack"),
        "{}",
        failed.reason()
    );
    assert_untouched(&stack, &failed, &taken, &before, &before_tags).await;
    assert!(stored(&stack.logs, &old_name).await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_deleted_out_of_band_is_recreated_by_the_next_update() {
    let stack = Stack::start();
    let name = unique_name("drifted");
    let (create, _) = stack.create("Destination", full_props(&name)).await;
    let arn = existing(&stack.logs, &name).await.arn;
    let owner = tags(&stack.logs, &arn).await[OWNER_TAG].clone();

    // Someone deletes it in the console.
    delete_out_of_band(&stack.logs, &name, &arn).await;

    let mut changed = full_props(&name);
    changed["TargetArn"] = json!(OTHER_TARGET);
    let update = update_request(&create, &stack.url(), &name, changed);
    let answer = stack.succeed(&update).await;
    assert_eq!(answer.physical_id(), name);
    let destination = existing(&stack.logs, &name).await;
    assert_eq!(destination.target_arn, OTHER_TARGET);
    assert_eq!(destination.policy, Some(policy_for("111122223333")));
    let recreated_tags = tags(&stack.logs, &destination.arn).await;
    assert_eq!(
        recreated_tags.get(OWNER_TAG),
        Some(&owner),
        "{recreated_tags:?}"
    );
    assert_eq!(recreated_tags["team"], "platform");

    // It is ours again: the stack's Delete removes it.
    let delete = delete_request(&update, &stack.url(), &name);
    stack.succeed(&delete).await;
    assert_eq!(stored(&stack.logs, &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_never_takes_over_a_destination_recreated_by_someone_else() {
    let stack = Stack::start();
    let name = unique_name("taken");
    let (create, _) = stack.create("Destination", full_props(&name)).await;
    let arn = existing(&stack.logs, &name).await.arn;

    // Ours is deleted out of band, and someone else creates one under the same name.
    delete_out_of_band(&stack.logs, &name, &arn).await;
    let (before, before_tags) = foreign_destination(&stack, &name).await;

    let mut changed = full_props(&name);
    changed["TargetArn"] = json!(TARGET);
    changed["DestinationPolicy"] = policy_for("444455556666");
    let update = update_request(&create, &stack.url(), &name, changed);
    let failed = stack.fail(&update).await;
    assert_eq!(failed.physical_id(), name, "a failed Update keeps its id");
    assert!(
        failed
            .reason()
            .contains("is no longer managed by this stack resource"),
        "{}",
        failed.reason()
    );
    assert_untouched(&stack, &failed, &name, &before, &before_tags).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_answers_the_old_id_and_changes_nothing() {
    let stack = Stack::start();
    let name = unique_name("bad-update");
    let (create, _) = stack.create("Destination", full_props(&name)).await;
    let before = existing(&stack.logs, &name).await;

    // Invalid new properties, including an invalid new name: the id must stay the old one.
    let mut broken = full_props("renamed:badly");
    broken["RoleArn"] = json!(TARGET);
    let update = update_request(&create, &stack.url(), &name, broken);
    let failed = stack.fail(&update).await;
    assert_eq!(failed.physical_id(), name);
    assert!(
        failed.reason().contains("RoleArn must be an IAM role ARN"),
        "{}",
        failed.reason()
    );
    assert!(
        failed.reason().contains("DestinationName must not contain"),
        "{}",
        failed.reason()
    );
    assert_eq!(failed.calls, Vec::<String>::new());
    assert_eq!(existing(&stack.logs, &name).await, before);

    // CloudFormation's rollback: an Update back to the old properties.
    let mut rollback = update_request(&update, &stack.url(), &name, full_props(&name));
    rollback["OldResourceProperties"] = update["ResourceProperties"].clone();
    let answer = stack.succeed(&rollback).await;
    assert_eq!(answer.physical_id(), name);
    assert_eq!(existing(&stack.logs, &name).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_name_survives_an_update_in_place() {
    let stack = Stack::start();
    let logical_id = unique_logical_id("Unnamed");
    let (create, answer) = stack
        .create(&logical_id, json!({"TargetArn": TARGET, "RoleArn": ROLE}))
        .await;
    let name = answer.physical_id().to_owned();
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        json!({"TargetArn": OTHER_TARGET, "RoleArn": ROLE, "Tags": {"team": "platform"}}),
    );
    let answer = stack.succeed(&update).await;
    assert_eq!(
        answer.physical_id(),
        name,
        "an unnamed destination was replaced"
    );
    assert_eq!(existing(&stack.logs, &name).await.target_arn, OTHER_TARGET);
    assert_eq!(
        names_with_prefix(&stack.logs, &format!("test-stack-{logical_id}-")).await,
        [name]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_of_a_missing_destination_succeeds() {
    let stack = Stack::start();
    // E.g. a Create cancelled mid-flight: CloudFormation sends a Delete with its own id.
    let create = create_request(&stack.url(), "Destination", props(&unique_name("never")));
    for id in [
        unique_name("never-created"),
        "test-stack-Destination-1A2B3C4D5E6F".to_owned(),
    ] {
        let delete = delete_request(&create, &stack.url(), &id);
        let answer = stack.succeed(&delete).await;
        assert_eq!(answer.physical_id(), id);
        assert!(answer.calls.len() <= 2, "{:?}", answer.calls);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_removes_our_destination() {
    let stack = Stack::start();
    let name = unique_name("deleted");
    let (create, _) = stack.create("Destination", full_props(&name)).await;
    let delete = delete_request(&create, &stack.url(), &name);
    let answer = stack.succeed(&delete).await;
    assert_eq!(answer.physical_id(), name);
    assert_eq!(stored(&stack.logs, &name).await, None);
    // A redelivered Delete finds nothing and still succeeds.
    let again = stack.succeed(&delete).await;
    assert_eq!(again.physical_id(), name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_rename_returns_to_the_old_destination() {
    let stack = Stack::start();
    let old_name = unique_name("rollback-old");
    let new_name = unique_name("rollback-new");
    let (create, _) = stack.create("Destination", full_props(&old_name)).await;
    let rename = update_request(&create, &stack.url(), &old_name, full_props(&new_name));
    stack.succeed(&rename).await;

    // Another resource fails: CloudFormation rolls back with old and new properties swapped,
    // then deletes the id the rollback replaced.
    let mut rollback = update_request(&rename, &stack.url(), &new_name, full_props(&old_name));
    rollback["OldResourceProperties"] = rename["ResourceProperties"].clone();
    let answer = stack.succeed(&rollback).await;
    assert_eq!(answer.physical_id(), old_name);
    let cleanup = delete_request(&rollback, &stack.url(), &new_name);
    stack.succeed(&cleanup).await;

    assert_eq!(stored(&stack.logs, &new_name).await, None);
    let old = existing(&stack.logs, &old_name).await;
    assert_eq!(old.target_arn, TARGET);
    assert!(tags(&stack.logs, &old.arn).await.contains_key(OWNER_TAG));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_that_stops_naming_the_destination_gets_a_generated_replacement() {
    let stack = Stack::start();
    let logical_id = unique_logical_id("Renamed");
    let name = unique_name("named");
    let (create, _) = stack.create(&logical_id, props(&name)).await;
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        json!({"TargetArn": TARGET, "RoleArn": ROLE}),
    );
    let answer = stack.succeed(&update).await;
    let generated = answer.physical_id().to_owned();
    assert!(
        generated.starts_with(&format!("test-stack-{logical_id}-")),
        "{generated}"
    );
    let new = existing(&stack.logs, &generated).await;
    assert!(tags(&stack.logs, &new.arn).await.contains_key(OWNER_TAG));
    // The named one stays until CloudFormation's cleanup Delete.
    assert!(stored(&stack.logs, &name).await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_does_not_depend_on_the_properties_being_valid_today() {
    // A stack created under older rules, or whose properties no longer parse, must still
    // be deletable: Delete needs nothing but the physical id.
    let stack = Stack::start();
    for broken in [
        json!({"TargetARN": "x", "Colour": "blue"}),
        json!("not an object"),
    ] {
        let name = unique_name("delete-broken");
        let (create, _) = stack.create("Destination", props(&name)).await;
        let mut delete = delete_request(&create, &stack.url(), &name);
        delete["ResourceProperties"] = broken;
        let answer = stack.succeed(&delete).await;
        assert_eq!(answer.physical_id(), name);
        assert_eq!(stored(&stack.logs, &name).await, None, "{}", answer.reply);
    }
}
