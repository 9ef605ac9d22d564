//! Coverage: whether each resource has its destination in every Region it asked for. Pure:
//! the reads (ListRegions, and a look in Regions the audit was not asked to read) are made
//! elsewhere.
//!
//! A resource is one ownership tag value and one destination name (a stack resource, or one
//! provisioned destination). Its requested Region set is in the fingerprint tag of each of its
//! destinations (format v2); a destination written before that (v1) says nothing, so such a
//! resource's coverage is unknown and it is never `Uncovered`.

use super::classify::{Owner, Tags};
use crate::lifecycle::fingerprint::{Fingerprint, RequestedRegions, FINGERPRINT_TAG};
use crate::lifecycle::OWNER_TAG;
use std::collections::{BTreeMap, BTreeSet};

/// One resource as the audit found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Its ownership tag's value.
    pub owner_value: String,
    pub owner: Owner,
    pub name: String,
    /// The distinct Region sets its destinations' fingerprints carry, sorted by how many
    /// carry each (most first). Empty: none carries one (v1 fingerprints, or none).
    pub requested: Vec<RequestedRegions>,
    /// The audited Regions where its destination was found.
    pub found: BTreeSet<String>,
}

/// One destination as read, for grouping.
pub struct Found<'a> {
    pub region: &'a str,
    pub name: &'a str,
    pub tags: &'a Tags,
    pub owner: &'a Owner,
}

/// Groups the destinations into resources, in the order of (ownership tag value, name).
pub fn resources<'a>(found: impl IntoIterator<Item = Found<'a>>) -> Vec<Resource> {
    type Sets = BTreeMap<String, (usize, RequestedRegions)>;
    let mut groups: BTreeMap<(String, String), (Resource, Sets)> = BTreeMap::new();
    for item in found {
        let Some(owner_value) = item.tags.get(OWNER_TAG) else {
            continue;
        };
        let key = (owner_value.clone(), item.name.to_owned());
        let (resource, sets) = groups.entry(key).or_insert_with(|| {
            let resource = Resource {
                owner_value: owner_value.clone(),
                owner: item.owner.clone(),
                name: item.name.to_owned(),
                requested: Vec::new(),
                found: BTreeSet::new(),
            };
            (resource, Sets::new())
        });
        resource.found.insert(item.region.to_owned());
        let requested = item
            .tags
            .get(FINGERPRINT_TAG)
            .and_then(|value| Fingerprint::parse(value))
            .and_then(|print| print.regions().cloned());
        if let Some(requested) = requested {
            sets.entry(format!("{requested:?}"))
                .or_insert((0, requested))
                .0 += 1;
        }
    }
    groups
        .into_values()
        .map(|(mut resource, sets)| {
            let mut sets: Vec<(usize, RequestedRegions)> = sets.into_values().collect();
            sets.sort_by_key(|set| std::cmp::Reverse(set.0));
            resource.requested = sets.into_iter().map(|(_, set)| set).collect();
            resource
        })
        .collect()
}

/// The Regions enabled for the account, as far as they are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enabled {
    /// No resource needed them (none asks for `"*"` or records a digest): ListRegions was
    /// not called.
    NotAsked,
    Listed(Vec<String>),
    /// ListRegions failed: why.
    Failed(String),
}

/// What a look for a destination name in a Region the audit did not read found: the value of
/// its ownership tag (empty when it has none), `None` when there is no destination of that
/// name, or why the Region could not be read.
pub type Looked = Result<Option<String>, String>;

/// Everything the audit saw that coverage needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The audited Regions that were read whole.
    pub read: BTreeSet<String>,
    /// The audited Regions that were not (wholly or in part), with why.
    pub unreadable: BTreeMap<String, String>,
    pub enabled: Enabled,
    /// By (Region, destination name): what a look in a Region not audited found.
    pub looked: BTreeMap<(String, String), Looked>,
}

impl Resource {
    pub fn asks_for_every_region(&self) -> bool {
        self.requested
            .iter()
            .any(|set| matches!(set, RequestedRegions::Every { .. }))
    }

    /// `"*"` needs the enabled Regions; so does a digest, whose destinations are looked for
    /// in every enabled Region, so that the digest is compared with where they all are.
    pub fn needs_enabled_regions(&self) -> bool {
        self.requested
            .iter()
            .any(|set| !matches!(set, RequestedRegions::Listed(_)))
    }

    /// The Regions its sets name that the audit was not asked to read: where to look for its
    /// destination.
    pub fn to_look_in(&self, seen: &Seen) -> BTreeSet<String> {
        self.requested
            .iter()
            .filter_map(|set| named(set, &seen.enabled))
            .flatten()
            .filter(|region| !seen.read.contains(region) && !seen.unreadable.contains_key(region))
            .collect()
    }
}

/// The Regions where a set's destinations are to be looked for: those it lists; for `"*"`,
/// the enabled ones but the excluded; for a digest, every enabled one. `None` when the
/// enabled Regions are not known.
fn named(set: &RequestedRegions, enabled: &Enabled) -> Option<Vec<String>> {
    match (set, enabled) {
        (RequestedRegions::Listed(regions), _) => Some(regions.clone()),
        (RequestedRegions::Digest { .. }, Enabled::Listed(enabled)) => Some(enabled.clone()),
        (RequestedRegions::Every { excluded }, Enabled::Listed(enabled)) => Some(
            enabled
                .iter()
                .filter(|region| !excluded.contains(region))
                .cloned()
                .collect(),
        ),
        _ => None,
    }
}

/// Where a resource stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Regions its set includes where its destination is not.
    pub missing: Vec<String>,
    /// A digest that does not match where it was found: why (no Region can be named).
    pub unnamed: Option<String>,
    /// What could not be checked, and why.
    pub unknown: Vec<String>,
    /// Its destinations carry different Region sets (each was checked).
    pub disagreement: Option<String>,
}

impl Coverage {
    pub fn is_uncovered(&self) -> bool {
        !self.missing.is_empty() || self.unnamed.is_some()
    }
}

/// Checks one resource against each Region set its destinations carry.
pub fn judge(resource: &Resource, seen: &Seen) -> Coverage {
    let mut coverage = Coverage::default();
    let mut missing = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for set in &resource.requested {
        if let RequestedRegions::Digest { count, hash } = set {
            if let Some(why) = digest_mismatch(resource, seen, *count, hash) {
                match why {
                    Mismatch::Uncovered(why) => coverage.unnamed = Some(why),
                    Mismatch::Unknown(why) => {
                        unknown.insert(why);
                    }
                }
            }
            continue;
        }
        let Some(regions) = named(set, &seen.enabled) else {
            if let Enabled::Failed(why) = &seen.enabled {
                unknown.insert(format!(
                    "it asks for every enabled Region (\"*\"), and ListRegions failed, so which \
                     Regions those are is unknown: {why}"
                ));
            }
            continue;
        };
        for region in regions {
            if resource.found.contains(&region) {
                continue;
            }
            if seen.read.contains(&region) {
                missing.insert(region);
                continue;
            }
            if let Some(why) = seen.unreadable.get(&region) {
                unknown.insert(format!("{region} could not be read: {why}"));
                continue;
            }
            match seen.looked.get(&(region.clone(), resource.name.clone())) {
                Some(Ok(Some(owner))) if *owner == resource.owner_value => {}
                Some(Ok(_)) => {
                    missing.insert(region);
                }
                Some(Err(why)) => {
                    unknown.insert(format!("{region} could not be read: {why}"));
                }
                None => {
                    unknown.insert(format!("{region} was not looked at"));
                }
            }
        }
    }
    coverage.missing = missing.into_iter().collect();
    coverage.unknown = unknown.into_iter().collect();
    if resource.requested.len() > 1 {
        coverage.disagreement = Some(format!(
            "its destinations carry {} different Region sets (an Update that did not finish in \
             every Region); each was checked",
            resource.requested.len()
        ));
    }
    coverage
}

enum Mismatch {
    Uncovered(String),
    Unknown(String),
}

/// A set recorded as a digest (too long to spell out in a tag) can only be compared whole
/// with every Region where the destination is: the audited ones, and the enabled ones looked
/// in.
fn digest_mismatch(resource: &Resource, seen: &Seen, count: usize, hash: &str) -> Option<Mismatch> {
    let mut found = resource.found.clone();
    let mut gaps = Vec::new();
    if let Some(why) = seen.unreadable.keys().next() {
        gaps.push(format!("{why} could not be read"));
    }
    match &seen.enabled {
        Enabled::Listed(enabled) => {
            let elsewhere = enabled
                .iter()
                .filter(|r| !seen.read.contains(*r) && !seen.unreadable.contains_key(*r));
            for region in elsewhere {
                match seen.looked.get(&(region.clone(), resource.name.clone())) {
                    Some(Ok(Some(owner))) if *owner == resource.owner_value => {
                        found.insert(region.clone());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => gaps.push(format!("{region} could not be read")),
                }
            }
        }
        Enabled::Failed(why) => gaps.push(why.clone()),
        Enabled::NotAsked => {}
    }
    let found: Vec<String> = found.into_iter().collect();
    if RequestedRegions::digest_of(&found) == hash {
        return None;
    }
    let n = found.len();
    let recorded = format!("its Region set ({count} Regions) is recorded only as a digest");
    Some(if !gaps.is_empty() {
        Mismatch::Unknown(format!(
            "{recorded}, which does not match the {n} Region(s) where its destination was \
             found, and not every Region could be read ({})",
            gaps.join("; ")
        ))
    } else if n > count {
        Mismatch::Unknown(format!(
            "{recorded}, and its destination is in more Regions than that ({n}), so which of \
             them it asked for cannot be told"
        ))
    } else {
        Mismatch::Uncovered(format!(
            "{recorded}, which does not match the {n} Region(s) where its destination is ({}), \
             so at least one Region it asks for lacks it; a digest cannot name which",
            found.join(", ")
        ))
    })
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
