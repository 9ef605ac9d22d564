//! The stand-in's change sets: `DescribeChangeSet`, for the preview.

use hyper::{Response, StatusCode};
use serde_json::Value;

use super::super::http::Body;
use super::{error, escape, ok, stack_name, state, unknown};

/// One resource change of a change set, as a test arranges it: the properties before and
/// after (`None`: no context), which the stand-in writes as CloudFormation does, a JSON string
/// `{"Properties": {...}}`.
#[derive(Clone, Debug, Default)]
pub struct RigChange {
    pub action: String,
    pub logical_id: String,
    pub physical_id: String,
    pub resource_type: String,
    pub replacement: String,
    pub policy_action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl RigChange {
    /// A change of a `Custom::LogsDestination`.
    pub fn new(action: &str, logical_id: &str, physical_id: &str) -> RigChange {
        RigChange {
            action: action.into(),
            logical_id: logical_id.into(),
            physical_id: physical_id.into(),
            resource_type: super::super::cfn::RESOURCE_TYPE.into(),
            replacement: if action == "Modify" { "False" } else { "" }.into(),
            policy_action: if action == "Remove" { "Delete" } else { "" }.into(),
            before: None,
            after: None,
        }
    }

    pub fn before(self, properties: Value) -> RigChange {
        RigChange {
            before: Some(properties),
            ..self
        }
    }

    pub fn after(self, properties: Value) -> RigChange {
        RigChange {
            after: Some(properties),
            ..self
        }
    }

    pub fn of_type(self, resource_type: &str) -> RigChange {
        RigChange {
            resource_type: resource_type.into(),
            ..self
        }
    }
}

pub(super) struct Kept {
    stack_id: String,
    changes: Vec<RigChange>,
}

/// Changes per DescribeChangeSet page (few, so that paging is exercised).
const CHANGES_PER_PAGE: usize = 2;

/// A change set of `stack_id` holding `changes`; returns its ARN.
pub fn change_set(stack_id: &str, changes: Vec<RigChange>) -> String {
    let mut parts = stack_id.split(':');
    let (region, account) = (
        parts.nth(3).unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let arn = format!(
        "arn:aws:cloudformation:{region}:{account}:changeSet/preview-{}/{}",
        super::super::unique_suffix(),
        super::super::uuid_like()
    );
    state().change_sets.insert(
        arn.clone(),
        Kept {
            stack_id: stack_id.to_owned(),
            changes,
        },
    );
    arn
}

/// DescribeChangeSet, as CloudFormation answers it: by ARN, to the change set's own account,
/// a page of changes at a time; the property values (`BeforeContext`, `AfterContext`, and each
/// changed property's `BeforeValue` and `AfterValue`) only when `IncludePropertyValues=true`.
pub(super) fn describe(caller_account: &str, field: &dyn Fn(&str) -> String) -> Response<Body> {
    let id = field("ChangeSetName");
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "ChangeSetNotFound",
            &format!("ChangeSet [{id}] does not exist"),
        )
    };
    if id
        .split(':')
        .nth(4)
        .is_some_and(|account| account != caller_account)
    {
        return not_found();
    }
    let state = state();
    let Some(kept) = state.change_sets.get(&id) else {
        return not_found();
    };
    let values = field("IncludePropertyValues") == "true";
    let from = match field("NextToken").as_str() {
        "" => 0,
        token => match token
            .strip_prefix("changes-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(from) => from,
            None => return unknown("Invalid NextToken"),
        },
    };
    let page: String = kept
        .changes
        .iter()
        .skip(from)
        .take(CHANGES_PER_PAGE)
        .map(|change| change_xml(change, values))
        .collect();
    let next = from + CHANGES_PER_PAGE;
    let token = if next < kept.changes.len() {
        format!("<NextToken>changes-{next}</NextToken>")
    } else {
        String::new()
    };
    let name = id.split('/').nth(1).unwrap_or_default();
    ok(
        "DescribeChangeSet",
        &format!(
            "<ChangeSetName>{}</ChangeSetName><ChangeSetId>{}</ChangeSetId><StackId>{}</StackId>\
             <StackName>{}</StackName><ExecutionStatus>AVAILABLE</ExecutionStatus>\
             <Status>CREATE_COMPLETE</Status><CreationTime>2026-11-26T10:00:00Z</CreationTime>\
             <Changes>{page}</Changes>{token}",
            escape(name),
            escape(&id),
            escape(&kept.stack_id),
            escape(stack_name(&kept.stack_id)),
        ),
    )
}

fn change_xml(change: &RigChange, values: bool) -> String {
    let element = |name: &str, value: &str| {
        if value.is_empty() {
            String::new()
        } else {
            format!("<{name}>{}</{name}>", escape(value))
        }
    };
    let context = |properties: &Option<Value>, name: &str| match properties {
        Some(properties) if values => element(
            name,
            &serde_json::json!({"Properties": properties}).to_string(),
        ),
        _ => String::new(),
    };
    // One detail per top-level property that differs, as CloudFormation lists them.
    let empty = serde_json::Map::new();
    let members = |p: &Option<Value>| p.as_ref().and_then(Value::as_object).cloned();
    let (before, after) = (members(&change.before), members(&change.after));
    let mut names: Vec<&String> = before
        .as_ref()
        .unwrap_or(&empty)
        .keys()
        .chain(after.as_ref().unwrap_or(&empty).keys())
        .collect();
    names.sort();
    names.dedup();
    let details: String = if change.action == "Modify" {
        names
            .into_iter()
            .filter_map(|name| {
                let old = before.as_ref().and_then(|b| b.get(name));
                let new = after.as_ref().and_then(|a| a.get(name));
                if old == new {
                    return None;
                }
                let text = |v: Option<&Value>| match v {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                let change_type = match (old, new) {
                    (None, _) => "Add",
                    (_, None) => "Remove",
                    _ => "Modify",
                };
                let values = if values {
                    format!(
                        "{}{}",
                        element("BeforeValue", &text(old)),
                        element("AfterValue", &text(new))
                    )
                } else {
                    String::new()
                };
                Some(format!(
                    "<member><Target><Attribute>Properties</Attribute><Name>{}</Name>\
                     <RequiresRecreation>Never</RequiresRecreation><Path>/Properties/{}</Path>\
                     {values}<AttributeChangeType>{change_type}</AttributeChangeType></Target>\
                     <Evaluation>Static</Evaluation><ChangeSource>DirectModification</ChangeSource>\
                     </member>",
                    escape(name),
                    escape(name)
                ))
            })
            .collect()
    } else {
        String::new()
    };
    format!(
        "<member><Type>Resource</Type><ResourceChange>{}{}{}{}{}{}{}<Details>{details}</Details>\
         {}{}</ResourceChange></member>",
        element("PolicyAction", &change.policy_action),
        element("Action", &change.action),
        element("LogicalResourceId", &change.logical_id),
        element("PhysicalResourceId", &change.physical_id),
        element("ResourceType", &change.resource_type),
        element("Replacement", &change.replacement),
        if change.action == "Modify" {
            "<Scope><member>Properties</member></Scope>"
        } else {
            ""
        },
        context(&change.before, "BeforeContext"),
        context(&change.after, "AfterContext"),
    )
}
