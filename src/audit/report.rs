//! The audit's answer: the invocation's JSON result, one log record per drifted or orphaned
//! destination, and one EMF record per Region.

use super::classify::{Owner, Status};
use super::Owned;
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
        let (stack_id, logical_id) = match &item.owner {
            Owner::Stack {
                stack_id,
                logical_id,
            } => (Some(stack_id.clone()), Some(logical_id.clone())),
            Owner::Shortened { stack_id } => (Some(stack_id.clone()), None),
            Owner::Provisioning | Owner::Unreadable(_) => (None, None),
        };
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

    /// Sorted by Region, then name, so that two runs over the same state read the same.
    pub fn finish(mut self) -> Report {
        for list in [
            &mut self.drifted,
            &mut self.orphaned,
            &mut self.unverifiable,
        ] {
            list.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
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
        });
        // Only when something could not be read, so that a complete report has exactly the
        // issue's five members.
        if let (false, Some(object)) = (self.unreadable.is_empty(), result.as_object_mut()) {
            let unreadable: Vec<Value> = self
                .unreadable
                .iter()
                .map(|(region, why)| json!({"Region": region, "Reason": why}))
                .collect();
            object.insert("Unreadable".into(), json!(unreadable));
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
        for (region, why) in &self.unreadable {
            tracing::error!(region, why, "audit: could not read the Region");
        }
        tracing::info!(
            checked = self.checked(),
            in_sync = self.in_sync,
            drifted = self.drifted.len(),
            orphaned = self.orphaned.len(),
            unverifiable = self.unverifiable.len(),
            unreadable = self.unreadable.len(),
            "audit finished"
        );
    }
}
