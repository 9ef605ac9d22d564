//! The writes that bring one Region's destination to what the request asks for, and those
//! that would put it back: each aspect only where it differs (every call is a deploy's wait).

use super::authority::Tags;
use super::fingerprint::{policy_document, Fingerprint, FINGERPRINT_TAG};
use super::intent::{Intent, PolicyRule, TagScope};
use super::names::OWNER_TAG;
use crate::destinations::Destination;
use crate::properties::{self, DestinationProperties, Policy, RESERVED_TAG_PREFIX};
use serde_json::{json, Value};
use std::collections::BTreeSet;

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

/// The part of a destination a write changes: undoing puts back only the parts that a
/// request's record shows it may have changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aspect {
    /// Whether it exists (a creating PutDestination, DeleteDestination).
    Existence,
    /// Target and role (a PutDestination of an existing destination).
    Target,
    Tags,
    Policy,
}

impl Write {
    pub fn aspect(&self) -> Aspect {
        match self {
            Write::Put { creates: true, .. } | Write::Delete => Aspect::Existence,
            Write::Put { .. } => Aspect::Target,
            Write::Tag(_) | Write::Untag(_) => Aspect::Tags,
            Write::Policy { .. } => Aspect::Policy,
        }
    }

    /// The CloudWatch Logs operation that makes it.
    pub fn operation(&self) -> &'static str {
        match self {
            Write::Put { .. } => "PutDestination",
            Write::Tag(_) => "TagResource",
            Write::Untag(_) => "UntagResource",
            Write::Policy { .. } => "PutDestinationPolicy",
            Write::Delete => "DeleteDestination",
        }
    }
}

/// What puts a destination that existed before the request back as it was `found`, for
/// every aspect `writes` change: its target and role; only the tag keys they set or removed
/// (tags others manage are not this request's to touch); its policy. There is no
/// DeleteDestinationPolicy: where there was none, the own-account-only policy stands in (the
/// Reason says so). The policy goes back with ForceUpdate: senders used it moments ago.
/// One phase: the aspects are independent, and an interrupted request has only seconds.
pub fn put_back(found: &Destination, tags: &Tags, writes: &[Vec<Write>]) -> Vec<Vec<Write>> {
    let all: Vec<&Write> = writes.iter().flatten().collect();
    let mut undo = Vec::new();
    if all.iter().any(|w| w.aspect() == Aspect::Target) {
        undo.push(Write::Put {
            target_arn: found.target_arn.clone(),
            role_arn: found.role_arn.clone(),
            creates: false,
        });
    }
    let touched: BTreeSet<&String> = all
        .iter()
        .flat_map(|w| match w {
            Write::Tag(set) => set.keys().collect(),
            Write::Untag(keys) => keys.iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    let to_remove: Vec<String> = touched
        .iter()
        .filter(|key| !tags.contains_key(**key))
        .map(|key| (*key).clone())
        .collect();
    let to_set: Tags = touched
        .iter()
        .filter_map(|key| tags.get(*key).map(|value| ((*key).clone(), value.clone())))
        .collect();
    if !to_remove.is_empty() {
        undo.push(Write::Untag(to_remove));
    }
    if !to_set.is_empty() {
        undo.push(Write::Tag(to_set));
    }
    if all.iter().any(|w| w.aspect() == Aspect::Policy) {
        undo.push(Write::Policy {
            text: had_policy(found)
                .map(str::to_owned)
                .unwrap_or_else(|| own_account_only_policy(&found.arn).text),
            force_update: true,
            organization_hint: false,
        });
    }
    if undo.is_empty() {
        Vec::new()
    } else {
        vec![undo]
    }
}

/// The access policy a destination had, if any.
pub fn had_policy(found: &Destination) -> Option<&str> {
    found
        .access_policy
        .as_deref()
        .filter(|policy| !policy.trim().is_empty())
}

/// The user's tags plus the ownership tag and the fingerprint of the state the writes leave:
/// the requested target, role and tags, `policy_after`, the policy the destination has once
/// they are done (`None`: none), and the resource's Region set. Written together, in one
/// TagResource.
pub fn wanted_tags(
    intent: &Intent,
    desired: &DestinationProperties,
    policy_after: Option<&Value>,
) -> Tags {
    let mut tags = desired.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), intent.authority.owner().to_owned());
    let print = Fingerprint::of(
        &desired.target_arn,
        &desired.role_arn,
        policy_after,
        &desired.tags,
    )
    .with_regions(intent.requested.clone());
    tags.insert(FINGERPRINT_TAG.to_owned(), print.tag_value());
    tags
}

/// The policy a destination has after a write of `written` (`None`: it keeps what it had).
pub fn policy_after(written: Option<&Policy>, found: Option<&Destination>) -> Option<Value> {
    match written {
        Some(policy) => Some(policy.document.clone()),
        None => found.and_then(policy_document),
    }
}

/// The policy the request asks for on the destination `arn` (checked before any call).
pub fn requested(desired: &DestinationProperties, arn: &str) -> Option<Policy> {
    desired.access_policy(arn).ok().flatten()
}

/// PutDestination without tags (AWS refuses them there), then tags and policy at once: each
/// is a round trip a stack deploy waits for.
pub fn create(intent: &Intent, region: &str, desired: &DestinationProperties) -> Vec<Vec<Write>> {
    let put = Write::Put {
        target_arn: desired.target_arn.clone(),
        role_arn: desired.role_arn.clone(),
        creates: true,
    };
    let requested = requested(desired, intent.arn(region));
    let tags = wanted_tags(
        intent,
        desired,
        policy_after(requested.as_ref(), None).as_ref(),
    );
    let policy = requested.map(|policy| Write::Policy {
        text: policy.text,
        force_update: desired.force_update,
        organization_hint: !desired.force_update && desired.grants_organizations(),
    });
    let finish = std::iter::once(Write::Tag(tags)).chain(policy).collect();
    vec![vec![put], finish]
}

/// Target and role, tags and policy of a destination this request owns, each only where it
/// differs, all at once.
pub fn converge(
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
                key.starts_with(RESERVED_TAG_PREFIX)
                    || desired.tags.contains_key(key)
                    || old.as_ref().is_none_or(|old| old.contains_key(key))
            }
        })
        .collect();
    let mut writes: Vec<Write> = repoint(found, &desired.target_arn, &desired.role_arn)
        .into_iter()
        .collect();
    let required = match intent.policy_rule {
        PolicyRule::AsRequested => requested(desired, &found.arn),
        PolicyRule::OrOwnAccountOnly { had_policy } => {
            or_own_account_only(desired, found, had_policy)
        }
    };
    let after = policy_after(required.as_ref(), Some(found));
    writes.extend(tag_writes(
        &removable,
        &wanted_tags(intent, desired, after.as_ref()),
    ));
    writes.extend(policy_write(desired, found, required));
    if writes.is_empty() {
        Vec::new()
    } else {
        vec![writes]
    }
}

/// Takes over a destination nobody manages: the ownership tag first, then target and role,
/// and the policy last (it can be replaced but never removed, so nothing may fail after it).
/// Undoing puts back target, role, the tags and the policy as found.
pub fn adopt(
    intent: &Intent,
    desired: &DestinationProperties,
    found: &Destination,
    tags: &Tags,
) -> Adoption {
    let original = without_system_tags(tags);
    let policy = or_own_account_only(desired, found, false);
    let wanted = wanted_tags(
        intent,
        desired,
        policy_after(policy.as_ref(), Some(found)).as_ref(),
    );
    let writes: Vec<Vec<Write>> = [
        tag_writes(&original, &wanted),
        repoint(found, &desired.target_arn, &desired.role_arn)
            .into_iter()
            .collect(),
        policy_write(desired, found, policy).into_iter().collect(),
    ]
    .into_iter()
    .filter(|phase| !phase.is_empty())
    .collect();
    let undo = put_back(found, &original, &writes);
    let note = format!(
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
    );
    Adoption { writes, undo, note }
}

/// Taking over a destination: its writes, what putting it back takes, and what to tell.
pub struct Adoption {
    pub writes: Vec<Vec<Write>>,
    pub undo: Vec<Vec<Write>>,
    pub note: String,
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
pub fn without_system_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(key, _)| !key.starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// PutDestinationPolicy when `policy` differs from what AWS reports.
pub fn policy_write(
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
