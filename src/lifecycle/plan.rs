//! Deciding, as plain data, every write of a request: from the intent and what every Region
//! holds (observed before any write) to each Region's step, its writes in order, and what
//! undoing them would take; or a refusal that names every Region standing in the way. This is
//! the one place where ownership decides what may be written.

use super::authority::{Authority, Tags, Whose};
use super::intent::{Intent, Operation, PolicyRule, TagScope};
use super::names::OWNER_TAG;
use super::observe::{Observation, Seen};
use crate::destinations::{AwsError, Destination};
use crate::properties::{self, DestinationProperties, Policy};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing there: PutDestination, then tags (the ownership tag among them) and policy.
    Create,
    /// This authority's own untagged destination, left by an interrupted earlier attempt.
    Finish,
    /// Ours: brought to the requested state, each aspect only where it differs.
    Converge,
    /// Nobody's, and the request asks to take it over.
    Adopt,
    Delete,
    /// Nothing to write (already gone, or someone else's left alone: see the note).
    Nothing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// `creates`: the destination does not exist yet.
    Put {
        target_arn: String,
        role_arn: String,
        creates: bool,
    },
    Tag(Tags),
    Untag(Vec<String>),
    /// `organization_hint`: a refusal is most likely the account-to-organization switch that
    /// needs ForceUpdate.
    Policy {
        text: String,
        force_update: bool,
        organization_hint: bool,
    },
    Delete,
}

/// One Region's part of the plan. Writes go in phases: a phase's writes at once, each phase
/// after the one before succeeded.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionPlan {
    pub region: String,
    pub step: Step,
    /// The destination as observed, when it was described.
    pub found: Option<Destination>,
    pub writes: Vec<Vec<Write>>,
    /// What undoing this Region's writes takes, should the request fail.
    pub undo: Vec<Vec<Write>>,
    /// For the user although nothing is wrong (an adoption, a destination left alone).
    pub note: Option<String>,
}

/// Every involved Region's part, in the order of `Regions`, then removed Regions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub regions: Vec<RegionPlan>,
}

/// Why a Region stops the whole request before any write.
#[derive(Clone, Debug)]
pub enum Blocker {
    /// Someone else's destination where this request would create one.
    Exists {
        manager: Option<String>,
    },
    /// Someone else's destination where this stack resource's used to be.
    NoLongerManaged,
    NotAdoptable {
        manager: String,
    },
    /// Provisioning may touch only what it created (or, asked to, what nobody manages).
    NotProvisionings {
        manager: Option<String>,
    },
    Unreachable(AwsError),
}

pub type Blocked = Vec<(String, Blocker)>;

pub fn plan(intent: &Intent, observed: &Observation, now_ms: i64) -> Result<Plan, Blocked> {
    let mut plan = Plan::default();
    let mut blocked = Vec::new();
    for region in intent.involved() {
        let seen = match observed.get(region) {
            Some(Ok(seen)) => seen,
            Some(Err(error)) => {
                blocked.push((region.clone(), Blocker::Unreachable(error.clone())));
                continue;
            }
            None => {
                let error = AwsError {
                    operation: "DescribeDestinations",
                    destination: intent.name.clone(),
                    code: None,
                    message: "it was not looked at".into(),
                };
                blocked.push((region.clone(), Blocker::Unreachable(error)));
                continue;
            }
        };
        match decide(intent, region, seen, now_ms) {
            Ok(part) => plan.regions.push(part),
            Err(blocker) => blocked.push((region.clone(), blocker)),
        }
    }
    if blocked.is_empty() {
        Ok(plan)
    } else {
        Err(blocked)
    }
}

/// One Region's part.
fn decide(intent: &Intent, region: &str, seen: &Seen, now_ms: i64) -> Result<RegionPlan, Blocker> {
    let part = |step, found: Option<&Destination>| RegionPlan {
        region: region.to_owned(),
        step,
        found: found.cloned(),
        writes: Vec::new(),
        undo: Vec::new(),
        note: None,
    };
    let (found, tags) = match seen {
        Seen::Absent
            if intent.operation == Operation::Delete
                || intent.removed.iter().any(|r| r == region) =>
        {
            return Ok(part(Step::Nothing, None));
        }
        Seen::Absent => {
            let Some(desired) = &intent.desired else {
                return Ok(part(Step::Nothing, None));
            };
            let mut created = part(Step::Create, None);
            created.writes = create(intent, region, desired);
            created.undo = vec![vec![Write::Delete]];
            return Ok(created);
        }
        Seen::Present { destination, tags } => (destination.as_ref(), tags),
    };
    let whose = intent
        .authority
        .whose(found, tags, intent.desired.as_ref(), now_ms);
    let removing =
        intent.operation == Operation::Delete || intent.removed.iter().any(|r| r == region);
    if removing {
        return match whose {
            Whose::Ours | Whose::OurUnfinished => Ok(deleting(part(Step::Delete, found))),
            Whose::Others { manager: None } if intent.adopt => {
                Ok(deleting(part(Step::Delete, found)))
            }
            Whose::Others { manager } if !intent.authority.is_stack() => {
                Err(Blocker::NotProvisionings { manager })
            }
            Whose::Others { .. } => {
                let mut left = part(Step::Nothing, found);
                left.note = Some(left_alone(intent, region));
                Ok(left)
            }
        };
    }
    let (Some(desired), Some(destination)) = (&intent.desired, found) else {
        // A destination is described whenever it is to be written.
        return Err(Blocker::NoLongerManaged);
    };
    let creating = matches!(intent.operation, Operation::Create | Operation::Replace);
    match whose {
        Whose::OurUnfinished => {
            let mut finish = part(Step::Finish, found);
            let wanted = wanted_tags(intent, desired);
            let policy = policy_write(desired, destination, requested(desired, intent.arn(region)));
            finish.writes = vec![std::iter::once(Write::Tag(wanted)).chain(policy).collect()];
            finish.undo = vec![vec![Write::Delete]];
            Ok(finish)
        }
        Whose::Ours => {
            let mut converge = part(Step::Converge, found);
            converge.writes = converge_writes(intent, desired, destination, tags);
            // A Create that finds its own tagged destination is a redelivery of itself.
            if intent.operation == Operation::Create && intent.authority.is_stack() {
                converge.undo = vec![vec![Write::Delete]];
            }
            Ok(converge)
        }
        Whose::Others {
            manager: Some(manager),
        } if intent.adopt => Err(Blocker::NotAdoptable { manager }),
        Whose::Others { manager: None } if intent.adopt => Ok(adopt(
            intent,
            part(Step::Adopt, found),
            desired,
            destination,
            tags,
        )),
        Whose::Others { manager } if !intent.authority.is_stack() => {
            Err(Blocker::NotProvisionings { manager })
        }
        Whose::Others { manager } if creating || intent.added.iter().any(|r| r == region) => {
            Err(Blocker::Exists { manager })
        }
        Whose::Others { .. } => Err(Blocker::NoLongerManaged),
    }
}

fn deleting(mut part: RegionPlan) -> RegionPlan {
    part.writes = vec![vec![Write::Delete]];
    part
}

fn left_alone(intent: &Intent, region: &str) -> String {
    if intent.operation == Operation::Delete {
        let text = format!(
            "Destination {} has no {OWNER_TAG} tag for this stack resource (this resource did \
             not create it); it was left untouched",
            intent.name
        );
        if intent.listed {
            format!("{region}: {text}")
        } else {
            text
        }
    } else {
        format!(
            "Destination {} in {region} is not managed by this stack resource; it was left \
             untouched",
            intent.name
        )
    }
}

/// The user's tags plus the ownership tag.
fn wanted_tags(intent: &Intent, desired: &DestinationProperties) -> Tags {
    let mut tags = desired.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), intent.authority.owner().to_owned());
    tags
}

/// The policy the request asks for on the destination `arn` (checked before any call).
fn requested(desired: &DestinationProperties, arn: &str) -> Option<Policy> {
    desired.access_policy(arn).ok().flatten()
}

/// PutDestination without tags (AWS refuses them there), then tags and policy at once: each
/// is a round trip a stack deploy waits for.
fn create(intent: &Intent, region: &str, desired: &DestinationProperties) -> Vec<Vec<Write>> {
    let put = Write::Put {
        target_arn: desired.target_arn.clone(),
        role_arn: desired.role_arn.clone(),
        creates: true,
    };
    let policy = requested(desired, intent.arn(region)).map(|policy| Write::Policy {
        text: policy.text,
        force_update: desired.force_update,
        organization_hint: !desired.force_update && desired.grants_organizations(),
    });
    let finish = std::iter::once(Write::Tag(wanted_tags(intent, desired)))
        .chain(policy)
        .collect();
    vec![vec![put], finish]
}

/// Target and role, tags and policy of a destination this request owns, each only where it
/// differs, all at once.
fn converge_writes(
    intent: &Intent,
    desired: &DestinationProperties,
    found: &Destination,
    tags: &Tags,
) -> Vec<Vec<Write>> {
    let removable: Tags = without_system_tags(tags)
        .into_iter()
        .filter(|(key, _)| match &intent.tag_scope {
            TagScope::All => true,
            TagScope::Ours { old } => {
                key == OWNER_TAG
                    || desired.tags.contains_key(key)
                    || old.as_ref().is_none_or(|old| old.contains_key(key))
            }
        })
        .collect();
    let mut writes: Vec<Write> = repoint(found, &desired.target_arn, &desired.role_arn)
        .into_iter()
        .collect();
    writes.extend(tag_writes(&removable, &wanted_tags(intent, desired)));
    let required = match intent.policy_rule {
        PolicyRule::AsRequested => requested(desired, &found.arn),
        PolicyRule::OrOwnAccountOnly { had_policy } => {
            or_own_account_only(desired, found, had_policy)
        }
    };
    writes.extend(policy_write(desired, found, required));
    if writes.is_empty() {
        Vec::new()
    } else {
        vec![writes]
    }
}

/// Takes over a destination nobody manages: the ownership tag first, then target and role,
/// and the policy last (it can be replaced but never removed, so nothing may fail after it).
/// Undoing puts back target, role and tags as found.
fn adopt(
    intent: &Intent,
    mut part: RegionPlan,
    desired: &DestinationProperties,
    found: &Destination,
    tags: &Tags,
) -> RegionPlan {
    let original = without_system_tags(tags);
    let wanted = wanted_tags(intent, desired);
    let policy = or_own_account_only(desired, found, false);
    part.writes = [
        tag_writes(&original, &wanted),
        repoint(found, &desired.target_arn, &desired.role_arn)
            .into_iter()
            .collect(),
        policy_write(desired, found, policy).into_iter().collect(),
    ]
    .into_iter()
    .filter(|phase| !phase.is_empty())
    .collect();
    let put_back = Destination {
        target_arn: desired.target_arn.clone(),
        role_arn: desired.role_arn.clone(),
        ..found.clone()
    };
    part.undo = [
        repoint(&put_back, &found.target_arn, &found.role_arn)
            .into_iter()
            .collect(),
        tag_writes(&wanted, &original),
    ]
    .into_iter()
    .filter(|phase: &Vec<Write>| !phase.is_empty())
    .collect();
    part.note = Some(format!(
        "Adopted the existing destination {} (it had target {}, role {}, {} and {} tag(s)); it \
         is managed by this stack resource from now on, and deleting the resource deletes it \
         unless its DeletionPolicy is Retain",
        intent.name,
        found.target_arn,
        found.role_arn,
        if found.access_policy.is_some() {
            "a policy"
        } else {
            "no policy"
        },
        original.len()
    ));
    part
}

fn repoint(found: &Destination, target_arn: &str, role_arn: &str) -> Option<Write> {
    (found.target_arn != target_arn || found.role_arn != role_arn).then(|| Write::Put {
        target_arn: target_arn.to_owned(),
        role_arn: role_arn.to_owned(),
        creates: false,
    })
}

/// From `current` to `desired`: keys it lacks or differs on are set, keys only `current` has
/// are removed. Pass as `current` only the tags this request may remove.
fn tag_writes(current: &Tags, desired: &Tags) -> Vec<Write> {
    let to_remove: Vec<String> = current
        .keys()
        .filter(|key| !desired.contains_key(*key))
        .cloned()
        .collect();
    let to_set: Tags = desired
        .iter()
        .filter(|(key, value)| current.get(*key) != Some(*value))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut writes = Vec::new();
    if !to_remove.is_empty() {
        writes.push(Write::Untag(to_remove));
    }
    if !to_set.is_empty() {
        writes.push(Write::Tag(to_set));
    }
    writes
}

/// Tags AWS manages (`aws:`) can be neither set nor removed by us.
fn without_system_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(key, _)| !key.starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// PutDestinationPolicy when `policy` differs from what AWS reports.
fn policy_write(
    desired: &DestinationProperties,
    found: &Destination,
    policy: Option<Policy>,
) -> Option<Write> {
    let policy = policy.filter(|p| !p.same_as(found.access_policy.as_deref()))?;
    let had_organization = found
        .access_policy
        .as_deref()
        .is_some_and(properties::names_organization);
    Some(Write::Policy {
        text: policy.text,
        force_update: desired.force_update,
        organization_hint: !desired.force_update
            && desired.grants_organizations()
            && !had_organization,
    })
}

/// The requested policy, or for a request that sets none, the own-account-only one wherever a
/// policy is there or the old properties set one: there is no DeleteDestinationPolicy.
fn or_own_account_only(
    desired: &DestinationProperties,
    found: &Destination,
    had_policy: bool,
) -> Option<Policy> {
    requested(desired, &found.arn).or_else(|| {
        (had_policy || found.access_policy.is_some()).then(|| own_account_only_policy(&found.arn))
    })
}

/// Replaces a removed policy: only the destination's own account may subscribe.
pub fn own_account_only_policy(arn: &str) -> Policy {
    let account = arn.split(':').nth(4).unwrap_or_default();
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OwnAccountOnly",
            "Effect": "Allow",
            "Principal": {"AWS": account},
            "Action": "logs:PutSubscriptionFilter",
            "Resource": arn,
        }]
    });
    Policy {
        text: document.to_string(),
        document,
    }
}

/// The Reason of a request refused before any write.
pub fn refusal(intent: &Intent, blocked: &Blocked) -> String {
    let name = &intent.name;
    if let (false, [(_, blocker)]) = (intent.listed, blocked.as_slice()) {
        return match blocker {
            Blocker::Exists { .. } => format!(
                "Destination {name} already exists and is not managed by this stack resource \
                 (it has no {OWNER_TAG} tag for it); choose another DestinationName, delete \
                 the existing destination, or set AdoptExisting: true to take it over"
            ),
            Blocker::NoLongerManaged => format!(
                "Destination {name} is no longer managed by this stack resource: it exists \
                 without the {OWNER_TAG} tag for it (it was probably deleted and created again \
                 outside this stack). Nothing was changed. Delete that destination to let this \
                 stack recreate it, or give this resource another DestinationName"
            ),
            Blocker::NotAdoptable { manager } => not_adoptable(name, manager),
            Blocker::NotProvisionings { .. } => format!(
                "Refused: destination {name} exists and {}; nothing was changed",
                whose(blocker)
            ),
            Blocker::Unreachable(error) => error.to_string(),
        };
    }
    let by_region = |blocker: &dyn Fn(&Blocker) -> Option<String>| -> Vec<String> {
        blocked
            .iter()
            .filter_map(|(region, b)| blocker(b).map(|text| text.replace("{region}", region)))
            .collect()
    };
    if !intent.authority.is_stack() {
        let stopped = by_region(&|b| {
            Some(match b {
                Blocker::Unreachable(error) => {
                    format!(
                        "{{region}}: it could not be looked at: {}",
                        unreachable(error)
                    )
                }
                other => format!("{{region}}: it exists and {}", whose(other)),
            })
        });
        return format!(
            "Refused: destination {name} cannot be provisioned in {} of {} Regions, so nothing \
             was changed in any Region: {}",
            stopped.len(),
            intent.regions.len(),
            stopped.join("; ")
        );
    }
    let mut problems = Vec::new();
    let foreign =
        by_region(&|b| (!matches!(b, Blocker::Unreachable(_))).then(|| "{region}".into()));
    if !foreign.is_empty() {
        problems.push(format!(
            "Destination {name} already exists and is not managed by this stack resource in {}; \
             choose another DestinationName or delete those destinations",
            foreign.join(", ")
        ));
    }
    let unreachable = by_region(&|b| match b {
        Blocker::Unreachable(error) => Some(format!("{{region}} ({})", unreachable(error))),
        _ => None,
    });
    if !unreachable.is_empty() {
        problems.push(format!(
            "These Regions could not be checked: {}",
            unreachable.join(", ")
        ));
    }
    format!("{}. Nothing was changed", problems.join(". "))
}

fn whose(blocker: &Blocker) -> String {
    match blocker {
        Blocker::NotProvisionings {
            manager: Some(owner),
        } => format!("it is managed by {owner:?}, not by provisioning"),
        Blocker::NotAdoptable { manager } => format!(
            "it is managed by {manager:?}, which AdoptExisting never takes a destination from"
        ),
        _ => format!(
            "provisioning did not create it (it has no {OWNER_TAG}={} tag); send \
             AdoptExisting: true to take it over",
            Authority::Provisioning {
                name_prefix: String::new()
            }
            .owner()
        ),
    }
}

/// Why a destination that someone manages is never adopted.
fn not_adoptable(name: &str, manager: &str) -> String {
    format!(
        "Destination {name} is managed by {manager:?} ({OWNER_TAG} tag) and cannot be adopted: \
         AdoptExisting only takes over destinations that no stack resource or provisioning \
         manages"
    )
}

/// An opt-in Region that is not enabled answers every call with a credentials error; say so.
fn unreachable(error: &AwsError) -> String {
    let credentials = matches!(
        error.code.as_deref(),
        Some("UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidSignatureException")
    );
    if credentials {
        format!(
            "{error}. If this is an opt-in Region, it may not be enabled in this account: enable \
             it or remove it from Regions"
        )
    } else {
        error.to_string()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
