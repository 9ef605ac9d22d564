//! `Regions` outside CloudFormation's own path, through the compiled binary: EventBridge
//! provisioning (every listed Region looked at before any write, written concurrently, a
//! partial failure leaving nothing this request created, Delete only where listed) and the
//! provider-framework mode.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::*;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const PROVISIONING_OWNER: &str = "eventbridge-provisioning";

fn result(answer: &Answer) -> &Value {
    match &answer.invocation.outcome {
        Outcome::Response(value) => value,
        other => panic!("expected a successful invocation, got {other:?}"),
    }
}

fn error(answer: &Answer) -> String {
    match &answer.invocation.outcome {
        Outcome::Error(value) => value.to_string(),
        other => panic!("expected the invocation to end in error, got {other:?}"),
    }
}

/// Sends `properties` to the function as an EventBridge provisioning event.
async fn provision(stack: &Stack, request_type: &str, properties: Value) -> Answer {
    stack
        .invoke(&eventbridge_event(request_type, properties))
        .await
}

/// `text` says every one of `parts`.
fn assert_says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn eventbridge_provisions_every_listed_region_with_its_own_policy() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-fanout");
    let answer = provision(&stack, "Create", fanned(&name, &REGIONS)).await;
    let created = result(&answer);
    let mut arns = Vec::new();
    for region in REGIONS {
        let (stored, owner) = assert_complete(&name, region).await;
        assert_eq!(owner.as_deref(), Some(PROVISIONING_OWNER), "{region}");
        assert_eq!(
            created["Regions"][region],
            json!({"Action": "created", "Arn": stored.arn}),
            "{created}"
        );
        arns.push(stored.arn);
    }
    assert_eq!(created["Action"], "created", "{created}");
    assert_eq!(created["DestinationName"], name.as_str());
    assert_eq!(created["Arn"], arns[0].as_str());
    assert_eq!(created["Arns"], arns.join(","));

    // The same event again (EventBridge delivers at least once): every Region is updated.
    let again = provision(&stack, "Update", fanned(&name, &REGIONS)).await;
    let updated = result(&again);
    for region in REGIONS {
        assert_eq!(updated["Regions"][region]["Action"], "updated", "{updated}");
    }
    assert_eq!(updated["Arns"], arns.join(","));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_destination_in_one_region_refuses_the_whole_request_before_any_write() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-conflict");
    someone_elses_destination("eu-west-1", &name).await;
    let mut adopt_nothing = fanned(&name, &REGIONS);
    adopt_nothing["AdoptExisting"] = json!(false);
    for event in [
        eventbridge_event("Create", fanned(&name, &REGIONS)),
        eventbridge_event("Update", adopt_nothing),
        eventbridge_event(
            "Delete",
            json!({"DestinationName": name, "Regions": REGIONS}),
        ),
    ] {
        let answer = stack.invoke(&event).await;
        let refused = error(&answer);
        assert_says(
            &refused,
            &[
                "Refused: destination",
                "cannot be provisioned in 1 of 3 Regions",
                "eu-west-1: it exists and provisioning did not create it",
            ],
        );
        assert_eq!(writes(&answer.calls), Vec::<&String>::new());
    }
    assert_only_someone_elses(&name, "eu-west-1", &["us-east-1", "ap-southeast-2"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_in_one_region_removes_what_the_request_created_and_keeps_what_existed() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-partial");
    // Provisioned in us-east-1 before: the failing request must not remove it.
    let before = provision(&stack, "Create", fanned(&name, &["us-east-1"])).await;
    assert_eq!(result(&before)["Action"], "created");
    let arn = existing(&client_in("us-east-1"), &name).await.arn;
    let tags_before = tags(&client_in("us-east-1"), &arn).await;
    refuse_puts_in(&stack.proxy, "ap-southeast-2");
    let answer = provision(&stack, "Create", fanned(&name, &REGIONS)).await;
    let failed = error(&answer);
    assert_says(
        &failed,
        &[
            "failed in 1 of 3 Regions: ap-southeast-2: PutDestination",
            "The role ARN is not valid in this Region",
            "had created it in eu-west-1, and removed it again",
        ],
    );
    // us-east-1 existed before: this request only re-tagged it with the new Region set (the
    // fingerprint), so it is put back as it was, never removed.
    assert_says(
        &failed,
        &["It existed before this request in us-east-1, and was put back as it was found\""],
    );
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
    assert_eq!(stored(&client_in("ap-southeast-2"), &name).await, None);
    let kept = existing(&client_in("us-east-1"), &name).await;
    let tags_after = tags(&client_in("us-east-1"), &kept.arn).await;
    assert_eq!(
        tags_after.get(OWNER_TAG).map(String::as_str),
        Some(PROVISIONING_OWNER)
    );
    assert_eq!(tags_after, tags_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_with_regions_removes_only_the_listed_regions() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-delete");
    let answer = provision(&stack, "Create", fanned(&name, &REGIONS)).await;
    assert_eq!(result(&answer)["Action"], "created");

    // ap-southeast-2 is not listed; sa-east-1 never had it.
    let listed = ["us-east-1", "eu-west-1", "sa-east-1"];
    let answer = provision(
        &stack,
        "Delete",
        json!({"DestinationName": name, "Regions": listed}),
    )
    .await;
    let deleted = result(&answer);
    assert_eq!(deleted["Action"], "deleted", "{deleted}");
    assert_eq!(deleted["Arns"], Value::Null, "{deleted}");
    assert_eq!(deleted["Regions"]["us-east-1"]["Action"], "deleted");
    assert_eq!(deleted["Regions"]["eu-west-1"]["Action"], "deleted");
    assert_eq!(deleted["Regions"]["sa-east-1"]["Action"], "already absent");
    assert_eq!(
        deleted["Regions"].as_object().map(|r| r.len()),
        Some(3),
        "{deleted}"
    );
    assert_eq!(stored(&client_in("us-east-1"), &name).await, None);
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
    assert!(stored(&client_in("ap-southeast-2"), &name).await.is_some());
    // Only the listed Regions were asked anything.
    assert_eq!(
        answer
            .calls
            .iter()
            .filter(|c| *c == "DeleteDestination")
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_framework_creates_in_every_region_and_returns_every_arn() {
    let stack = Stack::start();
    let name = unique_name("provider-fanout");
    let regions = ["us-east-1", "eu-west-1"];
    let request = provider_request(create_request(
        "unused",
        "Destination",
        fanned(&name, &regions),
    ));
    let answer = stack.invoke(&request).await;
    let created = result(&answer);
    assert_eq!(created["PhysicalResourceId"], name.as_str());
    let mut arns = Vec::new();
    for region in regions {
        let stored = existing(&client_in(region), &name).await;
        assert_eq!(
            created["Data"][format!("Arn.{region}")],
            stored.arn.as_str()
        );
        arns.push(stored.arn);
    }
    assert_eq!(created["Data"]["Arns"], arns.join(","), "{created}");
    assert_eq!(created["Data"]["Arn"], arns[0].as_str());

    let mut delete = request;
    delete["RequestType"] = json!("Delete");
    delete["PhysicalResourceId"] = json!(name);
    result(&stack.invoke(&delete).await);
    for region in regions {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_opt_in_region_is_named_and_nothing_is_written() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-optin");
    disable_opt_in_region(&stack.proxy, "ap-east-1");
    let answer = provision(&stack, "Create", fanned(&name, &["us-east-1", "ap-east-1"])).await;
    let refused = error(&answer);
    assert_says(
        &refused,
        &[
            "Refused: destination",
            "ap-east-1: it could not be looked at",
            "opt-in Region, it may not be enabled",
        ],
    );
    assert_eq!(writes(&answer.calls), Vec::<&String>::new());
    assert_eq!(stored(&client_in("us-east-1"), &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cleanup_that_fails_too_is_named_and_a_delete_event_removes_what_is_left() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-orphan");
    refuse_puts_in(&stack.proxy, "ap-southeast-2");
    refuse_one_delete_in(&stack.proxy, "eu-west-1");
    let answer = provision(&stack, "Create", fanned(&name, &REGIONS)).await;
    let failed = error(&answer);
    assert_says(
        &failed,
        &[
            "ap-southeast-2: PutDestination",
            "had created it in us-east-1, and removed it again",
            "Removing what this request created failed in eu-west-1: DeleteDestination",
            "AccessDeniedException",
            "send a Delete event listing these Regions",
        ],
    );
    assert_eq!(stored(&client_in("us-east-1"), &name).await, None);
    assert!(stored(&client_in("eu-west-1"), &name).await.is_some());

    let answer = provision(
        &stack,
        "Delete",
        json!({"DestinationName": name, "Regions": ["eu-west-1"]}),
    )
    .await;
    assert_eq!(result(&answer)["Regions"]["eu-west-1"]["Action"], "deleted");
    assert_eq!(stored(&client_in("eu-west-1"), &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_for_one_regions_destination_or_another_partition_is_refused_before_any_call() {
    let stack = Stack::provisioning();
    let name = unique_name("provision-policy");
    let mut properties = props_with(&name, "Regions", json!(REGIONS));
    let mut policy = policy_for("111122223333");
    policy["Statement"][0]["Resource"] = json!(format!(
        "arn:aws:logs:us-east-1:{}:destination:{name}",
        cfn::ACCOUNT
    ));
    properties["DestinationPolicy"] = policy;
    let answer = provision(&stack, "Create", properties.clone()).await;
    assert_says(
        &error(&answer),
        &[
            "DestinationPolicy must name every Region's destination",
            "eu-west-1, ap-southeast-2",
        ],
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);

    // A wildcard Resource names the destination in every Region.
    properties["DestinationPolicy"]["Statement"][0]["Resource"] = json!(format!(
        "arn:aws:logs:*:{}:destination:{name}",
        cfn::ACCOUNT
    ));
    let answer = provision(&stack, "Create", properties).await;
    assert_eq!(result(&answer)["Action"], "created");

    // The same holds for Regions of another partition.
    let elsewhere = fanned(
        &unique_name("provision-partition"),
        &["us-east-1", "cn-north-1"],
    );
    let answer = provision(&stack, "Create", elsewhere).await;
    assert_says(
        &error(&answer),
        &["Regions cn-north-1 (aws-cn) are not in this function's partition (aws)"],
    );
    assert!(answer.calls.is_empty(), "{:?}", answer.calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_provisioning_names_the_regions_it_finished() {
    let stack = Stack::provisioning();
    let name = unique_name("prov-interrupted");
    stack.proxy.hang("ap-southeast-2/PutDestination");
    let event = eventbridge_event("Create", fanned(&name, &REGIONS));
    let invocation = stack
        .runtime
        .invoke(event, std::time::Duration::from_secs(4))
        .await;
    let Outcome::Error(error) = &invocation.outcome else {
        panic!("expected an error, got {:?}", invocation.outcome);
    };
    let error = error.to_string();
    assert_says(
        &error,
        &[&format!(
            "Timed out while PutDestination for destination {name} in ap-southeast-2 was still \
             running"
        )],
    );
    let (_, finished) = error
        .split_once("Finished before that: created in ")
        .unwrap_or_else(|| panic!("no finished Regions in: {error}"));
    assert!(
        finished.starts_with("us-east-1 and eu-west-1")
            || finished.starts_with("eu-west-1 and us-east-1"),
        "{error}"
    );
}
