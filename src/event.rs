//! What arrived: the raw invocation payload, classified.
//!
//! The handler takes raw JSON so that a request which fails to parse still gets a FAILED reply
//! whenever a ResponseURL can be found in it: a request that is never answered hangs its stack.

mod audit_request;
mod preview_request;
pub use audit_request::{region_list, regions_setting, AuditRequest, AUDIT_REGIONS};
pub use preview_request::PreviewRequest;

use aws_lambda_events::event::cloudformation::provider::CloudFormationCustomResourceRequest as ProviderRequest;
use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use serde_json::Value;

const EXPECTED: &str = "expected a CloudFormation custom resource request (RequestType, \
     ResponseURL, ...), an SNS notification carrying one, an EventBridge event whose detail has \
     RequestType and ResourceProperties, a CDK provider-framework request (RequestType \
     without ResponseURL), an audit ({\"Audit\": {}}), or a preview ({\"Preview\": \
     {\"ChangeSet\": ARN}})";

/// Where and how to answer one CloudFormation request: the fields copied back verbatim.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplyTarget {
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RequestKind {
    Create,
    Update {
        physical_resource_id: String,
        old_properties: Value,
    },
    Delete {
        physical_resource_id: String,
    },
}

impl RequestKind {
    pub fn name(&self) -> &'static str {
        match self {
            RequestKind::Create => "Create",
            RequestKind::Update { .. } => "Update",
            RequestKind::Delete { .. } => "Delete",
        }
    }

    /// The id CloudFormation already knows; `None` on Create.
    pub fn physical_resource_id(&self) -> Option<&str> {
        match self {
            RequestKind::Create => None,
            RequestKind::Update {
                physical_resource_id,
                ..
            }
            | RequestKind::Delete {
                physical_resource_id,
            } => Some(physical_resource_id),
        }
    }
}

/// One CloudFormation custom resource request.
#[derive(Clone, Debug, PartialEq)]
pub struct CfnRequest {
    pub kind: RequestKind,
    pub target: ReplyTarget,
    pub properties: Value,
    /// `ResourceType` as the request gives it (`Custom::LogsDestination`, ...).
    pub resource_type: String,
}

/// EventBridge-triggered provisioning: no stack, no ResponseURL; the invocation's result is
/// the answer.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvisionRequest {
    pub request_type: String,
    pub properties: Value,
    /// The event's `time`: when it was put on the bus.
    pub time: Option<String>,
}

#[derive(Debug)]
pub enum Incoming {
    /// A CloudFormation request with a ResponseURL.
    CloudFormation(Box<CfnRequest>),
    /// SNS-backed custom resources: each record's message is a request of its own.
    Sns(Vec<Incoming>),
    /// A CDK provider-framework onEvent request: answered by the invocation's result.
    Provider(Box<CfnRequest>),
    EventBridge(Box<ProvisionRequest>),
    /// The drift and orphan audit: reads only, answered by the invocation's result.
    Audit(AuditRequest),
    /// The preview of a change set: reads only, answered by the invocation's result.
    Preview(PreviewRequest),
    /// Something with a ResponseURL that is not a valid request: it still gets a FAILED reply.
    Malformed {
        target: ReplyTarget,
        request_type: Option<String>,
        physical_resource_id: Option<String>,
        problem: String,
    },
    /// Nothing this function can act on or answer.
    Unrecognised(String),
}

/// Classifies a raw payload.
pub fn classify(payload: Value) -> Incoming {
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        if records.iter().any(|record| record.get("Sns").is_some()) {
            return Incoming::Sns(records.iter().map(sns_message).collect());
        }
    }
    if let (Some(_), Some(detail)) = (payload.get("detail-type"), payload.get("detail")) {
        return match detail.get("RequestType").and_then(Value::as_str) {
            Some(request_type) => Incoming::EventBridge(Box::new(ProvisionRequest {
                request_type: request_type.to_owned(),
                properties: detail
                    .get("ResourceProperties")
                    .cloned()
                    .unwrap_or_default(),
                time: payload
                    .get("time")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })),
            None => Incoming::Unrecognised(format!(
                "an EventBridge event whose detail has no RequestType: {EXPECTED}"
            )),
        };
    }
    if payload.get("ResponseURL").is_some() {
        return classify_cloudformation(payload);
    }
    if let (Some(audit), None) = (payload.get("Audit"), payload.get("RequestType")) {
        return match AuditRequest::parse(audit) {
            Ok(request) => Incoming::Audit(request),
            Err(problem) => Incoming::Unrecognised(format!("not a valid audit request: {problem}")),
        };
    }
    if let (Some(preview), None) = (payload.get("Preview"), payload.get("RequestType")) {
        return match PreviewRequest::parse(preview) {
            Ok(request) => Incoming::Preview(request),
            Err(problem) => {
                Incoming::Unrecognised(format!("not a valid preview request: {problem}"))
            }
        };
    }
    if payload.get("RequestType").is_some() {
        return match serde_json::from_value::<ProviderRequest>(payload) {
            Ok(request) => match provider_request(request) {
                Some(request) => match known_id_present(&request.kind) {
                    Ok(()) => Incoming::Provider(Box::new(request)),
                    Err(problem) => Incoming::Unrecognised(format!(
                        "not a valid provider-framework request ({problem}): {EXPECTED}"
                    )),
                },
                None => Incoming::Unrecognised(format!("unknown RequestType: {EXPECTED}")),
            },
            Err(error) => Incoming::Unrecognised(format!(
                "not a valid provider-framework request ({error}): {EXPECTED}"
            )),
        };
    }
    Incoming::Unrecognised(EXPECTED.into())
}

/// One SNS record: its message is the CloudFormation request as a JSON string.
fn sns_message(record: &Value) -> Incoming {
    let message = record
        .get("Sns")
        .and_then(|sns| sns.get("Message"))
        .and_then(Value::as_str);
    match message.map(serde_json::from_str::<Value>) {
        Some(Ok(request)) if request.get("ResponseURL").is_some() => {
            classify_cloudformation(request)
        }
        _ => Incoming::Unrecognised(format!(
            "an SNS record whose Message is not a CloudFormation request: {EXPECTED}"
        )),
    }
}

fn classify_cloudformation(payload: Value) -> Incoming {
    let response_url = text_field(&payload, "ResponseURL");
    let target = ReplyTarget {
        response_url,
        stack_id: text_field(&payload, "StackId"),
        request_id: text_field(&payload, "RequestId"),
        logical_resource_id: text_field(&payload, "LogicalResourceId"),
    };
    let request_type = payload
        .get("RequestType")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let physical_resource_id = payload
        .get("PhysicalResourceId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let resource_type = text_field(&payload, "ResourceType");
    let parsed = serde_json::from_value::<CloudFormationCustomResourceRequest>(payload)
        .map_err(|error| error.to_string())
        .and_then(|request| {
            kind_and_properties(request).ok_or_else(|| "unknown RequestType".to_owned())
        })
        .and_then(|(kind, properties)| {
            known_id_present(&kind)?;
            Ok((kind, properties))
        });
    match parsed {
        Ok((kind, properties)) => Incoming::CloudFormation(Box::new(CfnRequest {
            kind,
            target,
            properties,
            resource_type,
        })),
        Err(error) => Incoming::Malformed {
            target,
            request_type,
            physical_resource_id,
            problem: format!(
                "the request is not a valid CloudFormation custom resource request: {error}"
            ),
        },
    }
}

/// An Update or Delete names the id we answered before, which is never empty, and a reply
/// without an id is refused: such a request did not come from CloudFormation and is answered as
/// malformed (found by the property tests in tests/hostile_input/).
fn known_id_present(kind: &RequestKind) -> Result<(), String> {
    match kind.physical_resource_id() {
        Some("") => Err("PhysicalResourceId is empty".into()),
        _ => Ok(()),
    }
}

fn text_field(payload: &Value, key: &str) -> String {
    payload
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The reply fields were already read from the same payload; this keeps what differs by type.
fn kind_and_properties(
    request: CloudFormationCustomResourceRequest,
) -> Option<(RequestKind, Value)> {
    use CloudFormationCustomResourceRequest as R;
    match request {
        R::Create(r) => Some((RequestKind::Create, r.resource_properties)),
        R::Update(r) => Some((
            RequestKind::Update {
                physical_resource_id: r.physical_resource_id,
                old_properties: r.old_resource_properties,
            },
            r.resource_properties,
        )),
        R::Delete(r) => Some((
            RequestKind::Delete {
                physical_resource_id: r.physical_resource_id,
            },
            r.resource_properties,
        )),
        // The enum is non-exhaustive: a request type added later is answered as malformed.
        _ => None,
    }
}

/// A provider-framework request: the same lifecycle, answered by the invocation's result.
fn provider_request(request: ProviderRequest) -> Option<CfnRequest> {
    use ProviderRequest as R;
    let (kind, common) = match request {
        R::Create(r) => (RequestKind::Create, r.common),
        R::Update(r) => (
            RequestKind::Update {
                physical_resource_id: r.physical_resource_id,
                old_properties: r.old_resource_properties,
            },
            r.common,
        ),
        R::Delete(r) => (
            RequestKind::Delete {
                physical_resource_id: r.physical_resource_id,
            },
            r.common,
        ),
        _ => return None,
    };
    Some(CfnRequest {
        kind,
        target: ReplyTarget {
            response_url: String::new(),
            stack_id: common.stack_id,
            request_id: common.request_id,
            logical_resource_id: common.logical_resource_id,
        },
        properties: common.resource_properties,
        resource_type: common.resource_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn create() -> Value {
        json!({
            "RequestType": "Create",
            "ResponseURL": "http://127.0.0.1/reply?X-Amz-Signature=secret",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r1",
            "ResourceType": "Custom::LogsDestination",
            "LogicalResourceId": "Destination",
            "ResourceProperties": {"ServiceToken": "arn:x", "TargetArn": "t"}
        })
    }

    #[test]
    fn a_create_request_is_cloudformation() {
        let Incoming::CloudFormation(request) = classify(create()) else {
            panic!("not classified as CloudFormation");
        };
        assert_eq!(request.kind, RequestKind::Create);
        assert_eq!(request.target.request_id, "r1");
        assert_eq!(request.properties["TargetArn"], "t");
    }

    #[test]
    fn an_update_carries_old_properties_and_physical_id() {
        let mut update = create();
        update["RequestType"] = json!("Update");
        update["PhysicalResourceId"] = json!("dest");
        update["OldResourceProperties"] = json!({"TargetArn": "old"});
        let Incoming::CloudFormation(request) = classify(update) else {
            panic!("not classified as CloudFormation");
        };
        assert_eq!(request.kind.physical_resource_id(), Some("dest"));
        let RequestKind::Update { old_properties, .. } = &request.kind else {
            panic!("not an update");
        };
        assert_eq!(old_properties["TargetArn"], "old");
    }

    #[test]
    fn a_broken_request_with_a_response_url_is_still_answerable() {
        let mut broken = create();
        broken["RequestType"] = json!("Upsert");
        let Incoming::Malformed {
            target, problem, ..
        } = classify(broken)
        else {
            panic!("not classified as malformed");
        };
        assert_eq!(target.request_id, "r1");
        assert_eq!(target.logical_resource_id, "Destination");
        assert!(problem.contains("not a valid CloudFormation"), "{problem}");
    }

    #[test]
    fn anything_else_is_unrecognised_with_what_was_expected() {
        let Incoming::Unrecognised(problem) = classify(json!({"hello": "world"})) else {
            panic!("classified");
        };
        assert!(problem.contains("EventBridge"), "{problem}");
    }

    #[test]
    fn sns_records_carry_requests_as_strings() {
        let event = json!({"Records": [
            {"EventSource": "aws:sns", "Sns": {"Message": create().to_string()}},
            {"EventSource": "aws:sns", "Sns": {"Message": "not json"}},
        ]});
        let Incoming::Sns(records) = classify(event) else {
            panic!("not SNS");
        };
        assert!(matches!(&records[0], Incoming::CloudFormation(r) if r.target.request_id == "r1"));
        assert!(matches!(&records[1], Incoming::Unrecognised(_)));
    }

    #[test]
    fn eventbridge_detail_is_a_provisioning_request() {
        let event = json!({"detail-type": "LogsDestination", "source": "x", "detail": {
            "RequestType": "Delete", "ResourceProperties": {"DestinationName": "d"}}});
        let Incoming::EventBridge(request) = classify(event) else {
            panic!("not EventBridge");
        };
        assert_eq!(request.request_type, "Delete");
        assert_eq!(request.properties["DestinationName"], "d");
    }

    #[test]
    fn an_update_or_delete_with_an_empty_physical_id_is_malformed() {
        for request_type in ["Update", "Delete"] {
            let mut request = create();
            request["RequestType"] = json!(request_type);
            request["PhysicalResourceId"] = json!("");
            request["OldResourceProperties"] = json!({});
            let Incoming::Malformed { problem, .. } = classify(request.clone()) else {
                panic!("{request_type} with an empty id not classified as malformed");
            };
            assert!(problem.contains("PhysicalResourceId is empty"), "{problem}");
            request.as_object_mut().map(|o| o.remove("ResponseURL"));
            let Incoming::Unrecognised(problem) = classify(request) else {
                panic!("provider {request_type} with an empty id accepted");
            };
            assert!(problem.contains("PhysicalResourceId is empty"), "{problem}");
        }
    }

    #[test]
    fn an_audit_names_its_regions_or_none() {
        let Incoming::Audit(plain) = classify(json!({"Audit": {}})) else {
            panic!("not an audit");
        };
        assert_eq!(plain.regions, None);
        let Incoming::Audit(listed) = classify(json!({"Audit": {"Regions": ["eu-west-1"]}})) else {
            panic!("not an audit");
        };
        assert_eq!(listed.regions, Some(vec!["eu-west-1".to_owned()]));
        let Incoming::Unrecognised(problem) = classify(json!({"Audit": {"Regions": "x"}})) else {
            panic!("a broken audit accepted");
        };
        assert!(problem.contains("not a valid audit request"), "{problem}");
    }

    #[test]
    fn a_request_without_response_url_is_for_the_provider_framework() {
        let mut request = create();
        request.as_object_mut().map(|o| o.remove("ResponseURL"));
        let Incoming::Provider(request) = classify(request) else {
            panic!("not a provider request");
        };
        assert_eq!(request.kind, RequestKind::Create);
        assert_eq!(request.target.logical_resource_id, "Destination");
    }
}
