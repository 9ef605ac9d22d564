//! `Regions: "*"` through the compiled binary: every Region the rig's account has enabled (the
//! rig's ListRegions stand-in, set per test), read at each Create, Update and Delete;
//! `ExcludedRegions`; a refused ListRegions; and the fingerprint tag's Region set (v2),
//! written over the v1 value destinations made before it carry.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::*;

/// Properties for `name` in every enabled Region, with a built policy (one per Region's ARN).
fn everywhere(name: &str) -> Value {
    with(fanned(name, &[]), "Regions", json!("*"))
}

/// `properties` with `key` set to `value`.
fn with(mut properties: Value, key: &str, value: Value) -> Value {
    properties[key] = value;
    properties
}

/// The rig's account has exactly these Regions.
fn account(stack: &Stack, regions: &[(&str, RegionStatus)]) {
    stack.proxy.set_account_regions(regions);
}

/// The fingerprint tag of `name` in `region`.
async fn fingerprint(name: &str, region: &str) -> String {
    let logs = client_in(region);
    let arn = existing(&logs, name).await.arn;
    tags(&logs, &arn)
        .await
        .remove(FINGERPRINT_TAG)
        .unwrap_or_default()
}

/// The Regions CloudWatch Logs calls were signed for since the proxy's `since`th call.
fn regions_called(stack: &Stack, since: usize) -> Vec<String> {
    let mut regions: Vec<String> = stack
        .proxy
        .call_spans()
        .split_off(since)
        .into_iter()
        .filter(|c| stack.proxy.calls().contains(&c.op))
        .map(|c| c.region)
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

#[tokio::test(flavor = "multi_thread")]
async fn every_enabled_region_is_created_and_one_enabled_later_joins_at_the_next_revision() {
    let stack = Stack::start();
    account(
        &stack,
        &[
            ("us-east-1", RegionStatus::EnabledByDefault),
            ("eu-west-1", RegionStatus::EnabledByDefault),
            ("ap-east-1", RegionStatus::Disabled),
            ("me-south-1", RegionStatus::Enabling),
        ],
    );
    let name = unique_name("every");
    let (create, answer) = stack.create("Destination", everywhere(&name)).await;
    assert_eq!(stack.proxy.account_calls(), [LIST_REGIONS]);
    let data = &answer.reply["Data"];
    assert_eq!(data["Regions"], "eu-west-1,us-east-1");
    assert!(data.get("Arns").is_none(), "{data}");
    for region in ["us-east-1", "eu-west-1"] {
        let (stored, _) = assert_complete(&name, region).await;
        assert_eq!(data[format!("Arn.{region}")], stored.arn.as_str());
        assert!(
            fingerprint(&name, region).await.ends_with(" Regions=all"),
            "{region}"
        );
    }
    assert_eq!(data["Arn"], data["Arn.us-east-1"]);
    for region in ["ap-east-1", "me-south-1"] {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
    assert!(
        answer.reason().starts_with(
            "Regions \"*\": 2 of the 2 Regions ListRegions reports enabled for this account in \
             partition aws: eu-west-1, us-east-1"
        ),
        "{}",
        answer.reason()
    );

    // The account enables ap-east-1; the next Revision creates the destination there.
    stack
        .proxy
        .set_region_status("ap-east-1", RegionStatus::Enabled);
    let revised = with(everywhere(&name), "Revision", json!("2"));
    let update = update_request(&create, &stack.url(), &name, revised);
    let answer = stack.succeed(&update).await;
    assert_complete(&name, "ap-east-1").await;
    assert_eq!(
        answer.reply["Data"]["Regions"],
        "ap-east-1,eu-west-1,us-east-1"
    );
    let puts = answer
        .calls
        .iter()
        .filter(|op| *op == "PutDestination")
        .count();
    assert_eq!(
        puts, 1,
        "only the new Region is created: {:?}",
        answer.calls
    );

    // The account disables eu-west-1: nothing calls it, and its destination stays as it was.
    stack
        .proxy
        .set_region_status("eu-west-1", RegionStatus::Disabled);
    let since = stack.proxy.call_spans().len();
    let again = with(everywhere(&name), "Revision", json!("3"));
    let answer = stack
        .succeed(&update_request(&update, &stack.url(), &name, again))
        .await;
    assert_eq!(answer.reply["Data"]["Regions"], "ap-east-1,us-east-1");
    assert_eq!(regions_called(&stack, since), ["ap-east-1", "us-east-1"]);
    assert_complete(&name, "eu-west-1").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn excluded_regions_are_left_out_and_excluding_one_later_deletes_it_there() {
    let stack = Stack::start();
    account(
        &stack,
        &[
            ("us-east-1", RegionStatus::EnabledByDefault),
            ("eu-west-1", RegionStatus::EnabledByDefault),
            ("ap-southeast-2", RegionStatus::EnabledByDefault),
        ],
    );
    let name = unique_name("every-except");
    let excluding = |regions: &[&str]| with(everywhere(&name), "ExcludedRegions", json!(regions));
    let (create, answer) = stack
        .create("Destination", excluding(&["ap-southeast-2"]))
        .await;
    assert_eq!(answer.reply["Data"]["Regions"], "eu-west-1,us-east-1");
    assert_eq!(stored(&client_in("ap-southeast-2"), &name).await, None);
    assert!(answer
        .reason()
        .contains("(less ExcludedRegions ap-southeast-2)"));

    // Excluding eu-west-1 as well deletes what this resource owns there, and re-tags the
    // Region kept with the new set: a tags write, nothing else.
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        excluding(&["eu-west-1", "ap-southeast-2"]),
    );
    let answer = stack.succeed(&update).await;
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
    let mut written: Vec<&String> = writes(&answer.calls);
    written.sort();
    assert_eq!(
        written,
        ["DeleteDestination", "TagResource"],
        "{:?}",
        answer.calls
    );
    assert!(
        fingerprint(&name, "us-east-1")
            .await
            .ends_with(" Regions=all-except/ap-southeast-2/eu-west-1"),
        "{}",
        fingerprint(&name, "us-east-1").await
    );
    assert_eq!(answer.reply["Data"]["Regions"], "us-east-1");

    // The Delete reads the enabled Regions too, and deletes in those its properties cover.
    someone_elses_destination("ap-southeast-2", &name).await;
    stack
        .succeed(&delete_request(&update, &stack.url(), &name))
        .await;
    assert_eq!(stored(&client_in("us-east-1"), &name).await, None);
    assert!(stored(&client_in("ap-southeast-2"), &name).await.is_some());
    assert_eq!(stack.proxy.account_calls().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn excluded_regions_without_a_star_are_refused_before_any_call() {
    let stack = Stack::start();
    let name = unique_name("every-misused");
    let properties = with(
        fanned(&name, &["us-east-1"]),
        "ExcludedRegions",
        json!("eu-west-1"),
    );
    let answer = stack
        .fail(&create_request(&stack.url(), "Destination", properties))
        .await;
    assert!(
        answer
            .reason()
            .contains("ExcludedRegions can only be used with Regions: \"*\""),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
    assert!(stack.proxy.account_calls().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_list_regions_fails_the_request_before_any_write() {
    let stack = Stack::start();
    stack.proxy.fail(
        LIST_REGIONS,
        Times::Always,
        403,
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/provider/f is not authorized to perform: \
         account:ListRegions",
    );
    let name = unique_name("every-denied");
    let answer = stack
        .fail(&create_request(
            &stack.url(),
            "Destination",
            everywhere(&name),
        ))
        .await;
    assert!(
        answer.reason().starts_with(
            "ListRegions (the Account API, to expand Regions \"*\") failed: \
             AccessDeniedException: User: "
        ),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
    assert_eq!(stored(&client_in("us-east-1"), &name).await, None);
    // Its rollback Delete carries an id that names no destination: it succeeds without
    // asking ListRegions again, so the stack does not stick in ROLLBACK_FAILED.
    let asked = stack.proxy.account_calls().len();
    let create = create_request(&stack.url(), "Destination", everywhere(&name));
    let failed = stack.fail(&create).await;
    let rollback = delete_request(&create, &stack.url(), failed.physical_id());
    let answer = stack.succeed(&rollback).await;
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
    assert_eq!(stack.proxy.account_calls().len(), asked + 1);

    // Throttling is retried by the SDK; if it lasts, the same: FAILED before any write.
    stack.proxy.clear_rules();
    stack.proxy.fail(
        LIST_REGIONS,
        Times::Always,
        429,
        "TooManyRequestsException",
        "Rate exceeded",
    );
    let answer = stack
        .fail(&create_request(
            &stack.url(),
            "Destination",
            everywhere(&name),
        ))
        .await;
    assert!(
        answer
            .reason()
            .contains("TooManyRequestsException: Rate exceeded"),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rollback_of_an_update_to_every_region_that_list_regions_refused_succeeds() {
    let stack = Stack::start();
    let name = unique_name("every-rollback");
    let listed = fanned(&name, &["us-east-1"]);
    let (create, _) = stack.create("Destination", listed.clone()).await;
    stack.proxy.fail(
        LIST_REGIONS,
        Times::Always,
        403,
        "AccessDeniedException",
        "not authorized to perform: account:ListRegions",
    );
    let update = update_request(&create, &stack.url(), &name, everywhere(&name));
    let answer = stack.fail(&update).await;
    assert!(
        answer.reason().starts_with("ListRegions"),
        "{}",
        answer.reason()
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
    // CloudFormation's rollback: the old properties ("*") and the new ones swapped.
    let rollback = update_request(&update, &stack.url(), &name, listed);
    let answer = stack.succeed(&rollback).await;
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert!(
        answer.reason().contains(
            "AccessDeniedException: not authorized to perform: account:ListRegions: the \
             Regions the old properties' Regions \"*\" covered could not be known, so none \
             was removed"
        ),
        "{}",
        answer.reason()
    );
    assert_complete(&name, "us-east-1").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_of_list_regions_is_read() {
    let stack = Stack::start();
    // Eleven enabled Regions: the stand-in answers ten at a time.
    let regions = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-southeast-1",
        "ap-southeast-2",
    ];
    let listed: Vec<(&str, RegionStatus)> = regions
        .iter()
        .map(|r| (*r, RegionStatus::EnabledByDefault))
        .collect();
    account(&stack, &listed);
    let name = unique_name("every-paged");
    let (_, answer) = stack.create("Destination", everywhere(&name)).await;
    assert_eq!(stack.proxy.account_calls(), [LIST_REGIONS, LIST_REGIONS]);
    let mut sorted = regions.to_vec();
    sorted.sort_unstable();
    assert_eq!(answer.reply["Data"]["Regions"], sorted.join(","));
    for region in regions {
        assert!(
            stored(&client_in(region), &name).await.is_some(),
            "{region}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_region_with_a_name_too_long_for_the_reply_is_refused_before_any_write() {
    // The rig's account has every aws Region enabled.
    let stack = Stack::start();
    let name = format!("{}-{}", unique_name("every-long"), "n".repeat(40));
    let answer = stack
        .fail(&create_request(
            &stack.url(),
            "Destination",
            everywhere(&name),
        ))
        .await;
    assert!(
        answer.reason().contains("is returned once (Arn.REGION)")
            && answer
                .reason()
                .contains("or exclude Regions with ExcludedRegions")
            && answer
                .reason()
                .contains("Regions ListRegions reports enabled for this account"),
        "{}",
        answer.reason()
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_with_a_v1_fingerprint_is_retagged_with_its_region_set() {
    let stack = Stack::start();
    let name = unique_name("every-v1");
    let properties = fanned(&name, &["us-east-1", "eu-west-1"]);
    let (create, _) = stack.create("Destination", properties.clone()).await;
    // As the provider wrote it before the Region set was kept: v1, four hashes.
    for region in ["us-east-1", "eu-west-1"] {
        let v2 = fingerprint(&name, region).await;
        let (aspects, set) = v2.split_once(" Regions=").expect("a v2 fingerprint");
        assert_eq!(set, "eu-west-1/us-east-1");
        let v1 = aspects.replacen("v2 ", "v1 ", 1);
        let logs = client_in(region);
        let arn = existing(&logs, &name).await.arn;
        logs.tag_resource()
            .resource_arn(&arn)
            .tags(FINGERPRINT_TAG, &v1)
            .send()
            .await
            .expect("TagResource");
    }
    // An Update that changes nothing else rewrites only the fingerprint tag, in each Region.
    let update = update_request(&create, &stack.url(), &name, properties.clone());
    let answer = stack.succeed(&update).await;
    assert_eq!(
        writes(&answer.calls),
        ["TagResource", "TagResource"],
        "{:?}",
        answer.calls
    );
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            fingerprint(&name, region)
                .await
                .ends_with(" Regions=eu-west-1/us-east-1"),
            "{region}"
        );
    }
    // And then there is nothing left to write.
    let again = update_request(&update, &stack.url(), &name, properties);
    let answer = stack.succeed(&again).await;
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert!(
        stack.proxy.account_calls().is_empty(),
        "a list needs no ListRegions"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioning_expands_every_region_the_same_way() {
    let stack = Stack::provisioning();
    account(
        &stack,
        &[
            ("us-east-1", RegionStatus::EnabledByDefault),
            ("eu-west-1", RegionStatus::Enabled),
            ("ap-east-1", RegionStatus::Disabled),
        ],
    );
    let name = unique_name("provision-every");
    let answer = stack
        .invoke(&eventbridge_event("Create", everywhere(&name)))
        .await;
    let Outcome::Response(created) = &answer.invocation.outcome else {
        panic!("expected a result: {:?}", answer.invocation.outcome);
    };
    let mut regions: Vec<&String> = created["Regions"]
        .as_object()
        .expect("per Region")
        .keys()
        .collect();
    regions.sort();
    assert_eq!(regions, ["eu-west-1", "us-east-1"], "{created}");
    for region in ["us-east-1", "eu-west-1"] {
        assert_complete(&name, region).await;
    }
    assert_eq!(stored(&client_in("ap-east-1"), &name).await, None);
    let answer = stack
        .invoke(&eventbridge_event("Delete", everywhere(&name)))
        .await;
    assert!(
        matches!(answer.invocation.outcome, Outcome::Response(_)),
        "{:?}",
        answer.invocation.outcome
    );
    for region in ["us-east-1", "eu-west-1"] {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
    assert_eq!(stack.proxy.account_calls().len(), 2);
    // A failure says what "*" expanded to, as a stack's Reason does.
    refuse_puts_in(&stack.proxy, "eu-west-1");
    let answer = stack
        .invoke(&eventbridge_event("Create", everywhere(&name)))
        .await;
    let Outcome::Error(failed) = &answer.invocation.outcome else {
        panic!("expected an error: {:?}", answer.invocation.outcome);
    };
    let failed = failed.to_string();
    assert!(
        failed.contains("failed in 1 of 2 Regions: eu-west-1")
            && failed.contains(
                "Regions \\\"*\\\": 2 of the 2 Regions ListRegions reports enabled for this \
                 account in partition aws: eu-west-1, us-east-1"
            ),
        "{failed}"
    );
}
