//! Hostile input, by property: arbitrary resource properties and invocation payloads go through
//! `App::handle`, the code the binary runs, with an AWS client whose every call is counted and a
//! local ResponseURL receiver.
//!
//! - Invalid properties: a FAILED reply whose Reason names a property, and no AWS write.
//! - Any payload: no panic; each request carrying a usable ResponseURL gets exactly one reply of
//!   at most 4096 bytes; everything else ends the invocation with a named error.

#[path = "../arbitrary/mod.rs"]
mod arbitrary;
mod payloads;
mod rig;
#[path = "../support/mod.rs"]
mod support;

use cfn_logs_destination::handler::Failure;
use cfn_logs_destination::mode::Mode;
use cfn_logs_destination::properties;
use cfn_logs_destination::response::MAX_BODY_BYTES;
use payloads::{cfn_payload, payload, Outcome};
use proptest::prelude::*;
use rig::{invoke, rig, Aws};
use serde_json::{json, Value};
use support::RecordedPut;

/// What every reply must be: JSON within CloudFormation's limit, and never the trace of a
/// caught panic.
fn check_reply(put: &RecordedPut) -> Result<Value, TestCaseError> {
    prop_assert!(
        put.body.len() <= MAX_BODY_BYTES,
        "reply of {} bytes",
        put.body.len()
    );
    let body: Value = serde_json::from_slice(&put.body)
        .map_err(|e| TestCaseError::fail(format!("reply is not JSON: {e}")))?;
    let status = body["Status"].as_str().unwrap_or_default();
    prop_assert!(
        status == "SUCCESS" || status == "FAILED",
        "status {status:?}"
    );
    let reason = body["Reason"].as_str().unwrap_or_default();
    prop_assert!(
        status == "SUCCESS" || !reason.is_empty(),
        "FAILED without a Reason"
    );
    prop_assert!(
        !reason.contains("internal error"),
        "a panic was caught: {reason}"
    );
    let id = body["PhysicalResourceId"].as_str().unwrap_or_default();
    prop_assert!(!id.is_empty(), "empty PhysicalResourceId");
    Ok(body)
}

fn check_failure(failure: &Failure) -> Result<(), TestCaseError> {
    prop_assert!(!failure.kind.is_empty() && !failure.message.is_empty());
    prop_assert!(
        !failure.message.contains("internal error"),
        "a panic was caught: {}",
        failure.message
    );
    Ok(())
}

proptest! {
    #![proptest_config(arbitrary::config())]

    /// Invalid properties on Create or Update, by every route (CloudFormation, the CDK provider
    /// framework, EventBridge): the answer names a property that broke a rule, and nothing is
    /// written. Valid ones are answered too, without a panic.
    #[test]
    fn invalid_properties_are_named_and_write_nothing(
        update in any::<bool>(),
        route in prop::sample::select(
            vec![Route::CloudFormation, Route::Provider, Route::EventBridge]
        ),
        properties in arbitrary::resource_properties(),
        old in arbitrary::resource_properties(),
    ) {
        // Provisioning has a function of its own.
        let aws = if route == Route::EventBridge {
            Aws::in_mode(Mode::Provisioning)
        } else {
            Aws::new()
        };
        let request_type = if update { "Update" } else { "Create" };
        let url = rig().receiver.url();
        let mut payload = cfn_payload(request_type, &url, properties.clone(), old);
        match route {
            Route::CloudFormation => {}
            Route::Provider => {
                payload.as_object_mut().map(|fields| fields.remove("ResponseURL"));
            }
            Route::EventBridge => {
                payload = json!({"detail-type": "LogsDestination", "source": "cfn-logs-destination",
                    "detail": {"RequestType": request_type, "ResourceProperties": properties}});
            }
        }
        let (result, puts) = invoke(&aws, payload);
        let answer = if route == Route::CloudFormation {
            prop_assert!(result.is_ok(), "reply not delivered: {:?}", result.err());
            prop_assert_eq!(puts.len(), 1, "replies");
            let body = check_reply(&puts[0])?;
            let reason = body["Reason"].as_str().unwrap_or_default().to_owned();
            (body["Status"] == "FAILED").then_some(reason)
        } else {
            prop_assert_eq!(puts.len(), 0, "replies");
            match &result {
                Ok(_) => None,
                Err(failure) => {
                    check_failure(failure)?;
                    Some(failure.message.clone())
                }
            }
        };
        if let Err(errors) = properties::parse(&properties) {
            let Some(reason) = answer else {
                return Err(TestCaseError::fail(format!("invalid properties accepted: {errors}")));
            };
            let first = &errors.0[0].property;
            prop_assert!(reason.contains(first.as_str()), "{first:?} not named in {reason:?}");
            prop_assert_eq!(aws.writes_made(), vec![], "writes for invalid input");
        }
    }

    /// Any payload: answered once at a usable ResponseURL, or ended with a named error.
    #[test]
    fn every_payload_is_answered_once_or_fails_by_name(case in payload()) {
        // EventBridge shapes go to the provisioning function, as its rule sends them.
        let aws = if case.payload.get("detail-type").is_some() {
            Aws::in_mode(Mode::Provisioning)
        } else {
            Aws::new()
        };
        let (result, puts) = invoke(&aws, case.payload);
        prop_assert_eq!(puts.len(), case.replies, "replies");
        for put in &puts {
            check_reply(put)?;
        }
        match (&result, case.outcome) {
            (Err(failure), Outcome::Error | Outcome::Either) => check_failure(failure)?,
            (Ok(_), Outcome::Ok | Outcome::Either) => {}
            _ => prop_assert!(false, "expected {:?}, got {:?}", case.outcome, result),
        }
    }
}

/// How a request arrives.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Route {
    CloudFormation,
    Provider,
    EventBridge,
}
