//! EventBridge-triggered provisioning: no stack and no ResponseURL; the invocation's result
//! is the answer.
//!
//! Whoever may put events on the provisioning bus can reach this path, so it is held to what
//! it may manage: names under the configured prefix, and destinations that provisioning
//! created (they carry the ownership tag with the value [`PROVISIONING_OWNER`]). Anything else
//! is refused before any write, unless the event explicitly asks to adopt a destination that no
//! stack resource manages. With `Regions`, the same holds in every listed Region (see
//! [`regions`]).

mod decide;
mod regions;

use crate::destinations::{AwsError, Destination, Destinations};
use crate::lifecycle::create::{create_new, finish, CreateFailure};
use crate::lifecycle::ownership::{self, Found};
use crate::lifecycle::{adopt, converge};
use crate::properties::{self, DestinationProperties};
use decide::{Put, Remove};
use serde_json::{json, Map, Value};

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

/// What provisioning did in one Region.
#[derive(Clone, Debug, PartialEq)]
pub struct InRegion {
    pub region: String,
    pub action: Action,
    /// Its state after a Create or Update; `None` after a Delete.
    pub destination: Option<Destination>,
}

/// What a provisioning request did.
#[derive(Clone, Debug, PartialEq)]
pub struct Provisioned {
    pub name: String,
    /// Every listed Region in the order of `Regions`; without them, the function's own Region.
    pub regions: Vec<InRegion>,
    /// Whether the event listed `Regions`.
    pub listed: bool,
}

impl Provisioned {
    /// Without `Regions`: the function's own Region.
    fn here(
        logs: &Destinations,
        name: &str,
        action: Action,
        destination: Option<Destination>,
    ) -> Self {
        Provisioned {
            name: name.to_owned(),
            regions: vec![InRegion {
                region: logs.region().unwrap_or_default(),
                action,
                destination,
            }],
            listed: false,
        }
    }

    /// The first listed Region's action (the only one without `Regions`).
    pub fn action(&self) -> Action {
        self.regions
            .first()
            .map_or(Action::AlreadyAbsent, |r| r.action)
    }

    /// The invocation's result: `DestinationName`, and `Arn` and `Action` of the first Region,
    /// as without `Regions`; with them also `Arns` (comma-separated in the order of `Regions`,
    /// `null` after a Delete) and `Regions` (each Region's `Action` and `Arn`).
    pub fn result(&self) -> Value {
        let arn = |r: &InRegion| r.destination.as_ref().map(|d| d.arn.clone());
        let mut result = json!({
            "DestinationName": self.name,
            "Arn": self.regions.first().and_then(arn),
            "Action": self.action().as_str(),
        });
        if self.listed {
            let arns: Option<Vec<String>> = self.regions.iter().map(arn).collect();
            let each: Map<String, Value> = self
                .regions
                .iter()
                .map(|r| {
                    let detail = json!({"Action": r.action.as_str(), "Arn": arn(r)});
                    (r.region.clone(), detail)
                })
                .collect();
            result["Arns"] = json!(arns.map(|arns| arns.join(",")));
            result["Regions"] = Value::Object(each);
        }
        result
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
) -> Result<Provisioned, String> {
    match request_type {
        "Create" | "Update" => {
            let desired = properties::parse(properties).map_err(|e| e.to_string())?;
            let name = desired.name.clone().ok_or_else(name_required)?;
            check_prefix(&name, name_prefix)?;
            if !desired.regions.is_empty() {
                regions::check_before_writing(&desired, function_arn, &name)?;
                return regions::put(logs, &name, &desired).await;
            }
            converge::check_policy_before_writing(logs, &desired, function_arn, &name)?;
            let found = observe(logs, &name, Some(&desired))
                .await
                .map_err(|e| e.to_string())?;
            let step = decide::put(found, desired.adopt_existing).map_err(|r| r.message(&name))?;
            let (action, destination) = put(logs, &name, &desired, step)
                .await
                .map_err(|f| f.reason)?;
            Ok(Provisioned::here(logs, &name, action, Some(destination)))
        }
        "Delete" => {
            // Only the name, the Regions (and an explicit adoption) matter to a Delete; the
            // rest, when it is valid, recognises an interrupted creation.
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
            // Which Regions to delete in must be certain: an invalid list deletes nowhere.
            let listed = properties::parse_regions(properties).map_err(|e| e.to_string())?;
            if !listed.is_empty() {
                return regions::remove(logs, name, desired.as_ref(), adopt, &listed).await;
            }
            let found = observe(logs, name, desired.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let step = decide::remove(found, adopt).map_err(|r| r.message(name))?;
            let action = remove(logs, name, step).await.map_err(|e| e.to_string())?;
            Ok(Provisioned::here(logs, name, action, None))
        }
        other => Err(format!(
            "RequestType must be Create, Update or Delete (got {other:?})"
        )),
    }
}

async fn observe(
    logs: &Destinations,
    name: &str,
    desired: Option<&DestinationProperties>,
) -> Result<Found, AwsError> {
    ownership::observe(logs, name, PROVISIONING_OWNER, desired).await
}

/// Create or Update in one Region: makes the destination match the event, as decided from
/// what was observed there (no second look).
async fn put(
    logs: &Destinations,
    name: &str,
    desired: &DestinationProperties,
    step: Put,
) -> Result<(Action, Destination), CreateFailure> {
    match step {
        Put::Create => create_new(logs, name, desired, PROVISIONING_OWNER)
            .await
            .map(|d| (Action::Created, d)),
        Put::Finish(destination) => finish(
            logs,
            destination,
            desired,
            PROVISIONING_OWNER,
            &Default::default(),
        )
        .await
        .map(|d| (Action::Created, d)),
        Put::Update { destination, tags } => update(logs, destination, tags, desired)
            .await
            .map(|d| (Action::Updated, d))
            .map_err(CreateFailure::from),
        Put::Adopt { destination, tags } => {
            adopt::adopt(logs, destination, tags, desired, PROVISIONING_OWNER)
                .await
                .map(|adopted| {
                    tracing::info!(destination = name, note = adopted.note, "adopted");
                    (Action::Adopted, adopted.destination)
                })
        }
    }
}

/// Delete in one Region, as decided from what was observed there.
async fn remove(logs: &Destinations, name: &str, step: Remove) -> Result<Action, AwsError> {
    match step {
        Remove::Nothing => Ok(Action::AlreadyAbsent),
        Remove::Delete => Ok(if logs.delete(name).await? {
            Action::Deleted
        } else {
            Action::AlreadyAbsent
        }),
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

fn name_required() -> String {
    "DestinationName is required for EventBridge requests (1-512 characters, no ':' or '*'): \
     there is no stack to generate one from"
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_region(region: &str, action: Action, created: bool) -> InRegion {
        let arn = format!("arn:aws:logs:{region}:123456789012:destination:central");
        InRegion {
            region: region.to_owned(),
            action,
            destination: created.then(|| Destination {
                name: "central".into(),
                arn,
                target_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/s".into(),
                role_arn: "arn:aws:iam::123456789012:role/r".into(),
                access_policy: None,
                creation_time_ms: None,
            }),
        }
    }

    #[test]
    fn without_regions_the_result_is_what_it_always_was() {
        let provisioned = Provisioned {
            name: "central".into(),
            regions: vec![in_region("us-east-1", Action::Created, true)],
            listed: false,
        };
        assert_eq!(
            provisioned.result(),
            json!({"DestinationName": "central", "Action": "created",
                   "Arn": "arn:aws:logs:us-east-1:123456789012:destination:central"})
        );
    }

    #[test]
    fn with_regions_the_result_adds_every_arn_in_order_and_each_regions_action() {
        let provisioned = Provisioned {
            name: "central".into(),
            regions: vec![
                in_region("us-east-1", Action::Updated, true),
                in_region("eu-west-1", Action::Created, true),
            ],
            listed: true,
        };
        let us = "arn:aws:logs:us-east-1:123456789012:destination:central";
        let eu = "arn:aws:logs:eu-west-1:123456789012:destination:central";
        assert_eq!(
            provisioned.result(),
            json!({"DestinationName": "central", "Action": "updated", "Arn": us,
                   "Arns": format!("{us},{eu}"),
                   "Regions": {"us-east-1": {"Action": "updated", "Arn": us},
                               "eu-west-1": {"Action": "created", "Arn": eu}}})
        );
        let deleted = Provisioned {
            name: "central".into(),
            regions: vec![
                in_region("us-east-1", Action::AlreadyAbsent, false),
                in_region("eu-west-1", Action::Deleted, false),
            ],
            listed: true,
        };
        assert_eq!(
            deleted.result(),
            json!({"DestinationName": "central", "Action": "already absent", "Arn": null,
                   "Arns": null,
                   "Regions": {"us-east-1": {"Action": "already absent", "Arn": null},
                               "eu-west-1": {"Action": "deleted", "Arn": null}}})
        );
    }
}
