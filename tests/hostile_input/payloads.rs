//! Invocation payloads of every shape the function may receive, broken or not, each with what
//! `App::handle` must make of it.

use crate::arbitrary;
use crate::rig::rig;
use crate::support;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A CloudFormation request of `request_type` answering at `url`, with these properties exactly.
pub(crate) fn cfn_payload(request_type: &str, url: &str, properties: Value, old: Value) -> Value {
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

#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome {
    Ok,
    Error,
    /// A well-formed request that may succeed or fail on its merits.
    Either,
}

/// A payload and what `handle` must make of it.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) payload: Value,
    /// Replies PUT to the receiver.
    pub(crate) replies: usize,
    pub(crate) outcome: Outcome,
}

/// A CloudFormation request with each field kept, dropped or replaced by any JSON, and a
/// ResponseURL that is the receiver's (`Some`) or not usable (`None`: missing, not a string,
/// not a URL).
fn cfn_shaped() -> BoxedStrategy<(Value, bool)> {
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
        .boxed()
}

/// Any of the shapes the function may be invoked with, broken or not.
pub(crate) fn payload() -> impl Strategy<Value = Case> {
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
                payload: json!({
                    "Records": records.into_iter().map(|(r, _)| r).collect::<Vec<_>>()
                }),
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
        1 => arbitrary::json().prop_map(|payload| Case {
            payload,
            replies: 0,
            outcome: Outcome::Error,
        }),
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
