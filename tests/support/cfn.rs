//! CloudFormation custom-resource request bodies, shaped like the real ones
//! (see shared reference: every scalar property arrives as a string).

use serde_json::{json, Map, Value};

pub const ACCOUNT: &str = "123456789012";
pub const SERVICE_TOKEN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:cfn-logs-destination";
pub const RESOURCE_TYPE: &str = "Custom::LogsDestination";

/// A request of `request_type` ("Create", "Update", "Delete") for a new stack.
/// `properties` must be a JSON object; `ServiceToken` is added if missing.
/// Update/Delete fields are not filled in: use [`update_request`] and
/// [`delete_request`] for those, or edit the returned value.
pub fn cfn_request(
    request_type: &str,
    response_url: &str,
    logical_id: &str,
    properties: Value,
) -> Value {
    json!({
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": response_url,
        "StackId": format!(
            "arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/test-stack/{}",
            super::uuid_like()
        ),
        "RequestId": super::uuid_like(),
        "LogicalResourceId": logical_id,
        "ResourceType": RESOURCE_TYPE,
        "ResourceProperties": with_service_token(properties),
    })
}

/// `cfn_request("Create", ...)`.
pub fn create_request(response_url: &str, logical_id: &str, properties: Value) -> Value {
    cfn_request("Create", response_url, logical_id, properties)
}

/// The Update that follows `previous` (a Create or Update request) in the
/// same stack: same StackId and LogicalResourceId, a new RequestId,
/// `OldResourceProperties` = the previous properties.
pub fn update_request(
    previous: &Value,
    response_url: &str,
    physical_id: &str,
    new_properties: Value,
) -> Value {
    let mut req = follow_up(previous, "Update", response_url, physical_id);
    req["OldResourceProperties"] = previous["ResourceProperties"].clone();
    req["ResourceProperties"] = with_service_token(new_properties);
    req
}

/// The Delete that follows `previous` in the same stack; it carries the last
/// properties, as CloudFormation's does.
pub fn delete_request(previous: &Value, response_url: &str, physical_id: &str) -> Value {
    follow_up(previous, "Delete", response_url, physical_id)
}

/// `request` delivered through an SNS-backed custom resource: the request
/// JSON as a string in `Records[0].Sns.Message`.
pub fn sns_event(request: &Value) -> Value {
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": format!(
                "arn:aws:sns:us-east-1:{ACCOUNT}:cfn-custom-resources:{}",
                super::uuid_like()
            ),
            "Sns": {
                "Type": "Notification",
                "MessageId": super::uuid_like(),
                "TopicArn": format!("arn:aws:sns:us-east-1:{ACCOUNT}:cfn-custom-resources"),
                "Subject": "AWS CloudFormation custom resource request",
                "Message": request.to_string(),
                "Timestamp": "2026-11-26T10:15:00.000Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}
            }
        }]
    })
}

/// An EventBridge event asking for provisioning (`detail` = `{RequestType, ResourceProperties}`),
/// shaped as EventBridge delivers it to a rule's target.
pub fn eventbridge_event(request_type: &str, properties: Value) -> Value {
    json!({
        "version": "0", "id": super::uuid_like(), "detail-type": "LogsDestination",
        "source": "cfn-logs-destination", "account": ACCOUNT,
        "time": "2026-11-26T10:15:30Z", "region": "us-east-1", "resources": [],
        "detail": {"RequestType": request_type, "ResourceProperties": properties},
    })
}

/// `request` as the CDK provider framework's `onEvent` gets it: without a ResponseURL.
pub fn provider_request(mut request: Value) -> Value {
    request.as_object_mut().map(|r| r.remove("ResponseURL"));
    request
}

fn follow_up(previous: &Value, request_type: &str, response_url: &str, physical_id: &str) -> Value {
    let mut req = previous.clone();
    let obj = req.as_object_mut().expect("previous request is an object");
    obj.remove("OldResourceProperties");
    obj.insert("RequestType".into(), json!(request_type));
    obj.insert("ResponseURL".into(), json!(response_url));
    obj.insert("RequestId".into(), json!(super::uuid_like()));
    obj.insert("PhysicalResourceId".into(), json!(physical_id));
    req
}

fn with_service_token(properties: Value) -> Value {
    let mut props: Map<String, Value> = match properties {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => panic!("ResourceProperties must be a JSON object, got {other}"),
    };
    props
        .entry("ServiceToken")
        .or_insert_with(|| json!(SERVICE_TOKEN));
    Value::Object(props)
}
