//! Provisioning has a function of its own (the same binary with
//! `CFN_LOGS_DESTINATION_MODE=provisioning`). Each function refuses the other's event shapes
//! through the compiled binary: the invocation ends in error, no reply is sent anywhere, and
//! no AWS call is made.

mod harness;
mod support;

use harness::*;
use serde_json::Value;
use std::time::Duration;
use support::*;

/// The invocation's error, which must be a refusal that writes nothing.
fn refused(answer: &Answer) -> String {
    let Outcome::Error(error) = &answer.invocation.outcome else {
        panic!("expected a refusal, got {:?}", answer.invocation.outcome);
    };
    assert!(
        answer.calls.is_empty(),
        "AWS was called: {:?}",
        answer.calls
    );
    assert!(
        answer.puts.is_empty(),
        "a reply was sent: {:?}",
        answer.puts.len()
    );
    let error = error.to_string();
    assert!(error.contains("RefusedEvent"), "{error}");
    error
}

#[tokio::test(flavor = "multi_thread")]
async fn the_custom_resource_function_refuses_a_provisioning_event() {
    let stack = Stack::start();
    let name = unique_name("mode-eventbridge");
    let answer = stack
        .invoke(&eventbridge_event("Create", props(&name)))
        .await;
    let error = refused(&answer);
    assert!(
        error.contains("CFN_LOGS_DESTINATION_MODE=custom-resource")
            && error.contains("EventBridge"),
        "{error}"
    );
    assert!(!destination_exists(&name).await);
    let doc = stack
        .function
        .wait_for_metrics(1, Duration::from_secs(10))
        .await;
    assert_eq!(
        doc.first().map(|d| &d["ErrorType"]),
        Some(&Value::from("RefusedEvent"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provisioning_function_refuses_every_cloudformation_shape() {
    let stack = Stack::provisioning();
    let name = unique_name("mode-cfn");
    let create = create_request(&stack.url(), "Destination", props(&name));
    let mut malformed = create.clone();
    malformed["RequestType"] = Value::from("Upsert");
    for (shape, event) in [
        ("a CloudFormation custom resource request", create.clone()),
        ("a CloudFormation custom resource request", malformed),
        ("an SNS notification", sns_event(&create)),
        (
            "a CDK provider-framework request",
            provider_request(create.clone()),
        ),
    ] {
        let error = refused(&stack.invoke(&event).await);
        assert!(
            error.contains("CFN_LOGS_DESTINATION_MODE=provisioning") && error.contains(shape),
            "{error}"
        );
    }
    assert!(!destination_exists(&name).await);
    // It still serves its own events.
    let created = stack
        .invoke(&eventbridge_event("Create", props(&name)))
        .await;
    assert!(
        matches!(created.invocation.outcome, Outcome::Response(_)),
        "{:?}",
        created.invocation.outcome
    );
    assert!(destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_mode_stops_the_function_from_starting() {
    let runtime = RuntimeApi::start();
    let aws = FaultProxy::to_moto();
    let function = Function::builder(&runtime.address(), &aws.endpoint())
        .env("CFN_LOGS_DESTINATION_MODE", "provision")
        .spawn();
    let status = function.wait_exit(Duration::from_secs(10)).await;
    assert!(status.is_some_and(|s| !s.success()), "{status:?}");
    // The exit can come before the reader thread has passed on the last line.
    assert!(
        function
            .wait_for_log("CFN_LOGS_DESTINATION_MODE", Duration::from_secs(5))
            .await,
        "{}",
        function.logs()
    );
    assert!(aws.calls().is_empty());
}
