//! From a change set's resource changes to the requests CloudFormation would send this
//! provider when it executes it: which changes are this provider's, their properties as a
//! request carries them, and the values CloudFormation will know only after applying.

use crate::event::{CfnRequest, ReplyTarget, RequestKind};
use crate::lifecycle::origin::SERVED_TYPES;
use crate::stacks::ResourceChange;
use serde_json::Value;

/// What CloudFormation writes in a change set for a value it will know only once it applies
/// the change set (an attribute of a resource it has not created yet, an export made by it).
pub const KNOWN_AFTER_APPLY: &str = "{{changeSet:KNOWN_AFTER_APPLY}}";

/// The request id the previewed requests carry: CloudFormation picks the real one, and only a
/// generated name depends on it.
pub const PREVIEW_REQUEST_ID: &str = "preview";

/// Which changes are this provider's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// A `ServiceToken` that marks a change as this provider's whatever its type (the
    /// function's ARN); `None`: only its type does.
    pub token: Option<String>,
    /// Whether a `Custom::LogsDestination` with another `ServiceToken` is left out (the
    /// function previews only its own resources).
    pub only_this_token: bool,
    /// The account whose destinations are read: a resource whose `ServiceToken` is a function
    /// of another account keeps its destinations there, and is left out.
    pub account: String,
}

/// One change of this provider's resources, and the requests that carry it out.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposed {
    pub logical_id: String,
    pub resource_type: String,
    /// The change set's action (`Add`, `Modify`, `Remove`), or `Proposed` for properties given
    /// by hand.
    pub change: String,
    /// The request CloudFormation sends first; `None` when it sends none (see `note`).
    pub request: Option<CfnRequest>,
    /// A replacement CloudFormation decided on itself (`Replacement: True`): the Delete of the
    /// old resource it sends during cleanup.
    pub cleanup: Option<CfnRequest>,
    /// Where the new properties hold a value known only after applying (`TargetArn`,
    /// `Tags[1].Value`, ...).
    pub known_after_apply: Vec<String>,
    pub note: Option<String>,
    /// Without a request: whether the preview cannot tell (unreadable values, an action it
    /// does not know) rather than knows that nothing happens.
    pub undecidable: bool,
}

/// A change that is not previewed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub logical_id: String,
    pub resource_type: String,
    pub why: String,
}

/// Whether `change` is this provider's: `Err` a custom resource left out, with why; `None` any
/// other resource (left out silently: the preview says nothing about them).
fn served(
    change: &ResourceChange,
    properties: Option<&Value>,
    served: &Served,
) -> Option<Result<(), String>> {
    let token = properties
        .and_then(|p| p.get("ServiceToken"))
        .and_then(Value::as_str);
    let ours = match (&served.token, token) {
        (Some(mine), Some(token)) => same_function(mine, token),
        _ => false,
    };
    let other_provider = || Err("its ServiceToken is not this provider's function".to_owned());
    let elsewhere = token
        .filter(|t| t.contains(":lambda:"))
        .and_then(|t| t.split(':').nth(4))
        .filter(|account| !served.account.is_empty() && *account != served.account);
    if let (Some(account), true) = (
        elsewhere,
        SERVED_TYPES.contains(&change.resource_type.as_str()),
    ) {
        return Some(Err(format!(
            "its provider (ServiceToken) is a function of account {account}, which keeps its \
             destinations there: preview it with that account's credentials"
        )));
    }
    if change.resource_type == SERVED_TYPES[0] {
        Some(if ours || !served.only_this_token {
            Ok(())
        } else {
            other_provider()
        })
    } else if SERVED_TYPES.contains(&change.resource_type.as_str()) {
        Some(if ours { Ok(()) } else { other_provider() })
    } else if change.resource_type.starts_with("Custom::") && ours {
        Some(Err(format!(
            "the function serves only {}: CloudFormation's requests for this type are refused",
            SERVED_TYPES.join(" and ")
        )))
    } else {
        None
    }
}

/// Two function ARNs name the same function whatever their version or alias qualifier.
pub fn same_function(a: &str, b: &str) -> bool {
    let unqualified = |arn: &str| arn.splitn(8, ':').take(7).collect::<Vec<_>>().join(":");
    !a.is_empty() && unqualified(a) == unqualified(b)
}

/// The changes of `changes` that are this provider's, as requests to stack `stack_id`.
pub fn proposed(
    changes: &[ResourceChange],
    stack_id: &str,
    this: &Served,
) -> (Vec<Proposed>, Vec<Skipped>) {
    let mut proposed = Vec::new();
    let mut skipped = Vec::new();
    for change in changes {
        let before = context(change.before_context.as_deref());
        let after = context(change.after_context.as_deref());
        let properties = after
            .as_ref()
            .and_then(|a| a.as_ref().ok())
            .or(before.as_ref().and_then(|b| b.as_ref().ok()));
        match served(change, properties, this) {
            None => continue,
            Some(Err(why)) => {
                skipped.push(Skipped {
                    logical_id: change.logical_id.clone(),
                    resource_type: change.resource_type.clone(),
                    why,
                });
                continue;
            }
            Some(Ok(())) => {}
        }
        proposed.push(one(change, stack_id, before, after));
    }
    (proposed, skipped)
}

/// A context's `Properties` as a request carries them; `None` when there is no context, `Err`
/// when it cannot be read (CloudFormation cuts long values short).
fn context(text: Option<&str>) -> Option<Result<Value, String>> {
    let text = text?;
    let parsed: Result<Value, _> = serde_json::from_str(text);
    Some(match parsed {
        Ok(context) => Ok(as_sent(
            context
                .get("Properties")
                .cloned()
                .unwrap_or(Value::Object(Default::default())),
        )),
        Err(error) => Err(format!(
            "CloudFormation's property values are not readable JSON ({error}); they may have \
             been cut short"
        )),
    })
}

/// CloudFormation sends every scalar property value of a custom resource as a string.
pub fn as_sent(value: Value) -> Value {
    match value {
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(as_sent).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (key, as_sent(value)))
                .collect(),
        ),
        other => other,
    }
}

/// Where `properties` hold [`KNOWN_AFTER_APPLY`], as paths (`Regions[2]`, `Tags[0].Value`).
pub fn known_after_apply(properties: &Value) -> Vec<String> {
    fn walk(value: &Value, path: String, found: &mut Vec<String>) {
        match value {
            Value::String(s) if s == KNOWN_AFTER_APPLY => found.push(path),
            Value::Array(items) => {
                for (at, item) in items.iter().enumerate() {
                    walk(item, format!("{path}[{at}]"), found);
                }
            }
            Value::Object(members) => {
                for (key, item) in members {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(item, path, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(properties, String::new(), &mut found);
    found
}

/// The requests CloudFormation sends for `change`: Add is a Create, Modify an Update (or, when
/// CloudFormation replaces the resource itself, a Create and the old one's cleanup Delete),
/// Remove a Delete unless the DeletionPolicy keeps the resource.
fn one(
    change: &ResourceChange,
    stack_id: &str,
    before: Option<Result<Value, String>>,
    after: Option<Result<Value, String>>,
) -> Proposed {
    let mut proposed = Proposed {
        logical_id: change.logical_id.clone(),
        resource_type: change.resource_type.clone(),
        change: change.action.clone(),
        request: None,
        cleanup: None,
        known_after_apply: Vec::new(),
        note: None,
        undecidable: true,
    };
    let request = |kind, properties: Value| CfnRequest {
        kind,
        target: ReplyTarget {
            response_url: String::new(),
            stack_id: stack_id.to_owned(),
            request_id: PREVIEW_REQUEST_ID.into(),
            logical_resource_id: change.logical_id.clone(),
        },
        properties,
        resource_type: change.resource_type.clone(),
    };
    let physical_id = change.physical_id.clone();
    let (before, after) = match (before.transpose(), after.transpose()) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(problem), _) | (_, Err(problem)) => {
            proposed.note = Some(problem);
            return proposed;
        }
    };
    if let Some(after) = &after {
        proposed.known_after_apply = known_after_apply(after);
    }
    let missing = |which: &str| format!("the change set shows no {which} property values");
    match (change.action.as_str(), before, after) {
        ("Add", _, Some(after)) => proposed.request = Some(request(RequestKind::Create, after)),
        ("Modify", Some(before), Some(after)) if change.replacement == "True" => {
            proposed.request = Some(request(RequestKind::Create, after));
            proposed.cleanup = Some(request(
                RequestKind::Delete {
                    physical_resource_id: physical_id,
                },
                before,
            ));
        }
        ("Modify", Some(before), Some(after)) => {
            proposed.request = Some(request(
                RequestKind::Update {
                    physical_resource_id: physical_id,
                    old_properties: before,
                },
                after,
            ))
        }
        ("Remove", _, _) if change.policy_action.starts_with("Retain") => {
            proposed.undecidable = false;
            proposed.note = Some(
                "its DeletionPolicy is Retain: CloudFormation removes it from the stack without \
                 sending a Delete, and the destinations stay as they are"
                    .into(),
            )
        }
        ("Remove", Some(before), _) => {
            proposed.request = Some(request(
                RequestKind::Delete {
                    physical_resource_id: physical_id,
                },
                before,
            ))
        }
        ("Add", _, None) => proposed.note = Some(missing("new")),
        ("Modify", _, _) => proposed.note = Some(missing("old and new")),
        ("Remove", None, _) => proposed.note = Some(missing("old")),
        (action, _, _) => {
            proposed.note = Some(format!(
                "CloudFormation's action is {action:?}: it sends a custom resource no request \
                 the preview can foresee"
            ))
        }
    }
    proposed
}

#[cfg(test)]
#[path = "changes_tests.rs"]
mod tests;
