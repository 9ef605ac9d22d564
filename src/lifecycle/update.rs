//! Update: in place when the name stays, replacement when it changes. Either way nothing is
//! written to a destination this resource does not own.

use crate::destinations::{Destination, Destinations};
use crate::event::CfnRequest;
use crate::lifecycle::create::{create_destination, create_new};
use crate::lifecycle::ownership::{self, Found, Tags};
use crate::lifecycle::{converge, generated_name, Done, Failed, OWNER_TAG};
use crate::properties::{self, DestinationProperties};
use serde_json::Value;

pub async fn update(
    logs: &Destinations,
    request: &CfnRequest,
    owner: &str,
    current_id: &str,
    old_properties: &Value,
    function_arn: &str,
) -> Result<Done, Failed> {
    let fail = |reason: String| Failed {
        physical_resource_id: current_id.to_owned(),
        reason,
    };
    let desired = properties::parse(&request.properties).map_err(|e| fail(e.to_string()))?;
    let old = properties::parse(old_properties).ok();
    let name = requested_name(request, &desired, old.as_ref(), current_id);
    converge::check_policy_before_writing(logs, &desired, function_arn, &name).map_err(fail)?;

    if name != current_id {
        // Replacement: CloudFormation deletes the old destination after a SUCCESS. A FAILED
        // Update keeps the old id, so no rollback removes what this one left behind.
        // Adoption is for Create only.
        return match create_destination(logs, &name, &desired, owner, false).await {
            Ok(created) => Ok(Done {
                physical_resource_id: name,
                destination: Some(created.destination),
                warning: created.note,
                regional: Vec::new(),
            }),
            Err(failure) if failure.left_behind => Err(fail(format!(
                "{}; delete destination {name} if it is not needed",
                failure.reason
            ))),
            Err(failure) => Err(fail(failure.reason)),
        };
    }
    if !properties::is_valid_name(current_id) {
        return Err(fail(not_a_destination_name(current_id)));
    }

    let found = ownership::observe(logs, &name, owner, Some(&desired))
        .await
        .map_err(|e| fail(e.to_string()))?;
    let destination = update_found(
        logs,
        &name,
        found,
        &desired,
        owner,
        old.as_ref(),
        old_properties,
    )
    .await
    .map_err(fail)?;
    Ok(updated(name, destination))
}

/// The in-place Update of `name` once it has been observed (`found`): what this resource owns
/// is brought to `desired`; a vanished destination is created again; anyone else's is left.
/// `old` is the old properties as parsed (`None` when they no longer parse), `old_properties`
/// as sent.
pub async fn update_found(
    logs: &Destinations,
    name: &str,
    found: Found,
    desired: &DestinationProperties,
    owner: &str,
    old: Option<&DestinationProperties>,
    old_properties: &Value,
) -> Result<Destination, String> {
    let (current, current_tags) = match found {
        Found::Foreign { .. } => return Err(no_longer_managed(name)),
        Found::Absent => {
            // Deleted out of band: created again, with the ownership tag.
            tracing::warn!(
                destination = name,
                "the destination was gone; recreating it"
            );
            return create_new(logs, name, desired, owner)
                .await
                .map_err(|failure| failure.reason);
        }
        Found::Unfinished(destination) => (destination, Tags::new()),
        Found::Owned { destination, tags } => (destination, tags),
    };
    in_place(
        logs,
        current,
        current_tags,
        desired,
        owner,
        old,
        old_properties,
    )
    .await
}

/// The name an Update asks for: the template's; a new, generated one when the template
/// stopped naming the destination; otherwise the current one. Another name than `current_id`
/// means replacement.
pub fn requested_name(
    request: &CfnRequest,
    desired: &DestinationProperties,
    old: Option<&DestinationProperties>,
    current_id: &str,
) -> String {
    match &desired.name {
        Some(name) => name.clone(),
        None if old.is_some_and(|old| old.name.is_some()) => generated_name(&request.target),
        None => current_id.to_owned(),
    }
}

fn updated(name: String, destination: Destination) -> Done {
    Done {
        physical_resource_id: name,
        destination: Some(destination),
        warning: None,
        regional: Vec::new(),
    }
}

pub fn not_a_destination_name(id: &str) -> String {
    format!("The physical id {id:?} is not a destination name this provider created")
}

fn no_longer_managed(name: &str) -> String {
    format!(
        "Destination {name} is no longer managed by this stack resource: it exists without the \
         {OWNER_TAG} tag for it (it was probably deleted and created again outside this \
         stack). Nothing was changed. Delete that destination to let this stack recreate it, \
         or give this resource another DestinationName"
    )
}

/// Brings a destination this resource owns to the requested state.
async fn in_place(
    logs: &Destinations,
    current: Destination,
    current_tags: Tags,
    desired: &DestinationProperties,
    owner: &str,
    // The old properties as parsed (`None` when they no longer parse), and as sent.
    old: Option<&DestinationProperties>,
    old_properties: &Value,
) -> Result<Destination, String> {
    let destination = converge::target_and_role(logs, current, desired)
        .await
        .map_err(|e| e.to_string())?;

    let had_policy = old.map_or_else(
        || properties::has_policy(old_properties),
        |old| old.policy.is_some() || old.grants.is_some(),
    );
    // A removed policy becomes one that grants only the destination's own account, so no other
    // account keeps access.
    let requested = desired.access_policy(&destination.arn)?;
    if let Some(policy) = &converge::or_own_account_only(requested, &destination, had_policy) {
        converge::policy_if_changed(logs, &destination, policy, desired)
            .await
            .map_err(|e| e.to_string())?;
    }

    // Tags are set against what AWS reports; only keys the old properties set (or, when they
    // no longer parse, any key of ours) are removed, so tags added outside the stack stay.
    let old_tags = old
        .map(|old| old.tags.clone())
        .or_else(|| properties::parse_tags_only(old_properties));
    let removable: Tags = converge::without_system_tags(current_tags)
        .into_iter()
        .filter(|(key, _)| {
            key == OWNER_TAG
                || desired.tags.contains_key(key)
                || old_tags.as_ref().is_none_or(|old| old.contains_key(key))
        })
        .collect();
    let wanted = converge::tags_with_owner(desired, owner);
    converge::tags(logs, &destination, &removable, &wanted)
        .await
        .map_err(|e| e.to_string())?;
    Ok(destination)
}
