//! A request as the engine sees it, whatever its source: the destination name, the Regions
//! involved, what is asked for and whom it acts for; and everything that can be checked before
//! any AWS call.

use super::authority::{Authority, Recorded, Tags};
use super::expansion::{choice_of, expand};
use super::fingerprint::RequestedRegions;
use super::issued;
use super::names::{generated_name, owner_tag_value, parse_created_id};
use crate::event::{CfnRequest, ReplyTarget, RequestKind};
use crate::properties::{self, DestinationProperties, RegionChoice};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A stack's Create, or a provisioning Create or Update: make the destination exist as
    /// asked in every Region.
    Create,
    /// A stack Update that changes the name: a new destination in every Region; the old one is
    /// left for CloudFormation's cleanup Delete.
    Replace,
    /// A stack Update in place: Regions kept, added and removed.
    Update,
    Delete,
}

/// Which of the tags found on a destination this request may remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagScope {
    /// The request is the whole tag set (Create, provisioning, adoption).
    All,
    /// Only the ownership tag and keys the old properties set (`None`: they no longer parse,
    /// so any key): tags added outside the stack stay.
    Ours { old: Option<Tags> },
}

/// The policy a request that sets none leaves on an existing destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyRule {
    /// Only a requested policy is written.
    AsRequested,
    /// There is no DeleteDestinationPolicy: a policy that is there (or that the old properties
    /// set, `had_policy`) is replaced by the own-account-only one.
    OrOwnAccountOnly { had_policy: bool },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Intent {
    pub operation: Operation,
    pub authority: Authority,
    pub name: String,
    /// What is asked for; `None` only for a Delete whose properties no longer parse.
    pub desired: Option<DestinationProperties>,
    /// The Regions the destination should be in (a Delete: the Regions to delete it in).
    pub regions: Vec<String>,
    /// An Update's Regions that the new properties list and the old ones did not.
    pub added: Vec<String>,
    /// An Update's Regions that the old properties listed and the new ones do not.
    pub removed: Vec<String>,
    /// Whether the request uses `Regions`: Reasons and results then name Regions.
    pub listed: bool,
    /// The Region set the resource asks for, as its destinations' fingerprint carries it.
    pub requested: RequestedRegions,
    /// `Regions: "*"`: the reply gives each Region's ARN and the expanded list, in no user
    /// order.
    pub every: bool,
    /// What `"*"` expanded to and from what (for the Reason and the log), and the Regions an
    /// Update leaves alone because the account no longer has them enabled.
    pub notes: Vec<String>,
    pub adopt: bool,
    pub tag_scope: TagScope,
    pub policy_rule: PolicyRule,
    /// When the request says it was issued (ms since the epoch: the ResponseURL's date, the
    /// provisioning event's time). For a stack request it only narrows [`Self::recorded`].
    pub issued_ms: Option<i64>,
    /// A rollback Delete of a failed Create: the creation times that Create says it saw (its
    /// id). They only narrow the window CloudFormation's events show.
    pub created_between: Option<(i64, i64)>,
    /// What CloudFormation recorded about the resource (filled in from the check of a stack
    /// request); `None` when it was not asked.
    pub recorded: Option<Recorded>,
    /// Every involved Region's destination ARN, known from the function's ARN (filled in by
    /// the checks before any call).
    pub arns: BTreeMap<String, String>,
}

impl Intent {
    pub fn arn(&self, region: &str) -> &str {
        self.arns.get(region).map_or("", String::as_str)
    }

    /// Every Region the request involves: wanted ones, then removed ones.
    pub fn involved(&self) -> impl Iterator<Item = &String> {
        self.regions.iter().chain(&self.removed)
    }
}

/// A stack's request (directly, through SNS, or from the provider framework). `home` is the
/// function's Region; `enabled`, the Regions the account has enabled, read when the request
/// (or an Update's old properties) asks for `Regions: "*"` ([`super::expansion::enabled_for`]).
/// `Ok(None)`: a Delete whose id cannot name a destination (a failed Create's, or one
/// CloudFormation generated for a cancelled Create), so nothing of ours can carry it. `Err` is
/// the Reason of a request refused before any call.
pub fn for_stack(
    request: &CfnRequest,
    home: &str,
    enabled: Option<&[String]>,
) -> Result<Option<Intent>, String> {
    let authority = Authority::Stack {
        owner: owner_tag_value(&request.target),
        stack_id: request.target.stack_id.clone(),
    };
    let parse = |properties: &Value| properties::parse(properties).map_err(|e| e.to_string());
    let mut created_between = None;
    let (operation, name, desired, old) = match &request.kind {
        RequestKind::Create => {
            let desired = parse(&request.properties)?;
            let name = desired
                .name
                .clone()
                .unwrap_or_else(|| generated_name(&request.target));
            (Operation::Create, name, Some(desired), None)
        }
        RequestKind::Update {
            physical_resource_id: id,
            old_properties,
        } => {
            let desired = parse(&request.properties)?;
            let old = properties::parse(old_properties).ok();
            let name = requested_name(&request.target, &desired, old.as_ref(), id);
            if name != *id {
                (Operation::Replace, name, Some(desired), None)
            } else if !properties::is_valid_name(id) {
                return Err(format!(
                    "The physical id {id:?} is not a destination name this provider created"
                ));
            } else {
                (Operation::Update, name, Some(desired), Some(old_properties))
            }
        }
        RequestKind::Delete {
            physical_resource_id: id,
        } => {
            let Some((name, between)) = deleted_name(id) else {
                return Ok(None);
            };
            created_between = between;
            // The properties say what this resource gave it (the crash-window rule).
            let desired = properties::parse(&request.properties).ok();
            (Operation::Delete, name.to_owned(), desired, None)
        }
    };
    let adopt =
        operation == Operation::Create && desired.as_ref().is_some_and(|d| d.adopt_existing);
    let now = desired
        .as_ref()
        .map_or_else(|| choice_of(&request.properties), |d| d.regions.clone());
    let before = old.map_or(RegionChoice::Home, choice_of);
    if adopt && now != RegionChoice::Home {
        // Cleaning up after a partial failure deletes what the request made; an adopted
        // destination must never be among it.
        return Err(
            "AdoptExisting cannot be combined with Regions: adopt the destination with \
                    a resource for its own Region (without Regions), then list the other \
                    Regions in another resource"
                .into(),
        );
    }
    let (tag_scope, policy_rule) = match (operation, old) {
        (Operation::Update, Some(old_properties)) => {
            let parsed = properties::parse(old_properties).ok();
            let had_policy = parsed.as_ref().map_or_else(
                || properties::has_policy(old_properties),
                |old| old.policy.is_some() || old.grants.is_some(),
            );
            let old_tags = parsed
                .map(|old| old.tags)
                .or_else(|| properties::parse_tags_only(old_properties));
            // A new Revision is a repair: the requested tags become the whole tag set, as
            // the fingerprint (and so the audit) counts them.
            let revised = desired.as_ref().and_then(|d| d.revision.clone())
                != properties::revision(old_properties);
            let tag_scope = if revised {
                TagScope::All
            } else {
                TagScope::Ours { old: old_tags }
            };
            (tag_scope, PolicyRule::OrOwnAccountOnly { had_policy })
        }
        _ => (TagScope::All, PolicyRule::AsRequested),
    };
    let listed = now != RegionChoice::Home || before != RegionChoice::Home;
    let every = now.is_every();
    let expanded = expand(&now, enabled, home)?;
    let regions = expanded.regions;
    let mut notes: Vec<String> = expanded.note.into_iter().collect();
    let (added, removed) = match operation {
        Operation::Update => {
            // Old properties were accepted once: if they no longer expand, nothing is removed.
            let before = expand(&before, enabled, home)
                .map(|old| old.regions)
                .unwrap_or_default();
            let mut removed: Vec<String> = before
                .iter()
                .filter(|r| !regions.contains(r))
                .cloned()
                .collect();
            // With "*" on either side the enabled Regions are known: one the account has
            // disabled since cannot be called, so it is left as it is.
            if let Some(enabled) = enabled {
                let (kept, disabled): (Vec<String>, Vec<String>) =
                    removed.into_iter().partition(|r| enabled.contains(r));
                removed = kept;
                if !disabled.is_empty() {
                    notes.push(format!(
                        "Regions no longer enabled for this account were left as they are \
                         (they cannot be called): {}",
                        disabled.join(", ")
                    ));
                }
            }
            (
                regions
                    .iter()
                    .filter(|r| !before.contains(r))
                    .cloned()
                    .collect(),
                removed,
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Some(Intent {
        operation,
        authority,
        name,
        desired,
        regions,
        added,
        removed,
        listed,
        requested: expanded.requested,
        every,
        notes,
        adopt,
        tag_scope,
        policy_rule,
        issued_ms: issued::from_response_url(&request.target.response_url),
        created_between,
        recorded: None,
        arns: BTreeMap::new(),
    }))
}

/// The destination a Delete with this id may remove, with the creation times a failed
/// Create's id carries; `None` when the id cannot name a destination (a failed Create's, or
/// one CloudFormation generated for a cancelled Create).
fn deleted_name(id: &str) -> Option<(&str, Option<(i64, i64)>)> {
    match parse_created_id(id) {
        Some((name, first, last)) => Some((name, Some((first, last)))),
        None if properties::is_valid_name(id) => Some((id, None)),
        None => None,
    }
}

/// Whether a stack request can involve a destination at all: not a Delete whose id cannot
/// name one. Such a Delete (the rollback of a Create that failed before writing) must succeed
/// without asking anything, ListRegions included.
pub fn names_a_destination(request: &CfnRequest) -> bool {
    match &request.kind {
        RequestKind::Delete {
            physical_resource_id: id,
        } => deleted_name(id).is_some(),
        _ => true,
    }
}

/// An EventBridge provisioning request; `home` and `enabled` as for [`for_stack`]. `Err` is the
/// Reason of a request refused before any call.
pub fn for_provisioning(
    request_type: &str,
    properties: &Value,
    time: Option<&str>,
    name_prefix: &str,
    (home, enabled): (&str, Option<&[String]>),
) -> Result<Intent, String> {
    let (operation, name, desired, regions, adopt) = match request_type {
        "Create" | "Update" => {
            let desired = properties::parse(properties).map_err(|e| e.to_string())?;
            let name = desired.name.clone().ok_or_else(name_required)?;
            let (regions, adopt) = (desired.regions.clone(), desired.adopt_existing);
            (Operation::Create, name, Some(desired), regions, adopt)
        }
        "Delete" => {
            // Only the name, the Regions (and an explicit adoption) matter to a Delete; the
            // rest, when it is valid, recognises an interrupted creation.
            let name = properties
                .get("DestinationName")
                .and_then(Value::as_str)
                .filter(|name| properties::is_valid_name(name))
                .ok_or_else(name_required)?;
            let adopt = properties.get("AdoptExisting").is_some_and(|v| {
                v == true || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
            });
            // Which Regions to delete in must be certain: an invalid list deletes nowhere.
            let regions = properties::parse_regions(properties).map_err(|e| e.to_string())?;
            let desired = properties::parse(properties).ok();
            (Operation::Delete, name.to_owned(), desired, regions, adopt)
        }
        other => {
            return Err(format!(
                "RequestType must be Create, Update or Delete (got {other:?})"
            ))
        }
    };
    if !name.starts_with(name_prefix) {
        return Err(format!(
            "Refused: destination {name} is outside what provisioning may manage (names must \
             start with {name_prefix:?}, the function's PROVISIONING_NAME_PREFIX); nothing was \
             changed"
        ));
    }
    let expanded = expand(&regions, enabled, home)?;
    Ok(Intent {
        operation,
        authority: Authority::Provisioning {
            name_prefix: name_prefix.to_owned(),
        },
        name,
        desired,
        listed: regions != RegionChoice::Home,
        every: regions.is_every(),
        regions: expanded.regions,
        requested: expanded.requested,
        notes: expanded.note.into_iter().collect(),
        added: Vec::new(),
        removed: Vec::new(),
        adopt,
        tag_scope: TagScope::All,
        policy_rule: PolicyRule::AsRequested,
        issued_ms: time.and_then(issued::from_event_time),
        created_between: None,
        recorded: None,
        arns: BTreeMap::new(),
    })
}

fn name_required() -> String {
    "DestinationName is required for EventBridge requests (1-512 characters, no ':' or '*'): \
     there is no stack to generate one from"
        .into()
}

/// The name an Update asks for: the template's; a new, generated one when the template
/// stopped naming the destination; otherwise the current one. Another name than `current_id`
/// means replacement.
fn requested_name(
    target: &ReplyTarget,
    desired: &DestinationProperties,
    old: Option<&DestinationProperties>,
    current_id: &str,
) -> String {
    match &desired.name {
        Some(name) => name.clone(),
        None if old.is_some_and(|old| old.name.is_some()) => generated_name(target),
        None => current_id.to_owned(),
    }
}
