//! Bringing a destination this resource holds to the requested state, one aspect at a time,
//! each only when it differs (every call is a stack deploy's wait).

use crate::destinations::{AwsError, Destination, Destinations};
use crate::lifecycle::ownership::Tags;
use crate::lifecycle::{destination_arn, OWNER_TAG};
use crate::properties::{self, DestinationProperties, Policy};
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

/// PutDestinationPolicy when `policy` differs from what AWS reports. CloudWatch Logs refuses
/// to switch a policy from account principals to an organization without forceUpdate; that
/// refusal says what to do.
pub async fn policy_if_changed(
    logs: &Destinations,
    destination: &Destination,
    policy: &Policy,
    desired: &DestinationProperties,
) -> Result<(), AwsError> {
    if policy.same_as(destination.access_policy.as_deref()) {
        return Ok(());
    }
    let mut result = logs
        .put_policy(&destination.name, &policy.text, desired.force_update)
        .await;
    if let Err(error) = &mut result {
        let refused = error.code.as_deref() == Some("InvalidParameterException");
        let had_organization = destination
            .access_policy
            .as_deref()
            .is_some_and(properties::names_organization);
        if refused && !desired.force_update && desired.grants_organizations() && !had_organization {
            error.message.push_str(FORCE_UPDATE_HINT);
        }
    }
    result
}

const FORCE_UPDATE_HINT: &str = ". Switching a destination's access policy from account \
     principals to an organization needs ForceUpdate: first update the senders' subscription \
     filters (CloudWatch Logs User Guide: Updating an existing cross-account subscription), \
     then set ForceUpdate: true (and back to false afterwards)";

/// The access policy for `destination`: the hand-written one, or the one built for its ARN.
/// A built policy was checked before any write with the predicted ARN, so an error here (an
/// ARN other than predicted) is reported as the policy call that could not be made.
pub fn access_policy(
    desired: &DestinationProperties,
    destination: &Destination,
) -> Result<Option<Policy>, AwsError> {
    desired
        .access_policy(&destination.arn)
        .map_err(|message| AwsError {
            operation: "PutDestinationPolicy",
            destination: destination.name.clone(),
            code: None,
            message,
        })
}

/// The access policy the request asks for on `name`, checked before anything is written: a
/// built policy names the destination's ARN and must fit CloudWatch Logs' size limit. Without
/// the function's ARN it is checked with the ARN PutDestination returns instead.
pub fn check_policy_before_writing(
    logs: &Destinations,
    desired: &DestinationProperties,
    function_arn: &str,
    name: &str,
) -> Result<(), String> {
    match destination_arn(function_arn, logs.region().as_deref(), name) {
        Some(arn) => desired.access_policy(&arn).map(|_| ()),
        None => Ok(()),
    }
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

/// The requested policy on `destination`, when the request asks for one and it differs.
pub async fn requested_policy(
    logs: &Destinations,
    destination: &Destination,
    desired: &DestinationProperties,
) -> Result<(), AwsError> {
    match access_policy(desired, destination)? {
        Some(policy) => policy_if_changed(logs, destination, &policy, desired).await,
        None => Ok(()),
    }
}

/// The policy a request that sets none still puts on `destination`: there is no
/// DeleteDestinationPolicy, so a policy that is there (or that `had_policy` says the old
/// properties set) is replaced by the own-account-only one.
pub fn or_own_account_only(
    requested: Option<Policy>,
    destination: &Destination,
    had_policy: bool,
) -> Option<Policy> {
    requested.or_else(|| {
        (had_policy || destination.access_policy.is_some())
            .then(|| own_account_only_policy(destination))
    })
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
