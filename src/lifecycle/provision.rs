//! EventBridge-triggered provisioning: no stack and no ResponseURL; the invocation's result
//! is the answer.
//!
//! Whoever may put events on the provisioning bus can reach this path, so it is held to what
//! it may manage: names under the configured prefix, and destinations that provisioning
//! created (they carry the ownership tag with the value [`PROVISIONING_OWNER`]). Anything else
//! is refused before any write, unless the event explicitly asks to adopt a destination that no
//! stack resource manages.

use crate::destinations::{AwsError, Destination, Destinations};
use crate::lifecycle::create::{create_new, finish};
use crate::lifecycle::ownership::{self, Found};
use crate::lifecycle::{adopt, converge, OWNER_TAG};
use crate::properties::{self, DestinationProperties};
use serde_json::Value;

/// The ownership tag's value on destinations that provisioning created. A stack resource's
/// value always has the form `stack/uuid/LogicalId`, so the two never meet.
pub const PROVISIONING_OWNER: &str = "eventbridge-provisioning";

/// What EventBridge-triggered provisioning did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    Adopted,
    Deleted,
    AlreadyAbsent,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Adopted => "adopted",
            Action::Deleted => "deleted",
            Action::AlreadyAbsent => "already absent",
        }
    }
}

/// Carries out one provisioning request. `name_prefix` is the function's setting (empty: any
/// name).
pub async fn provision(
    logs: &Destinations,
    request_type: &str,
    properties: &Value,
    name_prefix: &str,
    function_arn: &str,
) -> Result<(Action, String, Option<Destination>), String> {
    match request_type {
        "Create" | "Update" => {
            let desired = properties::parse(properties).map_err(|e| e.to_string())?;
            let name = desired.name.clone().ok_or_else(name_required)?;
            check_prefix(&name, name_prefix)?;
            converge::check_policy_before_writing(logs, &desired, function_arn, &name)?;
            let (action, destination) = put(logs, &name, &desired).await?;
            Ok((action, name, Some(destination)))
        }
        "Delete" => {
            // Only the name (and an explicit adoption) matter to a Delete; the rest, when it is
            // valid, recognises an interrupted creation.
            let name = properties
                .get("DestinationName")
                .and_then(Value::as_str)
                .filter(|name| properties::is_valid_name(name))
                .ok_or_else(name_required)?;
            check_prefix(name, name_prefix)?;
            let adopt = properties.get("AdoptExisting").is_some_and(|v| {
                v == true || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
            });
            let desired = properties::parse(properties).ok();
            let found = ownership::observe(logs, name, PROVISIONING_OWNER, desired.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let may_delete = match &found {
                Found::Absent => return Ok((Action::AlreadyAbsent, name.to_owned(), None)),
                Found::Owned { .. } | Found::Unfinished(_) => true,
                Found::Foreign { tags, .. } => adopt && !tags.contains_key(OWNER_TAG),
            };
            if !may_delete {
                return Err(refused(name, &found));
            }
            let deleted = logs.delete(name).await.map_err(|e| e.to_string())?;
            let action = if deleted {
                Action::Deleted
            } else {
                Action::AlreadyAbsent
            };
            Ok((action, name.to_owned(), None))
        }
        other => Err(format!(
            "RequestType must be Create, Update or Delete (got {other:?})"
        )),
    }
}

/// Create or Update: makes the destination match the event.
async fn put(
    logs: &Destinations,
    name: &str,
    desired: &DestinationProperties,
) -> Result<(Action, Destination), String> {
    let found = ownership::observe(logs, name, PROVISIONING_OWNER, Some(desired))
        .await
        .map_err(|e| e.to_string())?;
    let failure = |f: crate::lifecycle::create::CreateFailure| f.reason;
    match found {
        Found::Absent => create_new(logs, name, desired, PROVISIONING_OWNER)
            .await
            .map(|d| (Action::Created, d))
            .map_err(failure),
        Found::Unfinished(destination) => finish(
            logs,
            destination,
            desired,
            PROVISIONING_OWNER,
            &Default::default(),
        )
        .await
        .map(|d| (Action::Created, d))
        .map_err(failure),
        Found::Owned { destination, tags } => update(logs, destination, tags, desired)
            .await
            .map(|d| (Action::Updated, d))
            .map_err(|e| e.to_string()),
        Found::Foreign { destination, tags } if desired.adopt_existing => {
            adopt::adopt(logs, destination, tags, desired, PROVISIONING_OWNER)
                .await
                .map(|adopted| {
                    tracing::info!(destination = name, note = adopted.note, "adopted");
                    (Action::Adopted, adopted.destination)
                })
                .map_err(failure)
        }
        found @ Found::Foreign { .. } => Err(refused(name, &found)),
    }
}

/// The event is the whole requested state: target, role and tags are made to match, the policy
/// when it is given.
async fn update(
    logs: &Destinations,
    current: Destination,
    tags: ownership::Tags,
    desired: &DestinationProperties,
) -> Result<Destination, AwsError> {
    let destination = converge::target_and_role(logs, current, desired).await?;
    let wanted = converge::tags_with_owner(desired, PROVISIONING_OWNER);
    converge::tags(
        logs,
        &destination,
        &converge::without_system_tags(tags),
        &wanted,
    )
    .await?;
    converge::requested_policy(logs, &destination, desired).await?;
    Ok(destination)
}

fn check_prefix(name: &str, prefix: &str) -> Result<(), String> {
    if name.starts_with(prefix) {
        return Ok(());
    }
    Err(format!(
        "Refused: destination {name} is outside what provisioning may manage (names must start \
         with {prefix:?}, the function's PROVISIONING_NAME_PREFIX); nothing was changed"
    ))
}

fn refused(name: &str, found: &Found) -> String {
    let whose = match found {
        Found::Foreign { tags, .. } => match tags.get(OWNER_TAG) {
            Some(owner) => format!("it is managed by {owner:?}, not by provisioning"),
            None => format!(
                "provisioning did not create it (it has no {OWNER_TAG}={PROVISIONING_OWNER} \
                 tag); send AdoptExisting: true to take it over"
            ),
        },
        _ => "it is not provisioning's".into(),
    };
    format!("Refused: destination {name} exists and {whose}; nothing was changed")
}

fn name_required() -> String {
    "DestinationName is required for EventBridge requests (1-512 characters, no ':' or '*'): \
     there is no stack to generate one from"
        .into()
}
