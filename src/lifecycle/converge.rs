//! Bringing a destination this resource holds to the requested state, one aspect at a time,
//! each only when it differs (every call is a stack deploy's wait).

use crate::destinations::{AwsError, Destination, Destinations};
use crate::lifecycle::ownership::Tags;
use crate::lifecycle::OWNER_TAG;
use crate::properties::{DestinationProperties, Policy};
use serde_json::json;

/// The user's tags plus the ownership tag.
pub fn tags_with_owner(desired: &DestinationProperties, owner: &str) -> Tags {
    let mut tags = desired.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), owner.to_owned());
    tags
}

/// PutDestination when the target or role differ from what AWS reports.
pub async fn target_and_role(
    logs: &Destinations,
    current: Destination,
    desired: &DestinationProperties,
) -> Result<Destination, AwsError> {
    if current.target_arn == desired.target_arn && current.role_arn == desired.role_arn {
        return Ok(current);
    }
    let updated = logs
        .repoint(&current.name, &desired.target_arn, &desired.role_arn)
        .await?;
    // PutDestination's answer may leave out what it did not change.
    Ok(Destination {
        access_policy: updated.access_policy.or(current.access_policy),
        creation_time_ms: updated.creation_time_ms.or(current.creation_time_ms),
        ..updated
    })
}

pub async fn policy_if_changed(
    logs: &Destinations,
    destination: &Destination,
    policy: &Policy,
    force_update: bool,
) -> Result<(), AwsError> {
    if policy.same_as(destination.access_policy.as_deref()) {
        return Ok(());
    }
    logs.put_policy(&destination.name, &policy.text, force_update)
        .await
}

/// Tags `desired` has that `current` lacks or differs on are set; keys only `current` has are
/// removed. Pass as `current` only the tags this resource may remove.
pub async fn tags(
    logs: &Destinations,
    destination: &Destination,
    current: &Tags,
    desired: &Tags,
) -> Result<(), AwsError> {
    let to_set: Tags = desired
        .iter()
        .filter(|(key, value)| current.get(*key) != Some(*value))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let to_remove: Vec<String> = current
        .keys()
        .filter(|key| !desired.contains_key(*key))
        .cloned()
        .collect();
    if !to_remove.is_empty() {
        logs.untag(&destination.name, &destination.arn, &to_remove)
            .await?;
    }
    if !to_set.is_empty() {
        logs.tag(&destination.name, &destination.arn, &to_set)
            .await?;
    }
    Ok(())
}

/// Tags AWS manages (`aws:`) can be neither set nor removed by us.
pub fn without_system_tags(tags: Tags) -> Tags {
    tags.into_iter()
        .filter(|(key, _)| !key.starts_with("aws:"))
        .collect()
}

/// Replaces a removed policy: only the destination's own account may subscribe.
pub fn own_account_only_policy(destination: &Destination) -> Policy {
    let account = destination.arn.split(':').nth(4).unwrap_or_default();
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OwnAccountOnly",
            "Effect": "Allow",
            "Principal": {"AWS": account},
            "Action": "logs:PutSubscriptionFilter",
            "Resource": destination.arn,
        }]
    });
    Policy {
        text: document.to_string(),
        document,
    }
}
