//! The audit's answer: the invocation's JSON result, one log record per drifted or orphaned
//! destination and per uncovered resource, one EMF record per Region and one for coverage.

use super::classify::{Owner, Status};
use super::coverage::{Coverage, Resource};
use super::Owned;
use crate::lifecycle::fingerprint::RequestedRegions;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One destination in a list of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub region: String,
    pub stack_id: Option<String>,
    pub logical_id: Option<String>,
    /// `Drifted`: the aspects; `Orphaned` and `Unverifiable`: why (one entry).
    pub detail: Vec<String>,
}

/// One resource (an ownership tag value and a destination name) in a coverage list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceEntry {
    pub name: String,
    pub stack_id: Option<String>,
    pub logical_id: Option<String>,
    /// The Region set its destinations carry (the most common one when they disagree).
    pub requested: Option<RequestedRegions>,
    /// `Uncovered`: the Regions its set includes where its destination is not (empty when
    /// only a digest tells).
    pub regions: Vec<String>,
    pub reason: String,
    /// `Uncovered`: what puts it right.
    pub fix: String,
}

/// Per Region: destinations checked, drifted, orphaned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub checked: u32,
    pub drifted: u32,
    pub orphaned: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub in_sync: u32,
    pub drifted: Vec<Entry>,
    pub orphaned: Vec<Entry>,
    pub unverifiable: Vec<Entry>,
    /// Resources whose Region set includes a Region where their destination is not.
    pub uncovered: Vec<ResourceEntry>,
    /// Resources whose coverage could not be checked (ListRegions failed, a Region could not
    /// be read), with why.
    pub coverage_unknown: Vec<ResourceEntry>,
    /// ListRegions' answer, when some resource asks for every enabled Region.
    pub enabled_regions: Option<Vec<String>>,
    /// Every audited Region, read or not.
    pub regions: BTreeMap<String, Counts>,
    /// Regions that could not be read (wholly, or some destinations' tags), with why: the
    /// report is incomplete there.
    pub unreadable: BTreeMap<String, String>,
}

impl Report {
    pub fn new(regions: &[String]) -> Report {
        Report {
            regions: regions
                .iter()
                .map(|r| (r.clone(), Counts::default()))
                .collect(),
            ..Report::default()
        }
    }

    pub fn add(&mut self, item: &Owned, status: Status) {
        let (stack_id, logical_id) = ids(&item.owner);
        let entry = |detail: Vec<String>| Entry {
            name: item.destination.name.clone(),
            region: item.region.clone(),
            stack_id: stack_id.clone(),
            logical_id: logical_id.clone(),
            detail,
        };
        let counts = self.regions.entry(item.region.clone()).or_default();
        counts.checked += 1;
        match status {
            Status::InSync => self.in_sync += 1,
            Status::Drifted(aspects) => {
                counts.drifted += 1;
                self.drifted
                    .push(entry(aspects.iter().map(|a| (*a).to_owned()).collect()));
            }
            Status::Orphaned(why) => {
                counts.orphaned += 1;
                self.orphaned.push(entry(vec![why]));
            }
            Status::Unverifiable(why) => self.unverifiable.push(entry(vec![why])),
        }
    }

    /// One resource's coverage: listed when uncovered, or when it could not be checked.
    pub fn add_coverage(&mut self, resource: &Resource, coverage: Coverage) {
        let (stack_id, logical_id) = ids(&resource.owner);
        let entry = |regions: Vec<String>, reason: String, fix: String| ResourceEntry {
            name: resource.name.clone(),
            stack_id: stack_id.clone(),
            logical_id: logical_id.clone(),
            requested: resource.requested.first().cloned(),
            regions,
            reason,
            fix,
        };
        let disagreement = coverage
            .disagreement
            .as_ref()
            .map(|why| format!(" ({why})"))
            .unwrap_or_default();
        if coverage.is_uncovered() {
            let mut reasons = Vec::new();
            if !coverage.missing.is_empty() {
                reasons.push(format!(
                    "{} {}, where its destination is not",
                    describe(resource.requested.first()),
                    coverage.missing.join(", ")
                ));
            }
            reasons.extend(coverage.unnamed.clone());
            let reason = format!("{}{disagreement}", reasons.join("; "));
            let fix = fix(resource);
            self.uncovered.push(entry(coverage.missing, reason, fix));
        }
        if !coverage.unknown.is_empty() {
            let reason = format!("{}{disagreement}", coverage.unknown.join("; "));
            self.coverage_unknown
                .push(entry(Vec::new(), reason, String::new()));
        }
    }

    /// Sorted by Region, then name, so that two runs over the same state read the same.
    pub fn finish(mut self) -> Report {
        for list in [
            &mut self.drifted,
            &mut self.orphaned,
            &mut self.unverifiable,
        ] {
            list.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
        }
        for list in [&mut self.uncovered, &mut self.coverage_unknown] {
            list.sort_by(|a, b| (&a.name, &a.stack_id).cmp(&(&b.name, &b.stack_id)));
        }
        self
    }

    pub fn checked(&self) -> u32 {
        self.regions.values().map(|c| c.checked).sum()
    }

    /// The invocation's result.
    pub fn to_json(&self) -> Value {
        let list = |entries: &[Entry], extra: Option<&str>| -> Vec<Value> {
            entries
                .iter()
                .map(|e| {
                    let mut value = json!({
                        "DestinationName": e.name,
                        "Region": e.region,
                        "StackId": e.stack_id,
                        "LogicalResourceId": e.logical_id,
                    });
                    if let (Some(key), Some(object)) = (extra, value.as_object_mut()) {
                        let detail = if key == "Aspects" {
                            json!(e.detail)
                        } else {
                            json!(e.detail.join("; "))
                        };
                        object.insert(key.into(), detail);
                    }
                    value
                })
                .collect()
        };
        let mut result = json!({
            "Checked": self.checked(),
            "InSync": self.in_sync,
            "Drifted": list(&self.drifted, Some("Aspects")),
            "Orphaned": list(&self.orphaned, None),
            "Unverifiable": list(&self.unverifiable, Some("Reason")),
            "Uncovered": self.uncovered.iter().map(ResourceEntry::to_json).collect::<Vec<_>>(),
        });
        // Only when something could not be read, so that a complete report has exactly its
        // six members (`CoverageUnknown` and `EnabledRegions` likewise, only when they say
        // something).
        if let (false, Some(object)) = (self.unreadable.is_empty(), result.as_object_mut()) {
            let unreadable: Vec<Value> = self
                .unreadable
                .iter()
                .map(|(region, why)| json!({"Region": region, "Reason": why}))
                .collect();
            object.insert("Unreadable".into(), json!(unreadable));
        }
        if let (false, Some(object)) = (self.coverage_unknown.is_empty(), result.as_object_mut()) {
            let unknown: Vec<Value> = self
                .coverage_unknown
                .iter()
                .map(ResourceEntry::to_json)
                .collect();
            object.insert("CoverageUnknown".into(), json!(unknown));
        }
        if let (Some(enabled), Some(object)) = (&self.enabled_regions, result.as_object_mut()) {
            object.insert("EnabledRegions".into(), json!(enabled));
        }
        result
    }

    /// One EMF line per audited Region; one that could not be read (all or part) also
    /// counts `Unreadable`, so that its zeros do not read as all clear.
    pub fn publish_metrics(&self) {
        for (region, counts) in &self.regions {
            crate::metrics::publish_audit(
                region,
                crate::metrics::AuditFigures {
                    checked: counts.checked,
                    drifted: counts.drifted,
                    orphaned: counts.orphaned,
                    unreadable: u32::from(self.unreadable.contains_key(region)),
                },
            );
        }
        crate::metrics::publish_coverage(crate::metrics::CoverageFigures {
            uncovered: count(self.uncovered.len()),
            unknown: count(self.coverage_unknown.len()),
        });
    }

    /// One record per drifted or orphaned destination, and a summary.
    pub fn log(&self) {
        for e in &self.drifted {
            tracing::warn!(
                destination = e.name,
                region = e.region,
                stack_id = e.stack_id.as_deref().unwrap_or_default(),
                logical_resource_id = e.logical_id.as_deref().unwrap_or_default(),
                aspects = e.detail.join(","),
                "audit: destination drifted from what its stack resource last wrote"
            );
        }
        for e in &self.orphaned {
            tracing::warn!(
                destination = e.name,
                region = e.region,
                stack_id = e.stack_id.as_deref().unwrap_or_default(),
                logical_resource_id = e.logical_id.as_deref().unwrap_or_default(),
                why = e.detail.join("; "),
                "audit: orphaned destination, no stack resource manages it"
            );
        }
        for e in &self.uncovered {
            tracing::warn!(
                destination = e.name,
                regions = e.regions.join(","),
                stack_id = e.stack_id.as_deref().unwrap_or_default(),
                logical_resource_id = e.logical_id.as_deref().unwrap_or_default(),
                why = e.reason,
                fix = e.fix,
                "audit: uncovered, a Region the resource asks for has no destination"
            );
        }
        for e in &self.coverage_unknown {
            tracing::error!(
                destination = e.name,
                stack_id = e.stack_id.as_deref().unwrap_or_default(),
                logical_resource_id = e.logical_id.as_deref().unwrap_or_default(),
                why = e.reason,
                "audit: could not check the resource's coverage"
            );
        }
        for (region, why) in &self.unreadable {
            tracing::error!(region, why, "audit: could not read the Region");
        }
        tracing::info!(
            checked = self.checked(),
            in_sync = self.in_sync,
            drifted = self.drifted.len(),
            orphaned = self.orphaned.len(),
            unverifiable = self.unverifiable.len(),
            uncovered = self.uncovered.len(),
            coverage_unknown = self.coverage_unknown.len(),
            unreadable = self.unreadable.len(),
            "audit finished"
        );
    }
}

impl ResourceEntry {
    fn to_json(&self) -> Value {
        let mut value = json!({
            "DestinationName": self.name,
            "StackId": self.stack_id,
            "LogicalResourceId": self.logical_id,
            "Requested": self.requested.as_ref().map(requested_json),
            "Reason": self.reason,
        });
        if let (false, Some(object)) = (self.fix.is_empty(), value.as_object_mut()) {
            object.insert("MissingRegions".into(), json!(self.regions));
            object.insert("Fix".into(), json!(self.fix));
        }
        value
    }
}

/// As the properties spell it.
fn requested_json(set: &RequestedRegions) -> Value {
    match set {
        RequestedRegions::Every { excluded } => {
            json!({"Regions": "*", "ExcludedRegions": excluded})
        }
        RequestedRegions::Listed(regions) => json!({"Regions": regions}),
        RequestedRegions::Digest { count, hash } => {
            json!({"RegionCount": count, "RegionsDigest": hash})
        }
    }
}

/// The set in words, with its verb, for a reason.
fn describe(set: Option<&RequestedRegions>) -> String {
    match set {
        Some(RequestedRegions::Every { excluded }) if excluded.is_empty() => {
            "\"*\" (every Region enabled for the account now) includes".into()
        }
        Some(RequestedRegions::Every { excluded }) => format!(
            "\"*\" (every Region enabled for the account now, less ExcludedRegions {}) includes",
            excluded.join(", ")
        ),
        Some(RequestedRegions::Listed(_)) => "its Regions include".into(),
        _ => "its Region set includes".into(),
    }
}

/// What puts an uncovered resource right.
fn fix(resource: &Resource) -> String {
    let update = match resource.owner {
        // An event is processed whatever it carries: no Revision needed.
        Owner::Provisioning => "send its provisioning Update event again",
        _ => "deploy its stack with a new Revision",
    };
    if resource.asks_for_every_region() {
        format!(
            "{update} (it creates the destination there), or list the Region in ExcludedRegions"
        )
    } else {
        format!(
            "{update} (it creates the destination there again), or remove the Region from Regions"
        )
    }
}

fn ids(owner: &Owner) -> (Option<String>, Option<String>) {
    match owner {
        Owner::Stack {
            stack_id,
            logical_id,
        } => (Some(stack_id.clone()), Some(logical_id.clone())),
        Owner::Shortened { stack_id } => (Some(stack_id.clone()), None),
        Owner::Provisioning | Owner::Unreadable(_) => (None, None),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
