//! The preview as data: per resource and Region, what executing the change set would do,
//! from the engine's own plan (the JSON form is this, serialised; the text form prints it).

use crate::destinations::Destination;
use crate::lifecycle::plan::{RegionPlan, Step, Write};
use crate::lifecycle::{Foreseen, Operation, Outcome, Tags};
use crate::properties::RESERVED_TAG_PREFIX;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_set: Option<String>,
    pub stack_id: String,
    pub resources: Vec<Resource>,
    /// Custom resources of the change set that are not previewed, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedResource>,
    /// What the reader should know about the whole preview.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How many resources' requests would be refused (FAILED).
    pub refused: usize,
    /// How many resources hold a value known only after applying: their outcome is unknown.
    pub unknown: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SkippedResource {
    pub logical_resource_id: String,
    pub resource_type: String,
    pub why: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    pub logical_resource_id: String,
    pub resource_type: String,
    /// The change set's action (`Add`, `Modify`, `Remove`), or `Cleanup` for the Delete of a
    /// replaced destination.
    pub change: String,
    /// The request CloudFormation would send: `Create`, `Update` or `Delete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_name: Option<String>,
    /// The name is generated when CloudFormation sends the request (no `DestinationName`):
    /// `DestinationName` shows its form, not its suffix.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub name_generated: bool,
    /// What the engine makes of the request: `Create`, `Replace`, `Update` or `Delete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `Planned`, `Refused`, `Nothing` or `Unknown`.
    pub outcome: &'static str,
    /// The Reason the real request would be answered with (`Refused`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Properties whose new value CloudFormation knows only after applying.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_after_apply: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub regions: Vec<RegionChange>,
    /// For a replacement: CloudFormation's cleanup Delete of the old destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<Box<Resource>>,
}

/// What happens in one Region: `Create`, `Converge`, `Delete`, `TakeOver`, `Finish` (an
/// interrupted creation of this resource, completed), `Refuse` or `Nothing`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegionChange {
    pub region: String,
    pub action: &'static str,
    /// The aspects written, as the audit names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aspects: Vec<&'static str>,
    /// The plan's CloudWatch Logs writes, phase by phase (a phase's writes go at once, each
    /// phase after the one before succeeded): what the function's role will be asked to do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagChanges>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_policy: Option<PolicyDiff>,
    /// What the aspects are compared with when it is not this destination (a replacement's
    /// new destination is compared with the one it replaces).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Change {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    pub after: String,
}

/// The user's tags (the provider's own bookkeeping tags are left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagChanges {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, Change>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub removed: BTreeMap<String, String>,
}

/// A policy change, statement by statement: statements with the same `Sid` on both sides are
/// changed, the others added or removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDiff {
    pub added: Vec<Value>,
    pub removed: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<StatementChange>,
    pub unchanged: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatementChange {
    pub sid: String,
    /// The statement's members that differ (`Principal`, `Resource`, ...).
    pub members: Vec<String>,
    pub before: Value,
    pub after: Value,
}

/// A replaced destination, per Region: what the new one is compared with.
pub type Baseline = BTreeMap<String, (Destination, Tags)>;

impl Resource {
    /// The entry of a request the engine foresaw; `baseline`: a replacement's old destination.
    pub fn foreseen(mut self, foreseen: &Foreseen, baseline: &Baseline) -> Resource {
        self.destination_name = foreseen.name.clone().or(self.destination_name);
        self.operation = foreseen.operation.map(|o| operation_name(o).to_owned());
        self.notes.extend(foreseen.notes.iter().cloned());
        match &foreseen.outcome {
            Outcome::Nothing => {
                self.outcome = "Nothing";
                self.notes.push(
                    "its id names no destination (a failed Create's): the Delete touches nothing"
                        .into(),
                );
            }
            Outcome::Refused { reason, regions } => {
                self.outcome = "Refused";
                self.reason = Some(reason.clone());
                self.regions = regions
                    .iter()
                    .map(|region| RegionChange {
                        region: region.clone(),
                        action: "Refuse",
                        ..RegionChange::default()
                    })
                    .collect();
            }
            Outcome::Planned(plan) => {
                self.outcome = "Planned";
                self.regions = plan
                    .regions
                    .iter()
                    .map(|part| {
                        let found_tags = foreseen.tags.get(&part.region);
                        region_change(part, found_tags, baseline.get(&part.region))
                    })
                    .collect();
            }
        }
        self
    }
}

pub fn operation_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "Create",
        Operation::Replace => "Replace",
        Operation::Update => "Update",
        Operation::Delete => "Delete",
    }
}

fn region_change(
    part: &RegionPlan,
    found_tags: Option<&Tags>,
    baseline: Option<&(Destination, Tags)>,
) -> RegionChange {
    let writes: Vec<&Write> = part.writes.iter().flatten().collect();
    let action = match part.step {
        Step::Create => "Create",
        Step::Finish => "Finish",
        Step::Adopt => "TakeOver",
        Step::Delete => "Delete",
        Step::Converge if writes.is_empty() => "Nothing",
        Step::Converge => "Converge",
        Step::Nothing => "Nothing",
    };
    let mut change = RegionChange {
        region: part.region.clone(),
        action,
        writes: part
            .writes
            .iter()
            .map(|phase| phase.iter().map(Write::operation).collect())
            .collect(),
        // The engine words it for the reply, after the fact.
        note: part
            .note
            .as_ref()
            .map(|n| format!("the reply would say: {n}")),
        ..RegionChange::default()
    };
    if part.step == Step::Delete {
        return change;
    }
    // A new destination is compared with the one it replaces, where there is one.
    let (before, before_tags) = match (part.step, baseline) {
        (Step::Create, Some((old, tags))) => {
            change.compared_with = Some(old.name.clone());
            (Some(old), Some(tags))
        }
        (Step::Create, None) => (None, None),
        _ => (part.found.as_ref(), found_tags),
    };
    for write in &writes {
        match write {
            Write::Put {
                target_arn,
                role_arn,
                ..
            } => {
                let target = before.map(|d| d.target_arn.clone());
                if target.as_ref() != Some(target_arn) {
                    change.target_arn = Some(Change {
                        before: target,
                        after: target_arn.clone(),
                    });
                }
                let role = before.map(|d| d.role_arn.clone());
                if role.as_ref() != Some(role_arn) {
                    change.role_arn = Some(Change {
                        before: role,
                        after: role_arn.clone(),
                    });
                }
            }
            Write::Policy { text, .. } => {
                let before_policy = before.and_then(|d| d.access_policy.as_deref());
                let diff = policy_diff(before_policy, text);
                if !diff.added.is_empty() || !diff.removed.is_empty() || !diff.changed.is_empty() {
                    change.destination_policy = Some(diff);
                }
            }
            Write::Tag(_) | Write::Untag(_) | Write::Delete => {}
        }
    }
    let tags = tag_changes(before_tags, &writes);
    if !tags.set.is_empty() || !tags.removed.is_empty() {
        change.tags = Some(tags);
    }
    let aspects = [
        ("TargetArn", change.target_arn.is_some()),
        ("RoleArn", change.role_arn.is_some()),
        ("DestinationPolicy", change.destination_policy.is_some()),
        ("Tags", change.tags.is_some()),
    ];
    change.aspects = aspects
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect();
    if action == "Converge" && change.aspects.is_empty() && change.note.is_none() {
        change.note = Some(
            "only this provider's own tags change (the fingerprint of what is requested, which \
             the audit reads)"
                .into(),
        );
    }
    change
}

/// The user's tags the writes set or remove, measured from `before` (`None`: nothing there).
fn tag_changes(before: Option<&Tags>, writes: &[&Write]) -> TagChanges {
    let empty = Tags::new();
    let before = before.unwrap_or(&empty);
    let mine = |key: &str| key.starts_with(RESERVED_TAG_PREFIX) || key.starts_with("aws:");
    let mut changes = TagChanges::default();
    for write in writes {
        match write {
            Write::Tag(set) => {
                for (key, value) in set.iter().filter(|(key, _)| !mine(key)) {
                    if before.get(key) != Some(value) {
                        changes.set.insert(
                            key.clone(),
                            Change {
                                before: before.get(key).cloned(),
                                after: value.clone(),
                            },
                        );
                    }
                }
            }
            Write::Untag(keys) => {
                for key in keys.iter().filter(|key| !mine(key)) {
                    changes
                        .removed
                        .insert(key.clone(), before.get(key).cloned().unwrap_or_default());
                }
            }
            _ => {}
        }
    }
    changes
}

/// Statement by statement, from the policy a destination has (`None`: none) to `after`.
pub fn policy_diff(before: Option<&str>, after: &str) -> PolicyDiff {
    let statements = |text: Option<&str>| -> Vec<Value> {
        let Some(document) = text.and_then(|t| serde_json::from_str::<Value>(t).ok()) else {
            return Vec::new();
        };
        match document.get("Statement") {
            Some(Value::Array(list)) => list.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        }
    };
    let old = statements(before);
    let new = statements(Some(after));
    let mut diff = PolicyDiff {
        added: new.iter().filter(|s| !old.contains(s)).cloned().collect(),
        removed: old.iter().filter(|s| !new.contains(s)).cloned().collect(),
        changed: Vec::new(),
        unchanged: new.iter().filter(|s| old.contains(s)).count(),
    };
    let sid = |statement: &Value| {
        statement
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut added = Vec::new();
    for statement in std::mem::take(&mut diff.added) {
        let paired = sid(&statement).and_then(|id| {
            let at = diff
                .removed
                .iter()
                .position(|old| sid(old).as_deref() == Some(id.as_str()))?;
            Some((id, diff.removed.remove(at)))
        });
        match paired {
            Some((id, before)) => {
                let keys = |v: &Value| -> Vec<String> {
                    v.as_object()
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default()
                };
                let mut members: Vec<String> = keys(&before)
                    .into_iter()
                    .chain(keys(&statement))
                    .filter(|key| before.get(key) != statement.get(key))
                    .collect();
                members.sort();
                members.dedup();
                diff.changed.push(StatementChange {
                    sid: id,
                    members,
                    before,
                    after: statement,
                });
            }
            None => added.push(statement),
        }
    }
    diff.added = added;
    diff
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
