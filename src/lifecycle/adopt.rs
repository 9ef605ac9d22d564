//! Taking over an existing destination on purpose (`AdoptExisting`). Custom resources cannot
//! be imported into a stack; this is how a hand-made destination comes under CloudFormation.
//!
//! Only a destination without any ownership tag can be adopted: one that another stack
//! resource (or EventBridge provisioning) manages is never taken from it. A failed adoption
//! puts the destination back as it was found (target, role, tags; the policy is written last,
//! so a failure never leaves it changed).

use crate::destinations::{AwsError, Destination, Destinations};
use crate::lifecycle::converge;
use crate::lifecycle::create::CreateFailure;
use crate::lifecycle::ownership::Tags;
use crate::lifecycle::OWNER_TAG;
use crate::properties::DestinationProperties;

pub struct Adopted {
    pub destination: Destination,
    /// For the reply's Reason: what was found and that it is managed from now on.
    pub note: String,
}

pub async fn adopt(
    logs: &Destinations,
    found: Destination,
    found_tags: Tags,
    desired: &DestinationProperties,
    owner: &str,
) -> Result<Adopted, CreateFailure> {
    let name = found.name.clone();
    if let Some(manager) = found_tags.get(OWNER_TAG) {
        return Err(CreateFailure {
            reason: not_adoptable(&name, manager),
            left_behind: false,
        });
    }
    // What an operator needs to see what adoption changed.
    tracing::info!(
        destination = name,
        target_arn = found.target_arn,
        role_arn = found.role_arn,
        access_policy = found.access_policy.as_deref().unwrap_or_default(),
        tags = ?found_tags,
        "adopting an existing destination; its state before adoption"
    );
    let original_tags = converge::without_system_tags(found_tags);
    let wanted = converge::tags_with_owner(desired, owner);
    match take_over(logs, &found, &original_tags, &wanted, desired).await {
        Ok(destination) => Ok(Adopted {
            note: format!(
                "Adopted the existing destination {name} (it had target {}, role {}, {} and \
                 {} tag(s)); it is managed by this stack resource from now on, and deleting \
                 the resource deletes it unless its DeletionPolicy is Retain",
                found.target_arn,
                found.role_arn,
                if found.access_policy.is_some() {
                    "a policy"
                } else {
                    "no policy"
                },
                original_tags.len()
            ),
            destination,
        }),
        Err(error) => {
            let reason = match put_back(logs, &found, &original_tags, &wanted, desired).await {
                Ok(()) => format!("{error}; destination {name} was put back as it was found"),
                Err(restore) => format!(
                    "{error}; putting destination {name} back as it was found failed too \
                     ({restore}): check its target, role and tags"
                ),
            };
            Err(CreateFailure {
                reason,
                left_behind: false,
            })
        }
    }
}

/// Why a destination that someone manages is never adopted.
pub fn not_adoptable(name: &str, manager: &str) -> String {
    format!(
        "Destination {name} is managed by {manager:?} ({OWNER_TAG} tag) and cannot be adopted: \
         AdoptExisting only takes over destinations that no stack resource or provisioning \
         manages"
    )
}

async fn take_over(
    logs: &Destinations,
    found: &Destination,
    original_tags: &Tags,
    wanted: &Tags,
    desired: &DestinationProperties,
) -> Result<Destination, AwsError> {
    // The requested tags are the whole tag set from now on, the ownership tag included.
    converge::tags(logs, found, original_tags, wanted).await?;
    let destination = converge::target_and_role(logs, found.clone(), desired).await?;
    // Last, because a policy can be replaced but never removed: nothing may fail after it.
    // A requested state without a policy leaves only the own account access, as when an
    // Update removes the policy.
    let requested = converge::access_policy(desired, &destination)?;
    if let Some(policy) = &converge::or_own_account_only(requested, &destination, false) {
        converge::policy_if_changed(logs, &destination, policy, desired).await?;
    }
    Ok(destination)
}

async fn put_back(
    logs: &Destinations,
    found: &Destination,
    original_tags: &Tags,
    wanted: &Tags,
    desired: &DestinationProperties,
) -> Result<(), AwsError> {
    if found.target_arn != desired.target_arn || found.role_arn != desired.role_arn {
        logs.repoint(&found.name, &found.target_arn, &found.role_arn)
            .await?;
    }
    converge::tags(logs, found, wanted, original_tags).await
}
