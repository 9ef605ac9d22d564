//! `Regions` through the compiled binary: one resource owning the same destination name in
//! several Regions (moto keeps a backend per signing Region), observed before any write,
//! written concurrently, cleaned up on partial failure, and deleted only where listed.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::*;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

#[tokio::test(flavor = "multi_thread")]
async fn create_fans_out_with_each_regions_own_policy_and_attributes() {
    let stack = Stack::start();
    let name = unique_name("fanout");
    let (_, answer) = stack.create("Destination", fanned(&name, &REGIONS)).await;
    let data = &answer.reply["Data"];
    let mut arns = Vec::new();
    for region in REGIONS {
        let logs = client_in(region);
        let stored = existing(&logs, &name).await;
        assert!(
            stored.arn.contains(&format!(":logs:{region}:")),
            "{}",
            stored.arn
        );
        let policy = stored.policy.expect("a policy");
        assert_eq!(policy["Statement"][0]["Resource"], stored.arn.as_str());
        assert!(tags(&logs, &stored.arn).await.contains_key(OWNER_TAG));
        assert_eq!(data[format!("Arn.{region}")], stored.arn.as_str());
        arns.push(stored.arn);
    }
    assert_eq!(data["Arn"], arns[0].as_str());
    assert_eq!(data["Arns"], arns.join(","));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_destination_in_one_region_fails_the_create_before_any_write() {
    let stack = Stack::start();
    let name = unique_name("fanout-conflict");
    someone_elses_destination("eu-west-1", &name).await;
    let request = create_request(&stack.url(), "Destination", fanned(&name, &REGIONS));
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().contains("in eu-west-1"),
        "{}",
        answer.reason()
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert_only_someone_elses(&name, "eu-west-1", &["us-east-1", "ap-southeast-2"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_in_one_region_leaves_no_destination_in_any() {
    let stack = Stack::start();
    let name = unique_name("fanout-partial");
    refuse_puts_in(&stack.proxy, "ap-southeast-2");
    let request = create_request(&stack.url(), "Destination", fanned(&name, &REGIONS));
    let answer = stack.invoke(&request).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.reply);
    assert!(
        answer
            .reason()
            .contains("failed in 1 of 3 Regions: ap-southeast-2:"),
        "{}",
        answer.reason()
    );
    for region in REGIONS {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
    // The rollback Delete carries the failed Create's id and touches nothing.
    let delete = delete_request(&request, &stack.url(), answer.physical_id());
    stack.succeed(&delete).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_added_and_removed_in_place_and_restored_by_the_rollback() {
    let stack = Stack::start();
    let name = unique_name("fanout-update");
    let (create, _) = stack
        .create("Destination", fanned(&name, &["us-east-1", "eu-west-1"]))
        .await;
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        fanned(&name, &["us-east-1", "ap-southeast-2"]),
    );
    let answer = stack.succeed(&update).await;
    assert_eq!(answer.physical_id(), name);
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
    assert!(stored(&client_in("ap-southeast-2"), &name).await.is_some());

    assert_rollback_restores_eu_west_1(&stack, &update, &name).await;
}

/// The rollback Update of `update` (which moved `name` from us-east-1 and eu-west-1 to
/// us-east-1 and ap-southeast-2), with the old properties, puts eu-west-1 back whole and
/// removes ap-southeast-2.
async fn assert_rollback_restores_eu_west_1(stack: &Stack, update: &Value, name: &str) {
    let rollback = update_request(
        update,
        &stack.url(),
        name,
        fanned(name, &["us-east-1", "eu-west-1"]),
    );
    stack.succeed(&rollback).await;
    assert_complete(name, "eu-west-1").await;
    assert_eq!(stored(&client_in("ap-southeast-2"), name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_touches_only_the_listed_regions() {
    let stack = Stack::start();
    let name = unique_name("fanout-delete");
    let (create, _) = stack
        .create("Destination", fanned(&name, &["us-east-1", "eu-west-1"]))
        .await;
    someone_elses_destination("ap-southeast-2", &name).await;
    let delete = delete_request(&create, &stack.url(), &name);
    stack.succeed(&delete).await;
    assert_eq!(stored(&client_in("us-east-1"), &name).await, None);
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
    assert!(stored(&client_in("ap-southeast-2"), &name).await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_are_written_concurrently() {
    let stack = Stack::start();
    let name = unique_name("fanout-speed");
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"];
    stack
        .proxy
        .delay("PutDestination", Duration::from_millis(800));
    let started = Instant::now();
    stack.create("Destination", fanned(&name, &regions)).await;
    let took = started.elapsed();
    // One delay per Region would add up to 3.2 s; concurrently it is paid about once.
    assert!(took < Duration::from_millis(2400), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_and_region_list_too_long_for_the_reply_are_refused_before_any_write() {
    let stack = Stack::start();
    let name = format!("{}-{}", unique_name("fanout-long"), "n".repeat(200));
    // Twelve Regions that exist (an unknown one is refused first, for another reason).
    let regions = &cfn_logs_destination::partitions::partition("aws")
        .expect("aws")
        .regions[..12];
    let request = create_request(&stack.url(), "Destination", fanned(&name, regions));
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().contains("over its 4096-byte limit")
            && answer
                .reason()
                .contains("shorten DestinationName to at most"),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_opt_in_region_is_named_and_nothing_is_written() {
    let stack = Stack::start();
    let name = unique_name("fanout-optin");
    disable_opt_in_region(&stack.proxy, "ap-east-1");
    let request = create_request(
        &stack.url(),
        "Destination",
        fanned(&name, &["us-east-1", "ap-east-1"]),
    );
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().contains("ap-east-1")
            && answer
                .reason()
                .contains("opt-in Region, it may not be enabled"),
        "{}",
        answer.reason()
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_replaces_in_every_region_and_a_failed_update_keeps_the_old_id() {
    let stack = Stack::start();
    let name = unique_name("fanout-rename");
    let regions = ["us-east-1", "eu-west-1"];
    let (create, _) = stack.create("Destination", fanned(&name, &regions)).await;

    let renamed = format!("{name}-new");
    let update = update_request(&create, &stack.url(), &name, fanned(&renamed, &regions));
    let answer = stack.succeed(&update).await;
    assert_eq!(answer.physical_id(), renamed);
    for region in regions {
        assert!(
            stored(&client_in(region), &renamed).await.is_some(),
            "{region}"
        );
        // The old one is CloudFormation's to delete.
        assert!(
            stored(&client_in(region), &name).await.is_some(),
            "{region}"
        );
    }

    stack.proxy.fail(
        "eu-west-1/PutDestinationPolicy",
        Times::Always,
        400,
        "InvalidParameterException",
        "policy refused",
    );
    let mut changed = fanned(&renamed, &regions);
    changed["AllowedAccounts"] = json!(["444455556666"]);
    let failed = update_request(&update, &stack.url(), &renamed, changed);
    let answer = stack.fail(&failed).await;
    assert_eq!(
        answer.physical_id(),
        renamed,
        "a failed update answers the old id"
    );
    assert!(
        answer
            .reason()
            .contains("failed in 1 of 2 Regions: eu-west-1:"),
        "{}",
        answer.reason()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_in_place_looks_at_each_region_once() {
    let stack = Stack::start();
    let name = unique_name("fanout-in-place");
    let (create, _) = stack.create("Destination", fanned(&name, &REGIONS)).await;
    // A change that needs nothing written: each Region is observed (DescribeDestinations and
    // ListTagsForResource), once.
    let mut unchanged = fanned(&name, &REGIONS);
    unchanged["ServiceTimeout"] = json!("300");
    let update = update_request(&create, &stack.url(), &name, unchanged);
    let answer = stack.succeed(&update).await;
    let mut calls = answer.calls.clone();
    calls.sort();
    let expected: Vec<String> = ["DescribeDestinations", "ListTagsForResource"]
        .iter()
        .flat_map(|op| std::iter::repeat_n(op.to_string(), REGIONS.len()))
        .collect();
    assert_eq!(calls, expected);
    assert_eq!(
        answer.reply["Data"]["Arns"],
        arns_in_every_region(&name).await.join(",")
    );
}

async fn arns_in_every_region(name: &str) -> Vec<String> {
    let mut arns = Vec::new();
    for region in REGIONS {
        arns.push(existing(&client_in(region), name).await.arn);
    }
    arns
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_create_names_the_regions_it_finished_and_its_rollback_removes_all() {
    let stack = Stack::start();
    let name = unique_name("fanout-interrupted");
    stack.proxy.hang("ap-southeast-2/TagResource");
    let mut properties = fanned(&name, &REGIONS);
    properties["ServiceTimeout"] = json!("4");
    let request = create_request(&stack.url(), "Destination", properties);
    let answer = stack.fail(&request).await;
    let reason = answer.reason();
    assert!(
        reason.starts_with(&format!(
            "Timed out while TagResource for destination {name} in ap-southeast-2 was still \
             running"
        )),
        "{reason}"
    );
    let (_, finished) = reason
        .split_once(". Finished before that: created in ")
        .unwrap_or_else(|| panic!("no finished Regions in: {reason}"));
    assert!(
        finished.starts_with("us-east-1 and eu-west-1")
            || finished.starts_with("eu-west-1 and us-east-1"),
        "{reason}"
    );
    // The reply names the destination, so that the rollback Delete removes it everywhere,
    // the untagged one in ap-southeast-2 included.
    assert_names_for_rollback(answer.physical_id(), &name);
    let delete = delete_request(&request, &stack.url(), answer.physical_id());
    stack.succeed(&delete).await;
    for region in REGIONS {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn adopt_existing_with_regions_is_refused_before_any_call() {
    let stack = Stack::start();
    let name = unique_name("fanout-adopt");
    let mut properties = fanned(&name, &REGIONS);
    properties["AdoptExisting"] = json!(true);
    let request = create_request(&stack.url(), "Destination", properties);
    let answer = stack.fail(&request).await;
    assert!(
        answer
            .reason()
            .starts_with("AdoptExisting cannot be combined with Regions"),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_cleanup_fails_names_the_destination_and_its_rollback_leaves_no_orphan() {
    let stack = Stack::start();
    let name = unique_name("fanout-orphan");
    refuse_puts_in(&stack.proxy, "ap-southeast-2");
    refuse_one_delete_in(&stack.proxy, "eu-west-1");
    let request = create_request(&stack.url(), "Destination", fanned(&name, &REGIONS));
    let answer = stack.fail(&request).await;
    let reason = answer.reason();
    assert!(
        reason.contains("ap-southeast-2: PutDestination")
            && reason.contains("It was removed again from us-east-1")
            && reason.contains("Removing it failed in eu-west-1: DeleteDestination")
            && reason.contains("the rollback deletes it in eu-west-1"),
        "{reason}"
    );
    // The reply names the destination: the rollback Delete, with the same Regions, removes it.
    assert_names_for_rollback(answer.physical_id(), &name);
    assert!(stored(&client_in("eu-west-1"), &name).await.is_some());
    let delete = delete_request(&request, &stack.url(), answer.physical_id());
    stack.succeed(&delete).await;
    for region in REGIONS {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_keeps_the_old_id_and_its_rollback_restores_the_removed_region() {
    let stack = Stack::start();
    let name = unique_name("fanout-update-fails");
    let (create, _) = stack
        .create("Destination", fanned(&name, &["us-east-1", "eu-west-1"]))
        .await;
    refuse_puts_in(&stack.proxy, "ap-southeast-2");
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        fanned(&name, &["us-east-1", "ap-southeast-2"]),
    );
    let answer = stack.fail(&update).await;
    assert_eq!(answer.physical_id(), name);
    assert!(
        answer.reason().contains("ap-southeast-2: PutDestination")
            && answer.reason().contains("deleted in eu-west-1"),
        "{}",
        answer.reason()
    );

    assert_rollback_restores_eu_west_1(&stack, &update, &name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redelivered_create_succeeds_again_with_the_same_destinations() {
    let stack = Stack::start();
    let name = unique_name("fanout-again");
    let (request, first) = stack.create("Destination", fanned(&name, &REGIONS)).await;
    // CloudFormation (or SNS) may deliver the same request twice.
    let again = stack.succeed(&request).await;
    assert_eq!(again.physical_id(), name);
    assert_eq!(again.reply["Data"], first.reply["Data"]);
    assert!(
        !again.calls.iter().any(|c| c == "PutDestination"),
        "{:?}",
        again.calls
    );
    for region in REGIONS {
        assert_complete(&name, region).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_region_retries_on_its_own_and_the_create_succeeds() {
    let stack = Stack::start();
    let name = unique_name("fanout-throttled");
    stack.proxy.fail(
        "eu-west-1/PutDestination",
        Times::N(2),
        400,
        "ThrottlingException",
        "Rate exceeded",
    );
    let (_, answer) = stack.create("Destination", fanned(&name, &REGIONS)).await;
    let puts = answer
        .calls
        .iter()
        .filter(|c| *c == "PutDestination")
        .count();
    // One per Region, and the two refused attempts in eu-west-1.
    assert_eq!(puts, REGIONS.len() + 2, "{:?}", answer.calls);
    for region in REGIONS {
        assert_complete(&name, region).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_written_policy_must_name_every_regions_destination() {
    let stack = Stack::start();
    let name = unique_name("fanout-policy");
    let mut properties = props_with(&name, "Regions", json!(REGIONS));
    let us_east_1 = format!("arn:aws:logs:us-east-1:{}:destination:{name}", cfn::ACCOUNT);
    let mut policy = policy_for("111122223333");
    policy["Statement"][0]["Resource"] = json!(us_east_1);
    properties["DestinationPolicy"] = policy.clone();
    let request = create_request(&stack.url(), "Destination", properties.clone());
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().starts_with(&format!(
            "DestinationPolicy must name every Region's destination in its Resource: with \
             Regions the same policy goes to each Region, and \"{us_east_1}\" cannot name \
             destination {name} in eu-west-1, ap-southeast-2."
        )),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);

    // A Resource with a Region wildcard names each one.
    policy["Statement"][0]["Resource"] = json!(format!(
        "arn:aws:logs:*:{}:destination:{name}",
        cfn::ACCOUNT
    ));
    properties["DestinationPolicy"] = policy;
    stack.create("Destination", properties).await;
    for region in REGIONS {
        assert!(
            stored(&client_in(region), &name).await.is_some(),
            "{region}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_of_another_partition_are_refused_before_any_call() {
    let stack = Stack::start();
    let name = unique_name("fanout-partition");
    let request = create_request(
        &stack.url(),
        "Destination",
        fanned(&name, &["us-east-1", "cn-north-1", "us-gov-west-1"]),
    );
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().starts_with(
            "Regions cn-north-1 (aws-cn), us-gov-west-1 (aws-us-gov) are not in this \
             function's partition (aws)"
        ),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_every_cleanup_fails_does_not_claim_a_removal() {
    let stack = Stack::start();
    let name = unique_name("fanout-no-removal");
    refuse_puts_in(&stack.proxy, "ap-southeast-2");
    refuse_one_delete_in(&stack.proxy, "us-east-1");
    let regions = ["us-east-1", "ap-southeast-2"];
    let request = create_request(&stack.url(), "Destination", fanned(&name, &regions));
    let answer = stack.fail(&request).await;
    let reason = answer.reason();
    assert!(!reason.contains("removed again"), "{reason}");
    assert!(
        reason.contains("Removing it failed in us-east-1: DeleteDestination")
            && reason.contains("the rollback deletes it in us-east-1"),
        "{reason}"
    );
    assert_names_for_rollback(answer.physical_id(), &name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delete_that_fails_in_one_region_says_what_the_others_finished() {
    let stack = Stack::start();
    let name = unique_name("fanout-delete-fails");
    let (create, _) = stack
        .create("Destination", fanned(&name, &["us-east-1", "eu-west-1"]))
        .await;
    refuse_one_delete_in(&stack.proxy, "eu-west-1");
    let delete = delete_request(&create, &stack.url(), &name);
    let answer = stack.fail(&delete).await;
    assert!(
        answer.reason().starts_with(&format!(
            "Deleting destination {name} failed in 1 of 2 Regions: eu-west-1: \
             DeleteDestination"
        )) && answer
            .reason()
            .contains("Finished in the others: deleted in us-east-1"),
        "{}",
        answer.reason()
    );
    // Deleting again (a retried stack deletion) finishes the job.
    stack.succeed(&delete).await;
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_no_partition_has_is_refused_with_a_suggestion_before_any_call() {
    let stack = Stack::start();
    let name = unique_name("fanout-typo");
    let request = create_request(
        &stack.url(),
        "Destination",
        fanned(&name, &["us-east-1", "eu-wst-1"]),
    );
    let answer = stack.fail(&request).await;
    let reason = answer.reason();
    assert!(
        reason.contains("Regions[1] names \"eu-wst-1\"")
            && reason.contains("did you mean eu-west-1?"),
        "{reason}"
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
}
