//! Every place users call the function from: CloudFormation direct, SNS-backed custom
//! resources, EventBridge-triggered provisioning and the CDK provider framework, through the
//! compiled binary; and every sample in `events/` is understood.

mod support;

use cfn_logs_destination::event::{classify, Incoming};
use serde_json::{json, Value};
use std::time::Duration;
use support::*;

const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/central-logs";
const ROLE: &str = "arn:aws:iam::123456789012:role/central-logs-destination-role";
const DEADLINE: Duration = Duration::from_secs(30);

fn properties(name: &str) -> Value {
    json!({"DestinationName": name, "TargetArn": TARGET, "RoleArn": ROLE,
           "Tags": [{"Key": "team", "Value": "platform"}]})
}

fn response(invocation: &Invocation) -> Value {
    match &invocation.outcome {
        Outcome::Response(value) => value.clone(),
        other => panic!("expected a successful invocation, got {other:?}"),
    }
}

fn error(invocation: &Invocation) -> String {
    match &invocation.outcome {
        Outcome::Error(value) => value.to_string(),
        other => panic!("expected the invocation to end in error, got {other:?}"),
    }
}

#[test]
fn every_sample_event_is_understood() {
    let mut seen = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/events")).expect("events/")
    {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let payload: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let accepted = match classify(payload) {
            Incoming::Sns(records) => records
                .iter()
                .all(|r| matches!(r, Incoming::CloudFormation(_))),
            Incoming::CloudFormation(_)
            | Incoming::Provider(_)
            | Incoming::EventBridge(_)
            | Incoming::Audit(_)
            | Incoming::Preview(_) => true,
            Incoming::Malformed { .. } | Incoming::Unrecognised(_) => false,
        };
        assert!(accepted, "{path:?} is not accepted by the classifier");
        seen += 1;
    }
    assert!(seen >= 7, "expected the seven sample events, found {seen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sns_wrapped_request_is_answered_at_its_response_url() {
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();
    let name = unique_name("sns");

    let request = create_request(&receiver.url(), "Destination", properties(&name));
    let invocation = runtime.invoke(sns_event(&request), DEADLINE).await;
    response(&invocation);
    let reply = receiver.wait_for_puts(1, DEADLINE).await[0].json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    assert_eq!(reply["RequestId"], request["RequestId"]);
    assert!(destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn eventbridge_provisions_updates_and_removes_a_named_destination() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let function = Function::builder(&runtime.address(), &aws.endpoint())
        .provisioning()
        .spawn();
    let name = unique_name("eventbridge");

    let created = response(
        &runtime
            .invoke(eventbridge_event("Create", properties(&name)), DEADLINE)
            .await,
    );
    assert_eq!(created["Action"], "created", "{created}");
    assert_eq!(created["DestinationName"], name.as_str());
    assert!(
        created["Arn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with(&name)),
        "{created}"
    );

    let mut changed = properties(&name);
    changed["DestinationPolicy"] = json!({"Version": "2012-10-17", "Statement": []});
    let updated = response(
        &runtime
            .invoke(eventbridge_event("Update", changed), DEADLINE)
            .await,
    );
    assert_eq!(updated["Action"], "updated", "{updated}");

    let gone = response(
        &runtime
            .invoke(
                eventbridge_event("Delete", json!({"DestinationName": name})),
                DEADLINE,
            )
            .await,
    );
    assert_eq!(gone["Action"], "deleted");
    assert!(!destination_exists(&name).await);
    let again = response(
        &runtime
            .invoke(
                eventbridge_event("Delete", json!({"DestinationName": name})),
                DEADLINE,
            )
            .await,
    );
    assert_eq!(again["Action"], "already absent");
    assert!(!function.logs().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn eventbridge_failures_end_the_invocation_in_error_for_retries_and_dead_letters() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint())
        .provisioning()
        .spawn();

    let unnamed = error(
        &runtime
            .invoke(
                eventbridge_event("Create", json!({"TargetArn": TARGET, "RoleArn": ROLE})),
                DEADLINE,
            )
            .await,
    );
    assert!(unnamed.contains("DestinationName is required"), "{unnamed}");
    let typo = error(
        &runtime
            .invoke(
                eventbridge_event(
                    "Create",
                    json!({"DestinationName": "x", "TargetARN": TARGET, "RoleArn": ROLE}),
                ),
                DEADLINE,
            )
            .await,
    );
    assert!(typo.contains("TargetARN is not a known property"), "{typo}");
    let verb = error(
        &runtime
            .invoke(eventbridge_event("Upsert", properties("x")), DEADLINE)
            .await,
    );
    assert!(
        verb.contains("RequestType must be Create, Update or Delete"),
        "{verb}"
    );
    assert!(
        !destination_exists("x").await,
        "a rejected request wrote to AWS"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_framework_gets_its_result_from_the_invocation() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();
    let name = unique_name("provider");

    let request = provider_request(create_request("unused", "Destination", properties(&name)));
    let result = response(&runtime.invoke(request.clone(), DEADLINE).await);
    assert_eq!(result["PhysicalResourceId"], name.as_str());
    assert_eq!(result["Data"]["DestinationName"], name.as_str());
    assert!(result["Data"]["Arn"]
        .as_str()
        .is_some_and(|arn| arn.ends_with(&name)));

    let mut invalid = request.clone();
    invalid["ResourceProperties"]["RoleArn"] = json!("not-a-role");
    let failure = error(&runtime.invoke(invalid, DEADLINE).await);
    assert!(failure.contains("RoleArn must be an ARN"), "{failure}");
    assert!(failure.contains("RequestFailed"), "{failure}");

    let mut delete = request;
    delete["RequestType"] = json!("Delete");
    delete["PhysicalResourceId"] = json!(name);
    response(&runtime.invoke(delete, DEADLINE).await);
    assert!(!destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn anything_else_ends_in_error_and_the_process_keeps_serving() {
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    let aws = FaultProxy::to_moto();
    let function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();

    let failure = error(&runtime.invoke(json!({"hello": "world"}), DEADLINE).await);
    assert!(
        failure.contains("expected a CloudFormation custom resource request"),
        "{failure}"
    );
    assert!(failure.contains("UnrecognisedEvent"), "{failure}");
    assert!(function.exited().is_none(), "the process stopped");

    let name = unique_name("after-unknown");
    let request = create_request(&receiver.url(), "Destination", properties(&name));
    response(&runtime.invoke(request, DEADLINE).await);
    assert_eq!(
        receiver.wait_for_puts(1, DEADLINE).await[0].json()["Status"],
        "SUCCESS"
    );
}

/// The access policy moto holds for `name`.
async fn stored_policy(name: &str) -> Value {
    let logs = logs_client(&moto_endpoint());
    let text = destinations_named(&logs, name)
        .await
        .iter()
        .find(|d| d.destination_name() == Some(name))
        .and_then(|d| d.access_policy().map(str::to_owned))
        .unwrap_or_else(|| panic!("{name} has no policy"));
    serde_json::from_str(&text).expect("a JSON policy")
}

#[tokio::test(flavor = "multi_thread")]
async fn eventbridge_and_the_provider_framework_build_the_policy_too() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint())
        .provisioning()
        .spawn();

    let name = unique_name("eventbridge-grants");
    let mut granted = properties(&name);
    granted["AllowedOrganizations"] = json!("o-a1b2c3d4e5");
    let created = response(
        &runtime
            .invoke(eventbridge_event("Create", granted), DEADLINE)
            .await,
    );
    assert_eq!(created["Action"], "created", "{created}");
    let statement = &stored_policy(&name).await["Statement"][0];
    assert_eq!(statement["Sid"], "AllowOrganizations", "{statement}");
    assert_eq!(statement["Resource"], created["Arn"], "{statement}");

    let runtime = RuntimeApi::start();
    let _function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();
    let name = unique_name("provider-grants");
    let mut granted = properties(&name);
    granted["AllowedAccounts"] = json!(["111122223333"]);
    let request = provider_request(create_request("unused", "Destination", granted));
    let result = response(&runtime.invoke(request, DEADLINE).await);
    let statement = &stored_policy(&name).await["Statement"][0];
    assert_eq!(statement["Principal"], json!({"AWS": ["111122223333"]}));
    assert_eq!(statement["Resource"], result["Data"]["Arn"], "{statement}");
}

/// A destination made by hand (the console, another tool): a policy and a tag of its own.
async fn hand_made(logs: &aws_sdk_cloudwatchlogs::Client, name: &str) -> (String, Value) {
    let arn = logs
        .put_destination()
        .destination_name(name)
        .target_arn("arn:aws:kinesis:us-east-1:123456789012:stream/hand-made")
        .role_arn("arn:aws:iam::123456789012:role/hand-made")
        .send()
        .await
        .expect("PutDestination")
        .destination()
        .and_then(|d| d.arn())
        .expect("arn")
        .to_owned();
    logs.put_destination_policy()
        .destination_name(name)
        .access_policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .expect("PutDestinationPolicy");
    logs.tag_resource()
        .resource_arn(&arn)
        .tags("team", "someone-else")
        .send()
        .await
        .expect("TagResource");
    let state = state_of(logs, name).await;
    (arn, state)
}

/// What a test compares before and after: target, role, policy and tags.
async fn state_of(logs: &aws_sdk_cloudwatchlogs::Client, name: &str) -> Value {
    let found = destinations_named(logs, name)
        .await
        .into_iter()
        .find(|d| d.destination_name() == Some(name));
    let Some(found) = found else {
        return Value::Null;
    };
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(found.arn().unwrap_or_default())
        .send()
        .await
        .expect("ListTagsForResource")
        .tags()
        .cloned()
        .unwrap_or_default();
    json!({
        "target": found.target_arn(),
        "role": found.role_arn(),
        "policy": found.access_policy(),
        "tags": tags,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn eventbridge_manages_only_what_provisioning_created_under_its_prefix() {
    let runtime = RuntimeApi::start();
    let prefix = format!("{}-", unique_name("provisioned"));
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint())
        .provisioning()
        .env("PROVISIONING_NAME_PREFIX", &prefix)
        .spawn();
    let logs = logs_client(&moto_endpoint());
    let requests = |name: &str| {
        [
            eventbridge_event("Create", properties(name)),
            eventbridge_event("Update", properties(name)),
            eventbridge_event("Delete", json!({"DestinationName": name})),
        ]
    };

    // Outside the prefix: refused, whatever the destination is.
    let outside = unique_name("outside");
    let (_, before) = hand_made(&logs, &outside).await;
    for request in requests(&outside) {
        let refused = error(&runtime.invoke(request, DEADLINE).await);
        assert!(
            refused.contains("Refused") && refused.contains("PROVISIONING_NAME_PREFIX"),
            "{refused}"
        );
    }
    assert_eq!(state_of(&logs, &outside).await, before);

    // Under the prefix but not created by provisioning: refused, unchanged.
    let existing = format!("{prefix}hand-made");
    let (arn, before) = hand_made(&logs, &existing).await;
    for request in requests(&existing) {
        let refused = error(&runtime.invoke(request, DEADLINE).await);
        assert!(
            refused.contains("provisioning did not create it") && refused.contains("AdoptExisting"),
            "{refused}"
        );
    }
    assert_eq!(state_of(&logs, &existing).await, before);

    // Asked to adopt it: refused until its owner agrees with the consent tag.
    let mut adopt = properties(&existing);
    adopt["AdoptExisting"] = json!("true");
    let refused = error(
        &runtime
            .invoke(eventbridge_event("Create", adopt.clone()), DEADLINE)
            .await,
    );
    let command = format!(
        "aws logs tag-resource --region us-east-1 --resource-arn {arn} --tags \
         '{{\"cfn-logs-destination:adoptable-by\":\"provisioning\"}}'"
    );
    let said: Value = serde_json::from_str(&refused).expect("the error is JSON");
    assert!(
        said["errorMessage"]
            .as_str()
            .is_some_and(|message| message.contains(&command)),
        "{refused}"
    );
    assert_eq!(state_of(&logs, &existing).await, before);
    logs.tag_resource()
        .resource_arn(&arn)
        .tags("cfn-logs-destination:adoptable-by", "provisioning")
        .send()
        .await
        .expect("TagResource");

    // Adopted with consent: from then on provisioning's, and the consent is used up.
    let adopted = response(
        &runtime
            .invoke(eventbridge_event("Create", adopt), DEADLINE)
            .await,
    );
    assert_eq!(adopted["Action"], "adopted", "{adopted}");
    let after = state_of(&logs, &existing).await;
    assert_eq!(after["target"], TARGET);
    let mut after_tags = after["tags"].clone();
    let print = after_tags
        .as_object_mut()
        .and_then(|tags| tags.remove("cfn-logs-destination:fingerprint"));
    assert!(print.is_some(), "{after}");
    assert_eq!(
        after_tags,
        json!({"team": "platform", "cfn-logs-destination:owner": "eventbridge-provisioning"})
    );
    let gone = response(
        &runtime
            .invoke(
                eventbridge_event("Delete", json!({"DestinationName": existing})),
                DEADLINE,
            )
            .await,
    );
    assert_eq!(gone["Action"], "deleted", "{gone}");
    assert_eq!(state_of(&logs, &existing).await, Value::Null, "{arn}");
}

#[tokio::test(flavor = "multi_thread")]
async fn eventbridge_never_touches_a_stacks_destination_even_when_asked_to_adopt() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint())
        .provisioning()
        .spawn();
    let logs = logs_client(&moto_endpoint());
    let name = unique_name("stack-owned");
    let (arn, _) = hand_made(&logs, &name).await;
    logs.tag_resource()
        .resource_arn(&arn)
        .tags("cfn-logs-destination:owner", "some-stack/uuid/Destination")
        .send()
        .await
        .expect("TagResource");
    let before = state_of(&logs, &name).await;
    let mut adopt = properties(&name);
    adopt["AdoptExisting"] = json!(true);
    for request in [
        eventbridge_event("Create", adopt.clone()),
        eventbridge_event("Update", adopt),
        eventbridge_event(
            "Delete",
            json!({"DestinationName": name, "AdoptExisting": true}),
        ),
    ] {
        let refused = error(&runtime.invoke(request, DEADLINE).await);
        assert!(refused.contains("some-stack/uuid/Destination"), "{refused}");
    }
    assert_eq!(state_of(&logs, &name).await, before);
}
