//! EventBridge-triggered provisioning: no stack and no ResponseURL; the invocation's result
//! is the answer.

use crate::destinations::{Destination, Destinations};
use crate::lifecycle::converge;
use crate::properties;
use serde_json::Value;

/// What EventBridge-triggered provisioning did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    Deleted,
    AlreadyAbsent,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
            Action::AlreadyAbsent => "already absent",
        }
    }
}

/// The sender names the destination and asks for it explicitly, so an existing destination is
/// adopted (Create/Update make it match) and Delete removes it if present.
pub async fn provision(
    logs: &Destinations,
    request_type: &str,
    properties: &Value,
) -> Result<(Action, String, Option<Destination>), String> {
    match request_type {
        "Create" | "Update" => {
            let desired = properties::parse(properties).map_err(|e| e.to_string())?;
            let name = desired.name.clone().ok_or_else(name_required)?;
            let existing = logs.find(&name).await.map_err(|e| e.to_string())?;
            let action = if existing.is_some() {
                Action::Updated
            } else {
                Action::Created
            };
            let destination = match existing {
                Some(existing) => converge::target_and_role(logs, existing, &desired).await,
                None => {
                    logs.put(&name, &desired.target_arn, &desired.role_arn)
                        .await
                }
            }
            .map_err(|e| e.to_string())?;
            if !desired.tags.is_empty() {
                logs.tag(&name, &destination.arn, &desired.tags)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            if let Some(policy) = &desired.policy {
                converge::policy_if_changed(logs, &destination, policy, desired.force_update)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok((action, name, Some(destination)))
        }
        "Delete" => {
            // Only the name matters to a Delete.
            let name = properties
                .get("DestinationName")
                .and_then(Value::as_str)
                .filter(|name| properties::is_valid_name(name))
                .ok_or_else(name_required)?;
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

fn name_required() -> String {
    "DestinationName is required for EventBridge requests (1-512 characters, no ':' or '*'): \
     there is no stack to generate one from"
        .into()
}
