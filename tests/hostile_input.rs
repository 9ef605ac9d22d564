//! Hostile input, by property: arbitrary resource properties and invocation payloads go through
//! `App::handle`, the code the binary runs, with an AWS client whose every call is counted and a
//! local ResponseURL receiver.
//!
//! - Invalid properties: a FAILED reply whose Reason names a property, and no AWS write.
//! - Any payload: no panic; each request carrying a usable ResponseURL gets exactly one reply of
//!   at most 4096 bytes; everything else ends the invocation with a named error.

mod arbitrary;
mod support;

use aws_sdk_cloudwatchlogs::operation::delete_destination::DeleteDestinationOutput;
use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput;
use aws_sdk_cloudwatchlogs::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_cloudwatchlogs::operation::put_destination::PutDestinationOutput;
use aws_sdk_cloudwatchlogs::operation::put_destination_policy::PutDestinationPolicyOutput;
use aws_sdk_cloudwatchlogs::operation::tag_resource::TagResourceOutput;
use aws_sdk_cloudwatchlogs::operation::untag_resource::UntagResourceOutput;
use aws_sdk_cloudwatchlogs::types::Destination;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use cfn_logs_destination::destinations::Destinations;
use cfn_logs_destination::handler::{App, Failure};
use cfn_logs_destination::properties;
use cfn_logs_destination::response::{ReplySender, MAX_BODY_BYTES};
use lambda_runtime::{Config, Context, LambdaEvent};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::{Behaviour, RecordedPut, ResponseReceiver};

/// A Lambda-like context: a log group, so FAILED Reasons carry the log location suffix.
fn context() -> Context {
    let config = Config {
        log_group: "/aws/lambda/cfn-logs-destination".into(),
        log_stream: "2026/11/26/[$LATEST]0123456789abcdef".into(),
        ..Config::default()
    };
    let mut context = Context::default();
    context.request_id = "invocation-1".into();
    context.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f".into();
    context.env_config = Arc::new(config);
    context
}

/// CloudWatch Logs with no destinations, answering every call and counting the writes.
struct Aws {
    app: App,
    writes: Vec<(&'static str, Rule)>,
}

impl Aws {
    fn new() -> Aws {
        let reads = [
            mock!(Client::describe_destinations)
                .then_output(|| DescribeDestinationsOutput::builder().build()),
            mock!(Client::list_tags_for_resource)
                .then_output(|| ListTagsForResourceOutput::builder().build()),
        ];
        let writes = vec![
            (
                "PutDestination",
                mock!(Client::put_destination).then_compute_output(|input| {
                    let name = input.destination_name().unwrap_or_default();
                    PutDestinationOutput::builder()
                        .destination(
                            Destination::builder()
                                .destination_name(name)
                                .arn(format!(
                                    "arn:aws:logs:us-east-1:123456789012:destination:{name}"
                                ))
                                .set_target_arn(input.target_arn().map(str::to_owned))
                                .set_role_arn(input.role_arn().map(str::to_owned))
                                .build(),
                        )
                        .build()
                }),
            ),
            (
                "PutDestinationPolicy",
                mock!(Client::put_destination_policy)
                    .then_output(|| PutDestinationPolicyOutput::builder().build()),
            ),
            (
                "DeleteDestination",
                mock!(Client::delete_destination)
                    .then_output(|| DeleteDestinationOutput::builder().build()),
            ),
            (
                "TagResource",
                mock!(Client::tag_resource).then_output(|| TagResourceOutput::builder().build()),
            ),
            (
                "UntagResource",
                mock!(Client::untag_resource)
                    .then_output(|| UntagResourceOutput::builder().build()),
            ),
        ];
        let rules: Vec<&Rule> = reads.iter().chain(writes.iter().map(|(_, r)| r)).collect();
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, rules);
        Aws {
            app: App::new(Destinations::new(client), Arc::new(ReplySender::new())),
            writes,
        }
    }

    /// Every write call made, by operation name.
    fn writes_made(&self) -> Vec<(&'static str, usize)> {
        self.writes
            .iter()
            .map(|(name, rule)| (*name, rule.num_calls()))
            .filter(|(_, calls)| *calls > 0)
            .collect()
    }
}

/// One receiver and one runtime for all cases of a test binary.
struct Rig {
    runtime: tokio::runtime::Runtime,
    receiver: ResponseReceiver,
    /// One invocation at a time, so that each counts only its own replies.
    turn: Mutex<()>,
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| Rig {
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("tokio runtime: {e}")),
        receiver: ResponseReceiver::start(Behaviour::Accept),
        turn: Mutex::new(()),
    })
}

/// Runs one invocation; returns its result and the replies it PUT to the receiver.
fn invoke(aws: &Aws, payload: Value) -> (Result<Value, Failure>, Vec<RecordedPut>) {
    let rig = rig();
    let _turn = rig.turn.lock().unwrap_or_else(|p| p.into_inner());
    let before = rig.receiver.puts().len();
    let result = rig
        .runtime
        .block_on(aws.app.handle(LambdaEvent::new(payload, context())));
    // The reply is delivered before `handle` returns; this only gives a stray late PUT a moment
    // to show up, so that it is counted.
    let puts = rig.runtime.block_on(
        rig.receiver
            .wait_for_puts(before + 1, Duration::from_millis(5)),
    );
    (result, puts[before..].to_vec())
}

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

fn cfn_payload(request_type: &str, url: &str, properties: Value, old: Value) -> Value {
    let mut request = support::cfn_request(request_type, url, "Destination", json!({}));
    // Exactly as generated, not even an object perhaps.
    request["ResourceProperties"] = properties;
    if request_type != "Create" {
        request["PhysicalResourceId"] = json!("central-logs");
    }
    if request_type == "Update" {
        request["OldResourceProperties"] = old;
    }
    request
}

proptest! {
    #![proptest_config(arbitrary::config())]

    /// Invalid properties on Create or Update, by every route (CloudFormation, the CDK provider
    /// framework, EventBridge): the answer names a property that broke a rule, and nothing is
    /// written. Valid ones are answered too, without a panic.
    #[test]
    fn invalid_properties_are_named_and_write_nothing(
        update in any::<bool>(),
        route in prop::sample::select(vec![Route::CloudFormation, Route::Provider, Route::EventBridge]),
        properties in arbitrary::resource_properties(),
        old in arbitrary::resource_properties(),
    ) {
        let aws = Aws::new();
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
            (body["Status"] == "FAILED").then(|| body["Reason"].as_str().unwrap_or_default().to_owned())
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
        let aws = Aws::new();
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

#[derive(Clone, Copy, Debug)]
enum Outcome {
    Ok,
    Error,
    /// A well-formed request that may succeed or fail on its merits.
    Either,
}

/// A payload and what `handle` must make of it.
#[derive(Clone, Debug)]
struct Case {
    payload: Value,
    /// Replies PUT to the receiver.
    replies: usize,
    outcome: Outcome,
}

/// A CloudFormation request with each field kept, dropped or replaced by any JSON, and a
/// ResponseURL that is the receiver's (`Some`) or not usable (`None`: missing, not a string,
/// not a URL).
fn cfn_shaped() -> impl Strategy<Value = (Value, bool)> {
    // An edited field is removed (None), or becomes null, any text, or any JSON.
    let field = || {
        prop_oneof![
            3 => Just(None),
            1 => Just(Some(Value::Null)),
            3 => arbitrary::text().prop_map(|text| Some(Value::String(text))),
            1 => arbitrary::json().prop_map(Some),
        ]
    };
    (
        prop::sample::select(vec!["Create", "Update", "Delete", "Upsert", ""]),
        arbitrary::resource_properties(),
        arbitrary::resource_properties(),
        // Unusable URLs fail before any connection: a string that parses as a URL would be
        // retried for seconds against a host that is not there.
        prop_oneof![
            4 => Just(None),
            1 => arbitrary::json().prop_map(|url| Some(match url {
                Value::String(text) => Value::String(format!("not a url: {text}")),
                other => other,
            })),
            1 => Just(Some(json!(""))),
        ],
        // The id of an Update or Delete: ours, empty, or anything.
        prop_oneof![
            3 => Just("central-logs".to_owned()),
            1 => Just(String::new()),
            1 => arbitrary::text(),
        ],
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "RequestType",
                    "StackId",
                    "RequestId",
                    "LogicalResourceId",
                    "ResourceType",
                    "PhysicalResourceId",
                    "ResourceProperties",
                    "OldResourceProperties",
                ]),
                field(),
            ),
            0..3,
        ),
    )
        .prop_map(|(request_type, properties, old, url, id, edits)| {
            let usable = url.is_none();
            let mut request = cfn_payload(request_type, &rig().receiver.url(), properties, old);
            if request_type != "Create" {
                request["PhysicalResourceId"] = Value::String(id);
            }
            if let Some(url) = url {
                request["ResponseURL"] = url;
            }
            if let Some(fields) = request.as_object_mut() {
                for (key, value) in edits {
                    match value {
                        Some(value) => fields.insert(key.to_owned(), value),
                        None => fields.remove(key),
                    };
                }
            }
            (request, usable)
        })
}

/// Any of the shapes the function may be invoked with, broken or not.
fn payload() -> impl Strategy<Value = Case> {
    prop_oneof![
        3 => cfn_shaped().prop_map(|(payload, usable)| Case {
            payload,
            replies: usize::from(usable),
            outcome: if usable { Outcome::Ok } else { Outcome::Error },
        }),
        2 => prop::collection::vec(sns_record(), 1..4).prop_map(|records| {
            let replies = records.iter().filter(|(_, usable)| *usable).count();
            let all_answerable = records.iter().all(|(_, usable)| *usable);
            Case {
                payload: json!({"Records": records.into_iter().map(|(r, _)| r).collect::<Vec<_>>()}),
                replies,
                outcome: if all_answerable { Outcome::Ok } else { Outcome::Error },
            }
        }),
        1 => (arbitrary::json(), arbitrary::resource_properties(), prop::sample::select(vec![
            Some("Create"), Some("Update"), Some("Delete"), Some("Upsert"), None,
        ])).prop_map(|(noise, properties, request_type)| {
            let mut detail = json!({"ResourceProperties": properties, "noise": noise});
            if let Some(request_type) = request_type {
                detail["RequestType"] = json!(request_type);
            }
            Case {
                payload: json!({"version": "0", "detail-type": "LogsDestination",
                    "source": "cfn-logs-destination", "detail": detail}),
                replies: 0,
                outcome: if request_type.is_some() { Outcome::Either } else { Outcome::Error },
            }
        }),
        1 => cfn_shaped().prop_map(|(mut payload, _)| {
            // Without a ResponseURL: the CDK provider framework's shape.
            if let Some(fields) = payload.as_object_mut() {
                fields.remove("ResponseURL");
            }
            Case { payload, replies: 0, outcome: Outcome::Either }
        }),
        1 => arbitrary::json().prop_map(|payload| Case { payload, replies: 0, outcome: Outcome::Error }),
    ]
}

/// An SNS record whose Message is a CloudFormation request (as a JSON string), or is not.
fn sns_record() -> impl Strategy<Value = (Value, bool)> {
    prop_oneof![
        3 => cfn_shaped().prop_map(|(request, usable)| {
            (json!({"EventSource": "aws:sns", "Sns": {"Message": request.to_string()}}), usable)
        }),
        1 => arbitrary::json().prop_map(|message| {
            (json!({"EventSource": "aws:sns", "Sns": {"Message": message}}), false)
        }),
        1 => arbitrary::json().prop_map(|record| (json!({"Sns": record}), false)),
    ]
}
