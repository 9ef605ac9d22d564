//! Create, and the creation path every other request that makes a destination shares
//! (replacement on rename, an Update that finds its destination gone).

use crate::destinations::{AwsError, Destination, Destinations};
use crate::event::CfnRequest;
use crate::lifecycle::ownership::{self, Found, Tags};
use crate::lifecycle::{
    adopt, converge, failed_create_id, generated_name, Done, Failed, OWNER_TAG,
};
use crate::properties::{self, DestinationProperties};

pub async fn create(
    logs: &Destinations,
    request: &CfnRequest,
    owner: &str,
    function_arn: &str,
) -> Result<Done, Failed> {
    let failed_id = failed_create_id(&request.target.request_id);
    let desired = properties::parse(&request.properties).map_err(|errors| Failed {
        physical_resource_id: failed_id.clone(),
        reason: errors.to_string(),
    })?;
    let name = desired
        .name
        .clone()
        .unwrap_or_else(|| generated_name(&request.target));
    converge::check_policy_before_writing(logs, &desired, function_arn, &name).map_err(
        |reason| Failed {
            physical_resource_id: failed_id.clone(),
            reason,
        },
    )?;
    match create_destination(logs, &name, &desired, owner, desired.adopt_existing).await {
        Ok(created) => Ok(Done {
            physical_resource_id: name,
            destination: Some(created.destination),
            warning: created.note,
            regional: Vec::new(),
        }),
        // Answer with the real name only while our destination still exists, so that the
        // rollback Delete removes it.
        Err(failure) if failure.left_behind => Err(Failed {
            reason: format!(
                "{}; this reply names it so that the rollback deletes it",
                failure.reason
            ),
            physical_resource_id: name,
        }),
        Err(failure) => Err(Failed {
            physical_resource_id: failed_id,
            reason: failure.reason,
        }),
    }
}

pub struct Created {
    pub destination: Destination,
    /// Something the reply should say although it succeeded (an adoption).
    pub note: Option<String>,
}

impl From<Destination> for Created {
    fn from(destination: Destination) -> Self {
        Created {
            destination,
            note: None,
        }
    }
}

pub struct CreateFailure {
    pub reason: String,
    /// A destination this resource holds is still there: its removal failed too.
    pub left_behind: bool,
}

impl From<AwsError> for CreateFailure {
    fn from(error: AwsError) -> Self {
        CreateFailure {
            reason: error.to_string(),
            left_behind: false,
        }
    }
}

/// Creates `name`. A destination that exists already is only taken over when it is this
/// resource's: it carries the ownership tag (a retried delivery of the same request), or it is
/// this resource's own unfinished creation (see [`ownership`]); or, with `adopt`, when no one
/// manages it.
pub async fn create_destination(
    logs: &Destinations,
    name: &str,
    desired: &DestinationProperties,
    owner: &str,
    adopt: bool,
) -> Result<Created, CreateFailure> {
    let found = ownership::observe(logs, name, owner, Some(desired)).await?;
    create_found(logs, name, found, desired, owner, adopt).await
}

/// [`create_destination`] once `name` has been observed (`found`).
pub async fn create_found(
    logs: &Destinations,
    name: &str,
    found: Found,
    desired: &DestinationProperties,
    owner: &str,
    adopt: bool,
) -> Result<Created, CreateFailure> {
    match found {
        Found::Absent => Ok(create_new(logs, name, desired, owner).await?.into()),
        Found::Unfinished(destination) => {
            tracing::info!(
                destination = name,
                "finishing this resource's own untagged destination, left by an interrupted \
                 earlier attempt"
            );
            logs.hold(name);
            Ok(finish(logs, destination, desired, owner, &Tags::new())
                .await?
                .into())
        }
        Found::Owned { destination, tags } => {
            logs.hold(name);
            match converge::target_and_role(logs, destination, desired).await {
                Ok(destination) => {
                    let current = converge::without_system_tags(tags);
                    Ok(finish(logs, destination, desired, owner, &current)
                        .await?
                        .into())
                }
                Err(error) => Err(remove_after_failure(logs, name, error).await),
            }
        }
        Found::Foreign { destination, tags } if adopt => {
            let adopted = adopt::adopt(logs, destination, tags, desired, owner).await?;
            Ok(Created {
                destination: adopted.destination,
                note: Some(adopted.note),
            })
        }
        Found::Foreign { .. } => Err(CreateFailure {
            reason: format!(
                "Destination {name} already exists and is not managed by this stack resource \
                 (it has no {OWNER_TAG} tag for it); choose another DestinationName, delete \
                 the existing destination, or set AdoptExisting: true to take it over"
            ),
            left_behind: false,
        }),
    }
}

/// PutDestination (never with tags: AWS refuses them there), then the ownership tag at once.
pub async fn create_new(
    logs: &Destinations,
    name: &str,
    desired: &DestinationProperties,
    owner: &str,
) -> Result<Destination, CreateFailure> {
    let destination = logs
        .put(name, &desired.target_arn, &desired.role_arn)
        .await?;
    finish(logs, destination, desired, owner, &Tags::new()).await
}

/// Tags (the ownership tag among them) and policy for a destination this request holds. If
/// either fails, the destination is removed, so that nothing is left that no rollback would
/// remove.
pub async fn finish(
    logs: &Destinations,
    destination: Destination,
    desired: &DestinationProperties,
    owner: &str,
    current_tags: &Tags,
) -> Result<Destination, CreateFailure> {
    let wanted = converge::tags_with_owner(desired, owner);
    // Both at once: each is a round trip a stack deploy waits for. A crash between them can
    // leave the policy without the tag; the ownership rule recognises the requested policy.
    let tagged = converge::tags(logs, &destination, current_tags, &wanted);
    let policy_set = converge::requested_policy(logs, &destination, desired);
    let (tagged, policy_set) = tokio::join!(tagged, policy_set);
    match tagged.and(policy_set) {
        Ok(()) => Ok(destination),
        Err(error) => Err(remove_after_failure(logs, &destination.name, error).await),
    }
}

async fn remove_after_failure(logs: &Destinations, name: &str, error: AwsError) -> CreateFailure {
    let cleanup = logs.delete(name).await;
    let mut reason = error.to_string();
    if let Err(cleanup_error) = &cleanup {
        reason.push_str(&format!(
            "; removing destination {name} failed as well ({cleanup_error})"
        ));
    }
    CreateFailure {
        reason,
        left_behind: cleanup.is_err(),
    }
}
