//! A CloudFormation stand-in: `DescribeStackResource`, `DescribeStacks` and
//! `DescribeStackEvents` (the Query protocol, as the SDK speaks it) answered from what the rig
//! knows of each stack.
//!
//! The rig plays CloudFormation: every CloudFormation-shaped request a test delivers through the
//! [`super::RuntimeApi`] (directly, through SNS, or as the provider framework passes it on) is
//! [`issued`], which records what CloudFormation shows while it waits for that request (the
//! shared reference, "What CloudFormation shows while it waits"). So every test through the
//! binary runs with verification on. A test that needs another state, a flow's exact one or
//! a forged request's, sets it with [`show`]; what it sets stays until it sets another.
//!
//! Like CloudFormation, the stand-in keeps each stack's events, each stamped with the time it
//! was recorded: the stack's own event when its status changes, a resource's event whenever
//! its status or id changes (that time is also its `LastUpdatedTimestamp`). A Delete delivered
//! while the resource was being created is the rollback of a failed Create: `CREATE_FAILED`,
//! the stack's rollback, then `DELETE_IN_PROGRESS`. A cleanup's `DELETE_IN_PROGRESS` of the
//! replaced id is recorded by [`cleanup`]: the rig cannot tell a genuine cleanup Delete from a
//! forged one, so the test says which it plays.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use hyper::{Response, StatusCode};
use serde_json::Value;

use super::http::{response, Body};

mod change_sets;
pub use change_sets::{change_set, RigChange};

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

impl Default for Shown {
    fn default() -> Self {
        Shown::new("", "", "")
    }
}

#[derive(Default)]
struct Known {
    shown: Shown,
    /// Set by a test: requests delivered afterwards no longer change it.
    set: bool,
    /// When the resource's status or id last changed (ms since the epoch).
    updated_ms: i64,
}

/// One stack event, as CloudFormation records it.
struct Event {
    id: String,
    logical_id: String,
    physical_id: String,
    resource_type: String,
    status: String,
    at_ms: i64,
}

/// The type of a stack's own events.
const STACK_TYPE: &str = "AWS::CloudFormation::Stack";
/// Events per DescribeStackEvents page (few, so that reading back pages is exercised).
const EVENTS_PER_PAGE: usize = 10;

/// What CloudFormation knows. One per test binary: every test's stacks have ids of their own.
#[derive(Default)]
struct State {
    /// Change set ARN → its stack and changes.
    change_sets: HashMap<String, change_sets::Kept>,
    /// `(StackId, LogicalResourceId)` → what CloudFormation shows.
    known: HashMap<(String, String), Known>,
    /// StackId → its events, oldest first.
    events: HashMap<String, Vec<Event>>,
}

fn state() -> MutexGuard<'static, State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl State {
    fn record(
        &mut self,
        stack: &str,
        logical_id: &str,
        physical_id: &str,
        kind: &str,
        status: &str,
    ) {
        let event = Event {
            id: super::uuid_like(),
            logical_id: logical_id.into(),
            physical_id: physical_id.into(),
            resource_type: kind.into(),
            status: status.into(),
            at_ms: now_ms(),
        };
        self.events.entry(stack.to_owned()).or_default().push(event);
    }

    /// The stack's status: its newest own event.
    fn stack_status(&self, stack: &str) -> Option<&str> {
        self.events
            .get(stack)?
            .iter()
            .rev()
            .find(|e| e.resource_type == STACK_TYPE)
            .map(|e| e.status.as_str())
    }

    /// CloudFormation moves `logical_id` of `stack` to `next`, recording the events that say so.
    fn change(&mut self, stack: &str, logical_id: &str, next: Shown, set: bool) {
        let key = (stack.to_owned(), logical_id.to_owned());
        let (previous, mut updated_ms) = self
            .known
            .get(&key)
            .map(|k| (k.shown.clone(), k.updated_ms))
            .unwrap_or_default();
        let stack_changes =
            !next.stack_status.is_empty() && self.stack_status(stack) != Some(&next.stack_status);
        let resource_changes = !next.resource_status.is_empty()
            && (previous.resource_status != next.resource_status
                || previous.physical_id != next.physical_id);
        // A resource settles before its stack moves on; an operation starts with the stack's
        // own event.
        let settled = !next.resource_status.ends_with("_IN_PROGRESS");
        for resource_first in [true, false] {
            if resource_first == settled && resource_changes {
                self.record(
                    stack,
                    logical_id,
                    &next.physical_id,
                    &next.resource_type,
                    &next.resource_status,
                );
                updated_ms = now_ms();
            }
            if resource_first && stack_changes {
                let name = stack_name(stack).to_owned();
                self.record(stack, &name, stack, STACK_TYPE, &next.stack_status);
            }
        }
        self.known.insert(
            key,
            Known {
                shown: next,
                set,
                updated_ms,
            },
        );
    }
}

/// Makes CloudFormation show `shown` for `logical_id` in `stack_id`, whatever is delivered next.
pub fn show(stack_id: &str, logical_id: &str, shown: Shown) {
    state().change(stack_id, logical_id, shown, true);
}

/// CloudFormation cleans up after a replacement: the stack in `stack_status`
/// (`UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`, ...), the resource settled with `current_id`, and
/// the replaced `deleting_id` being deleted now (its `DELETE_IN_PROGRESS` event).
pub fn cleanup(
    stack_id: &str,
    logical_id: &str,
    stack_status: &str,
    current_id: &str,
    deleting_id: &str,
) {
    let mut state = state();
    let resource_type = state
        .known
        .get(&(stack_id.to_owned(), logical_id.to_owned()))
        .map(|k| k.shown.resource_type.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| super::cfn::RESOURCE_TYPE.to_owned());
    let shown = Shown::new(stack_status, "UPDATE_COMPLETE", current_id).of_type(&resource_type);
    state.change(stack_id, logical_id, shown, true);
    state.record(
        stack_id,
        logical_id,
        deleting_id,
        &resource_type,
        "DELETE_IN_PROGRESS",
    );
}

/// `count` events of other resources of `stack_id` (a stack with many resources), so that
/// what a check looks for is pages back.
pub fn other_resources(stack_id: &str, count: usize) {
    let mut state = state();
    for n in 0..count {
        let logical_id = format!("Topic{n}");
        let physical_id = format!("arn:aws:sns:us-east-1:123456789012:topic-{n}");
        state.record(
            stack_id,
            &logical_id,
            &physical_id,
            "AWS::SNS::Topic",
            "CREATE_COMPLETE",
        );
    }
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
    let (Some(stack), Some(logical), Some(mut shown)) = (
        text("StackId"),
        text("LogicalResourceId"),
        shown_for(request),
    ) else {
        return;
    };
    let mut state = state();
    let previous = state.known.get(&(stack.to_owned(), logical.to_owned()));
    if previous.is_some_and(|k| k.set) {
        return;
    }
    let previous = previous.map(|k| k.shown.clone()).unwrap_or_default();
    if text("RequestType") == Some("Delete") && previous.resource_status == "CREATE_IN_PROGRESS" {
        // The Create failed: CloudFormation marks it so, with the id its reply gave, and rolls
        // the stack back.
        shown.stack_status = match previous.stack_status.as_str() {
            "UPDATE_IN_PROGRESS" => "UPDATE_ROLLBACK_IN_PROGRESS",
            _ => "ROLLBACK_IN_PROGRESS",
        }
        .into();
        let failed = Shown {
            resource_status: "CREATE_FAILED".into(),
            physical_id: shown.physical_id.clone(),
            ..previous
        };
        state.change(stack, logical, failed, false);
    }
    state.change(stack, logical, shown, false);
}

/// Whether a call is one of CloudFormation's (the Query protocol: `Action=...` in the body).
pub fn action(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.into_owned())
}

/// CloudFormation's answer to `body`, asked with credentials of `caller_account`.
pub fn answer(caller_account: &str, body: &[u8]) -> Response<Body> {
    let field = |name: &str| {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let action = field("Action");
    if action == "DescribeChangeSet" {
        return change_sets::describe(caller_account, &field);
    }
    let stack = field("StackName");
    let logical = field("LogicalResourceId");
    // Each account's CloudFormation knows only its own stacks: another account's stack "does
    // not exist", even when the rig knows it.
    if stack
        .split(':')
        .nth(4)
        .is_some_and(|account| account != caller_account)
    {
        return unknown(&format!("Stack '{}' does not exist", stack_name(&stack)));
    }
    let state = state();
    let known = &state.known;
    match action.as_str() {
        "DescribeStackResource" => match known.get(&(stack.clone(), logical.clone())) {
            Some(Known {
                shown, updated_ms, ..
            }) if !shown.resource_status.is_empty() => ok(
                &action,
                &format!(
                    "<StackResourceDetail><StackId>{}</StackId><StackName>{}</StackName>\
                     <LogicalResourceId>{}</LogicalResourceId>{}<ResourceType>{}</ResourceType>\
                     <LastUpdatedTimestamp>{}</LastUpdatedTimestamp>\
                     <ResourceStatus>{}</ResourceStatus></StackResourceDetail>",
                    escape(&stack),
                    escape(stack_name(&stack)),
                    escape(&logical),
                    match shown.physical_id.as_str() {
                        "" => String::new(),
                        id => format!("<PhysicalResourceId>{}</PhysicalResourceId>", escape(id)),
                    },
                    escape(&shown.resource_type),
                    timestamp(*updated_ms),
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
        "DescribeStacks" => match state.stack_status(&stack) {
            Some(status) => ok(
                &action,
                &format!(
                    "<Stacks><member><StackName>{}</StackName><StackId>{}</StackId>\
                     <CreationTime>2026-11-26T10:00:00Z</CreationTime>\
                     <StackStatus>{}</StackStatus></member></Stacks>",
                    escape(stack_name(&stack)),
                    escape(&stack),
                    escape(status)
                ),
            ),
            None => unknown(&format!("Stack with id {stack} does not exist")),
        },
        "DescribeStackEvents" => match state.events.get(&stack) {
            Some(events) => {
                // Newest first, a page at a time; the token says where the next page starts.
                let from = match field("NextToken").as_str() {
                    "" => Some(0),
                    token => token
                        .strip_prefix("events-")
                        .and_then(|n| n.parse::<usize>().ok()),
                };
                let Some(from) = from else {
                    return unknown("Invalid NextToken");
                };
                let page: String = events
                    .iter()
                    .rev()
                    .skip(from)
                    .take(EVENTS_PER_PAGE)
                    .map(|e| event_xml(&stack, e))
                    .collect();
                let next = from + EVENTS_PER_PAGE;
                let token = if next < events.len() {
                    format!("<NextToken>events-{next}</NextToken>")
                } else {
                    String::new()
                };
                ok(
                    &action,
                    &format!("<StackEvents>{page}</StackEvents>{token}"),
                )
            }
            None => unknown(&format!("Stack [{}] does not exist", stack_name(&stack))),
        },
        other => error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!("the rig's CloudFormation does not answer {other}"),
        ),
    }
}

fn event_xml(stack: &str, event: &Event) -> String {
    format!(
        "<member><StackId>{}</StackId><EventId>{}</EventId><StackName>{}</StackName>\
         <LogicalResourceId>{}</LogicalResourceId><PhysicalResourceId>{}</PhysicalResourceId>\
         <ResourceType>{}</ResourceType><Timestamp>{}</Timestamp>\
         <ResourceStatus>{}</ResourceStatus></member>",
        escape(stack),
        escape(&event.id),
        escape(stack_name(stack)),
        escape(&event.logical_id),
        escape(&event.physical_id),
        escape(&event.resource_type),
        timestamp(event.at_ms),
        escape(&event.status),
    )
}

/// ISO 8601 with milliseconds, as CloudFormation writes its times.
fn timestamp(ms: i64) -> String {
    use aws_sdk_cloudwatchlogs::primitives::{DateTime, DateTimeFormat};
    DateTime::from_millis(ms)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
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
