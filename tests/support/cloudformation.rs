//! A CloudFormation stand-in: `DescribeStackResource` and `DescribeStacks` (the Query
//! protocol, as the SDK speaks it) answered from what the rig knows of each stack.
//!
//! The rig plays CloudFormation: every CloudFormation-shaped request a test delivers through the
//! [`super::RuntimeApi`] (directly, through SNS, or as the provider framework passes it on) is
//! [`issued`], which records what CloudFormation shows while it waits for that request (the
//! shared reference, "What CloudFormation shows while it waits"). So every test through the
//! binary runs with verification on. A test that needs another state, a flow's exact one or
//! a forged request's, sets it with [`show`]; what it sets stays until it sets another.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use hyper::{Response, StatusCode};
use serde_json::Value;

use super::http::{response, Body};

/// What CloudFormation shows for one resource of one stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub stack_status: String,
    pub resource_type: String,
    pub resource_status: String,
    /// Empty while CloudFormation has none.
    pub physical_id: String,
}

impl Shown {
    pub fn new(stack_status: &str, resource_status: &str, physical_id: &str) -> Shown {
        Shown {
            stack_status: stack_status.into(),
            resource_type: super::cfn::RESOURCE_TYPE.into(),
            resource_status: resource_status.into(),
            physical_id: physical_id.into(),
        }
    }

    pub fn of_type(self, resource_type: &str) -> Shown {
        Shown {
            resource_type: resource_type.into(),
            ..self
        }
    }
}

#[derive(Default)]
struct Known {
    shown: Shown,
    /// Set by a test: requests delivered afterwards no longer change it.
    set: bool,
}

impl Default for Shown {
    fn default() -> Self {
        Shown::new("", "", "")
    }
}

/// `(StackId, LogicalResourceId)` → what CloudFormation shows. One table per test binary:
/// every test's stacks have ids of their own.
fn known() -> &'static Mutex<HashMap<(String, String), Known>> {
    static KNOWN: OnceLock<Mutex<HashMap<(String, String), Known>>> = OnceLock::new();
    KNOWN.get_or_init(Mutex::default)
}

/// Makes CloudFormation show `shown` for `logical_id` in `stack_id`, whatever is delivered next.
pub fn show(stack_id: &str, logical_id: &str, shown: Shown) {
    let mut known = known().lock().unwrap_or_else(|p| p.into_inner());
    known.insert(
        (stack_id.to_owned(), logical_id.to_owned()),
        Known { shown, set: true },
    );
}

/// `request` (a Create, Update or Delete) as CloudFormation shows it while waiting for it.
pub fn shown_for(request: &Value) -> Option<Shown> {
    let text = |key: &str| request.get(key).and_then(Value::as_str);
    let (stack, resource) = match text("RequestType")? {
        "Create" => ("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"),
        "Update" => ("UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"),
        "Delete" => ("DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS"),
        _ => return None,
    };
    let physical_id = text("PhysicalResourceId").unwrap_or_default();
    let resource_type = text("ResourceType").unwrap_or(super::cfn::RESOURCE_TYPE);
    Some(Shown::new(stack, resource, physical_id).of_type(resource_type))
}

/// Notes that CloudFormation issued the request(s) in `event`, unless a test set the state.
pub fn issued(event: &Value) {
    let inner;
    let request = match event
        .pointer("/Records/0/Sns/Message")
        .and_then(Value::as_str)
    {
        Some(message) => {
            let Ok(parsed) = serde_json::from_str::<Value>(message) else {
                return;
            };
            inner = parsed;
            &inner
        }
        None => event,
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str);
    let (Some(stack), Some(logical), Some(shown)) = (
        text("StackId"),
        text("LogicalResourceId"),
        shown_for(request),
    ) else {
        return;
    };
    let mut known = known().lock().unwrap_or_else(|p| p.into_inner());
    let entry = known
        .entry((stack.to_owned(), logical.to_owned()))
        .or_default();
    if !entry.set {
        entry.shown = shown;
    }
}

/// Whether a call is one of CloudFormation's (the Query protocol: `Action=...` in the body).
pub fn action(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.into_owned())
}

/// CloudFormation's answer to `body`.
pub fn answer(body: &[u8]) -> Response<Body> {
    let field = |name: &str| {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let action = field("Action");
    let stack = field("StackName");
    let logical = field("LogicalResourceId");
    let known = known().lock().unwrap_or_else(|p| p.into_inner());
    match action.as_str() {
        "DescribeStackResource" => match known.get(&(stack.clone(), logical.clone())) {
            Some(Known { shown, .. }) if !shown.resource_status.is_empty() => ok(
                &action,
                &format!(
                    "<StackResourceDetail><StackId>{}</StackId><StackName>{}</StackName>\
                     <LogicalResourceId>{}</LogicalResourceId>{}<ResourceType>{}</ResourceType>\
                     <LastUpdatedTimestamp>2026-11-26T10:15:00Z</LastUpdatedTimestamp>\
                     <ResourceStatus>{}</ResourceStatus></StackResourceDetail>",
                    escape(&stack),
                    escape(stack_name(&stack)),
                    escape(&logical),
                    match shown.physical_id.as_str() {
                        "" => String::new(),
                        id => format!("<PhysicalResourceId>{}</PhysicalResourceId>", escape(id)),
                    },
                    escape(&shown.resource_type),
                    escape(&shown.resource_status),
                ),
            ),
            // A stack the rig knows, without this resource (or with none shown yet).
            _ if known.keys().any(|(s, _)| *s == stack) => unknown(&format!(
                "Resource {logical} does not exist for stack {}",
                stack_name(&stack)
            )),
            _ => unknown(&format!("Stack '{}' does not exist", stack_name(&stack))),
        },
        "DescribeStacks" => {
            let status = known
                .iter()
                .find(|((s, _), _)| *s == stack)
                .map(|(_, k)| k.shown.stack_status.clone());
            match status {
                Some(status) => ok(
                    &action,
                    &format!(
                        "<Stacks><member><StackName>{}</StackName><StackId>{}</StackId>\
                         <CreationTime>2026-11-26T10:00:00Z</CreationTime>\
                         <StackStatus>{}</StackStatus></member></Stacks>",
                        escape(stack_name(&stack)),
                        escape(&stack),
                        escape(&status)
                    ),
                ),
                None => unknown(&format!("Stack with id {stack} does not exist")),
            }
        }
        other => error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!("the rig's CloudFormation does not answer {other}"),
        ),
    }
}

/// `arn:...:stack/NAME/UUID` → NAME.
fn stack_name(stack: &str) -> &str {
    stack.split('/').nth(1).unwrap_or(stack)
}

fn ok(action: &str, result: &str) -> Response<Body> {
    let body = format!(
        "<{action}Response xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">\
         <{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{}</RequestId>\
         </ResponseMetadata></{action}Response>",
        super::uuid_like()
    );
    response(StatusCode::OK, "text/xml", body)
}

fn unknown(message: &str) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, "ValidationError", message)
}

pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error>\
         <Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}\
         </RequestId></ErrorResponse>",
        escape(message),
        super::uuid_like()
    );
    response(status, "text/xml", body)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
