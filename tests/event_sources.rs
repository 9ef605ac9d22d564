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

fn eventbridge(request_type: &str, properties: Value) -> Value {
    json!({
        "version": "0", "id": uuid_like(), "detail-type": "LogsDestination",
        "source": "cfn-logs-destination", "account": "123456789012",
        "time": "2026-11-26T10:15:30Z", "region": "us-east-1", "resources": [],
        "detail": {"RequestType": request_type, "ResourceProperties": properties},
    })
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
            Incoming::CloudFormation(_) | Incoming::Provider(_) | Incoming::EventBridge(_) => true,
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
async fn eventbridge_provisions_adopts_and_removes_a_named_destination() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();
    let name = unique_name("eventbridge");

    let created = response(
        &runtime
            .invoke(eventbridge("Create", properties(&name)), DEADLINE)
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
            .invoke(eventbridge("Update", changed), DEADLINE)
            .await,
    );
    assert_eq!(updated["Action"], "updated", "{updated}");

    let gone = response(
        &runtime
            .invoke(
                eventbridge("Delete", json!({"DestinationName": name})),
                DEADLINE,
            )
            .await,
    );
    assert_eq!(gone["Action"], "deleted");
    assert!(!destination_exists(&name).await);
    let again = response(
        &runtime
            .invoke(
                eventbridge("Delete", json!({"DestinationName": name})),
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
    let _function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();

    let unnamed = error(
        &runtime
            .invoke(
                eventbridge("Create", json!({"TargetArn": TARGET, "RoleArn": ROLE})),
                DEADLINE,
            )
            .await,
    );
    assert!(unnamed.contains("DestinationName is required"), "{unnamed}");
    let typo = error(
        &runtime
            .invoke(
                eventbridge(
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
            .invoke(eventbridge("Upsert", properties("x")), DEADLINE)
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

    let mut request = create_request("unused", "Destination", properties(&name));
    request.as_object_mut().map(|r| r.remove("ResponseURL"));
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
