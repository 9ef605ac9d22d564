//! What arrived: the raw invocation payload, classified.
//!
//! The handler takes raw JSON so that a request which fails to parse still gets a FAILED reply
//! whenever a ResponseURL can be found in it: a request that is never answered hangs its stack.

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use serde_json::Value;

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
}

#[derive(Debug)]
pub enum Incoming {
    /// A CloudFormation request with a ResponseURL.
    CloudFormation(Box<CfnRequest>),
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
    let Some(response_url) = payload.get("ResponseURL").and_then(Value::as_str) else {
        return Incoming::Unrecognised(
            "expected a CloudFormation custom resource request (RequestType, ResponseURL, ...)"
                .into(),
        );
    };
    let target = ReplyTarget {
        response_url: response_url.to_owned(),
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
    let parsed = serde_json::from_value::<CloudFormationCustomResourceRequest>(payload)
        .map_err(|error| error.to_string())
        .and_then(|request| {
            kind_and_properties(request).ok_or_else(|| "unknown RequestType".to_owned())
        });
    match parsed {
        Ok((kind, properties)) => Incoming::CloudFormation(Box::new(CfnRequest {
            kind,
            target,
            properties,
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
    fn a_payload_without_response_url_is_unrecognised() {
        assert!(matches!(
            classify(json!({"hello": "world"})),
            Incoming::Unrecognised(_)
        ));
    }
}
