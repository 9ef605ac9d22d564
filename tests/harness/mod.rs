//! What the CloudFormation end-to-end suites (`properties`, `ownership`, `reply`) share: a
//! "stack" (the compiled function behind a local Runtime API, its AWS calls going through a
//! counting proxy in front of moto, its replies recorded) and readers of moto's state.
//!
//! Each suite uses part of it, hence the `allow`.
#![allow(dead_code)]

use crate::support::*;
use aws_sdk_cloudwatchlogs::Client;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

mod audit;
#[allow(unused_imports)] // Only the audit suites use them.
pub use audit::*;
mod regions;
#[allow(unused_imports)] // Only the Regions suites use them.
pub use regions::*;

pub const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/central-logs";
pub const OTHER_TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/other-logs";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/central-logs-destination-role";
pub const OTHER_ROLE: &str = "arn:aws:iam::123456789012:role/other-destination-role";
pub const OWNER_TAG: &str = "cfn-logs-destination:owner";
/// What was last written, one hash per aspect (`v1 TargetArn=... Tags=...`): the audit's basis.
pub const FINGERPRINT_TAG: &str = "cfn-logs-destination:fingerprint";
/// A destination's owner's consent to its adoption, naming the adopter.
pub const CONSENT_TAG: &str = "cfn-logs-destination:adoptable-by";
/// The name of the stack every rig request names (`test-stack`).
pub const RIG_STACK: &str = "test-stack";
pub const LOG_GROUP: &str = "/aws/lambda/cfn-logs-destination";
pub const DEADLINE: Duration = Duration::from_secs(30);

/// One function process serving one test's requests, as Lambda would run it.
pub struct Stack {
    pub runtime: RuntimeApi,
    pub receiver: ResponseReceiver,
    /// Every CloudWatch Logs call the function makes goes through it.
    pub proxy: FaultProxy,
    pub function: Function,
    /// Straight to moto, bypassing the proxy: for arranging and checking state.
    pub logs: Client,
}

/// What one invocation did.
pub struct Answer {
    pub invocation: Invocation,
    /// The PUTs this invocation made to the stack's receiver.
    pub puts: Vec<RecordedPut>,
    /// The last of them, as JSON (`Value::Null` when there was none).
    pub reply: Value,
    /// The CloudWatch Logs operations this invocation called.
    pub calls: Vec<String>,
    /// The CloudFormation calls that checked it (`DescribeStackResource`, ...).
    pub checks: Vec<String>,
}

impl Answer {
    pub fn status(&self) -> &str {
        self.reply["Status"].as_str().unwrap_or_default()
    }

    pub fn reason(&self) -> &str {
        self.reply["Reason"].as_str().unwrap_or_default()
    }

    pub fn physical_id(&self) -> &str {
        self.reply["PhysicalResourceId"]
            .as_str()
            .unwrap_or_default()
    }

    /// Every AWS call it made: CloudWatch Logs' and CloudFormation's.
    pub fn aws_calls(&self) -> usize {
        self.calls.len() + self.checks.len()
    }
}

impl Stack {
    pub fn start() -> Stack {
        Stack::start_with(|builder| builder)
    }

    /// The provisioning function (EventBridge events only).
    pub fn provisioning() -> Stack {
        Stack::start_with(FunctionBuilder::provisioning)
    }

    /// Like [`Stack::start`], with extra settings for the function.
    pub fn start_with(configure: impl FnOnce(FunctionBuilder) -> FunctionBuilder) -> Stack {
        let moto = moto_endpoint();
        let runtime = RuntimeApi::start();
        let receiver = ResponseReceiver::start(Behaviour::Accept);
        let proxy = FaultProxy::start(&moto);
        let function = configure(Function::builder(&runtime.address(), &proxy.endpoint())).spawn();
        Stack {
            runtime,
            receiver,
            proxy,
            function,
            logs: logs_client(&moto),
        }
    }

    /// The ResponseURL of the stack's receiver.
    pub fn url(&self) -> String {
        self.receiver.url()
    }

    /// Invokes the function with `event` and returns what it did, whatever the outcome.
    pub async fn invoke(&self, event: &Value) -> Answer {
        let puts_before = self.receiver.puts().len();
        let calls_before = self.proxy.calls().len();
        let checks_before = self.proxy.cloudformation_calls().len();
        let invocation = self.runtime.invoke(event.clone(), DEADLINE).await;
        // The function posts its outcome after the reply, so every PUT has arrived by now.
        let puts: Vec<RecordedPut> = self.receiver.puts().split_off(puts_before);
        let reply = puts.last().map(RecordedPut::json).unwrap_or(Value::Null);
        Answer {
            invocation,
            puts,
            reply,
            calls: self.proxy.calls().split_off(calls_before),
            checks: self.proxy.cloudformation_calls().split_off(checks_before),
        }
    }

    /// Invokes the function with a request and checks what every request needs: the
    /// invocation succeeded and exactly one reply was PUT, copying the request's fields back.
    pub async fn send(&self, request: &Value) -> Answer {
        let answer = self.invoke(request).await;
        assert!(
            matches!(answer.invocation.outcome, Outcome::Response(_)),
            "the invocation did not end successfully: {:?}\n{}",
            answer.invocation.outcome,
            self.function.logs()
        );
        assert_eq!(
            answer.puts.len(),
            1,
            "expected one reply, got {:?}",
            answer.puts.iter().map(|p| p.body_str()).collect::<Vec<_>>()
        );
        for field in ["StackId", "RequestId", "LogicalResourceId"] {
            assert_eq!(
                answer.reply[field], request[field],
                "{field} not copied back"
            );
        }
        answer
    }

    /// [`Stack::send`], expecting SUCCESS.
    pub async fn succeed(&self, request: &Value) -> Answer {
        let answer = self.send(request).await;
        assert_eq!(answer.status(), "SUCCESS", "{}", answer.reply);
        answer
    }

    /// [`Stack::send`], expecting FAILED.
    pub async fn fail(&self, request: &Value) -> Answer {
        let answer = self.send(request).await;
        assert_eq!(answer.status(), "FAILED", "{}", answer.reply);
        answer
    }

    /// Creates a destination through the function and returns the Create request.
    pub async fn create(&self, logical_id: &str, properties: Value) -> (Value, Answer) {
        let request = create_request(&self.url(), logical_id, properties);
        let answer = self.succeed(&request).await;
        (request, answer)
    }
}

/// Operations that change something in CloudWatch Logs.
pub const WRITES: [&str; 5] = [
    "PutDestination",
    "PutDestinationPolicy",
    "DeleteDestination",
    "TagResource",
    "UntagResource",
];

/// A failed Create's id that names `name` for the rollback Delete, with the creation times
/// the Create saw: the Delete removes an untagged destination only if it is that one.
pub fn assert_names_for_rollback(id: &str, name: &str) {
    let created = id
        .strip_prefix("cfn-logs-destination:created:")
        .and_then(|rest| rest.split_once(':'));
    assert!(
        created.is_some_and(|(times, named)| named == name && times.contains('-')),
        "the reply does not name {name} for the rollback: {id}"
    );
}

pub fn writes(calls: &[String]) -> Vec<&String> {
    calls
        .iter()
        .filter(|op| WRITES.contains(&op.as_str()))
        .collect()
}

/// Required properties plus `DestinationName`.
pub fn props(name: &str) -> Value {
    json!({"DestinationName": name, "TargetArn": TARGET, "RoleArn": ROLE})
}

/// Properties that adopt an existing destination `name`, with a policy and a tag.
pub fn adopting(name: &str) -> Value {
    json!({
        "DestinationName": name,
        "TargetArn": TARGET,
        "RoleArn": ROLE,
        "DestinationPolicy": policy_for("111122223333"),
        "Tags": [{"Key": "team", "Value": "platform"}],
        "AdoptExisting": "true",
    })
}

/// `props(name)` with `key` set to `value`.
pub fn props_with(name: &str, key: &str, value: Value) -> Value {
    let mut properties = props(name);
    properties[key] = value;
    properties
}

/// A LogicalResourceId (letters and digits only, as CloudFormation requires) that no other
/// test uses, so generated names do not collide in the shared moto.
pub fn unique_logical_id(prefix: &str) -> String {
    unique_name(prefix)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// A policy letting `account` subscribe.
pub fn policy_for(account: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": account},
        "Action": "logs:PutSubscriptionFilter",
        "Resource": "*"
    }]})
}

/// A destination as moto holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub arn: String,
    pub target_arn: String,
    pub role_arn: String,
    pub policy: Option<Value>,
}

/// The destination named exactly `name`, if it exists.
pub async fn stored(logs: &Client, name: &str) -> Option<Stored> {
    destinations_named(logs, name)
        .await
        .iter()
        .find(|d| d.destination_name() == Some(name))
        .map(|d| Stored {
            arn: d.arn().unwrap_or_default().to_owned(),
            target_arn: d.target_arn().unwrap_or_default().to_owned(),
            role_arn: d.role_arn().unwrap_or_default().to_owned(),
            policy: d
                .access_policy()
                .map(|p| serde_json::from_str(p).expect("the stored policy is JSON")),
        })
}

/// The destination named `name`, which must exist.
pub async fn existing(logs: &Client, name: &str) -> Stored {
    stored(logs, name)
        .await
        .unwrap_or_else(|| panic!("destination {name} does not exist"))
}

/// Names of the destinations starting with `prefix`.
pub async fn names_with_prefix(logs: &Client, prefix: &str) -> Vec<String> {
    destinations_named(logs, prefix)
        .await
        .iter()
        .filter_map(|d| d.destination_name().map(str::to_owned))
        .collect()
}

/// The tags on `arn`.
pub async fn tags(logs: &Client, arn: &str) -> HashMap<String, String> {
    logs.list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("ListTagsForResource")
        .tags()
        .cloned()
        .unwrap_or_default()
}

/// Every principal a policy names (`"*"`, account ids, ARNs), from every statement.
pub fn principals(policy: &Value) -> Vec<String> {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            Value::Object(map) => map.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut out = Vec::new();
    for statement in &statements {
        collect(&statement["Principal"], &mut out);
        collect(&statement["NotPrincipal"], &mut out);
    }
    out
}

/// A destination made by someone else (the console, another tool), with a policy and tags.
pub async fn foreign_destination(stack: &Stack, name: &str) -> (Stored, HashMap<String, String>) {
    let created = stack
        .logs
        .put_destination()
        .destination_name(name)
        .target_arn(OTHER_TARGET)
        .role_arn(OTHER_ROLE)
        .tags("team", "someone-else")
        .send()
        .await
        .expect("PutDestination");
    stack
        .logs
        .put_destination_policy()
        .destination_name(name)
        .access_policy(policy_for("777788889999").to_string())
        .send()
        .await
        .expect("PutDestinationPolicy");
    let arn = created.destination().and_then(|d| d.arn()).expect("arn");
    let before = existing(&stack.logs, name).await;
    let before_tags = tags(&stack.logs, arn).await;
    assert_eq!(before_tags.len(), 1, "{before_tags:?}");
    (before, before_tags)
}

/// The owner of the destination `arn` agrees to its adoption by `adopter` (a stack's name or
/// StackId, or `provisioning`), as the refusal's command does.
pub async fn agree_to_adoption(logs: &Client, arn: &str, adopter: &str) {
    logs.tag_resource()
        .resource_arn(arn)
        .tags(CONSENT_TAG, adopter)
        .send()
        .await
        .expect("TagResource");
}

/// Someone deletes `name` outside the stack. AWS drops a deleted destination's tags with it;
/// moto keeps them, so they are removed too (or an ownership check would pass whatever the
/// function does).
pub async fn delete_out_of_band(logs: &Client, name: &str, arn: &str) {
    logs.delete_destination()
        .destination_name(name)
        .send()
        .await
        .expect("DeleteDestination");
    let leftover: Vec<String> = tags(logs, arn).await.into_keys().collect();
    logs.untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(leftover))
        .send()
        .await
        .expect("UntagResource");
    assert!(tags(logs, arn).await.is_empty());
}

/// The request wrote nothing, and the destination is as it was.
pub async fn assert_untouched(
    stack: &Stack,
    answer: &Answer,
    name: &str,
    before: &Stored,
    before_tags: &HashMap<String, String>,
) {
    assert_eq!(writes(&answer.calls), Vec::<&String>::new());
    assert_eq!(&existing(&stack.logs, name).await, before);
    assert_eq!(&tags(&stack.logs, &before.arn).await, before_tags);
}
