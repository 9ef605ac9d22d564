//! What EventBridge provisioning did: the invocation's result, or the Reason it failed,
//! derived like a stack's answer from plan, results and record.

use super::apply::{Applied, Results};
use super::intent::{Intent, Operation};
use super::plan::{Plan, Step};
use super::record::Record;
use super::undo::{by_region, failed, failed_in, one_region_reason, stand_in, undo};
use crate::destinations::{Destination, Destinations};
use serde_json::{json, Map, Value};

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

    fn of(step: Step, applied: &Applied) -> Action {
        match step {
            Step::Create | Step::Finish => Action::Created,
            Step::Converge => Action::Updated,
            Step::Adopt => Action::Adopted,
            Step::Delete if applied.deleted => Action::Deleted,
            Step::Delete | Step::Nothing => Action::AlreadyAbsent,
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

/// A provisioning request's result.
pub async fn for_provisioning(
    logs: &Destinations,
    intent: &Intent,
    plan: &Plan,
    results: Results,
    record: &Record,
) -> Result<Provisioned, String> {
    let failures = failed(&results);
    let name = &intent.name;
    let step_in = |region: &str| {
        plan.regions
            .iter()
            .find(|p| p.region == region)
            .map_or(Step::Nothing, |p| p.step)
    };
    if failures.is_empty() {
        for note in plan.regions.iter().filter_map(|p| p.note.as_deref()) {
            tracing::info!(destination = name, note, "adopted");
        }
        let regions = results
            .into_iter()
            .filter_map(|(region, result)| {
                let applied = result.ok()?;
                Some(InRegion {
                    action: Action::of(step_in(&region), &applied),
                    destination: applied
                        .destination
                        .filter(|_| intent.operation != Operation::Delete),
                    region,
                })
            })
            .collect();
        return Ok(Provisioned {
            name: name.clone(),
            regions,
            listed: intent.listed,
        });
    }
    if intent.operation == Operation::Delete {
        let mut reason = failed_in("Deleting", name, &failures, intent.regions.len());
        let deleted: Vec<&str> = results
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|a| a.deleted))
            .map(|(region, _)| region.as_str())
            .collect();
        if !deleted.is_empty() {
            reason.push_str(&format!(". It was deleted in {}", deleted.join(", ")));
        }
        return Err(if intent.listed {
            reason
        } else {
            failures
                .into_iter()
                .map(|(_, e)| e)
                .collect::<Vec<_>>()
                .join("; ")
        });
    }
    let undone = undo(logs, record).await;
    if !intent.listed {
        return Err(one_region_reason(name, &failures, &undone));
    }
    let mut reason = format!(
        "Provisioning destination {name} failed in {} of {} Regions: {}",
        failures.len(),
        intent.regions.len(),
        by_region(&failures)
    );
    if !undone.removed.is_empty() {
        reason.push_str(&format!(
            ". This request had created it in {}, and removed it again",
            undone.removed.join(", ")
        ));
    }
    if !undone.not_removed.is_empty() {
        reason.push_str(&format!(
            ". Removing what this request created failed in {}: send a Delete event listing \
             these Regions",
            by_region(&undone.not_removed)
        ));
    }
    if !undone.restored.is_empty() {
        reason.push_str(&format!(
            ". It existed before this request in {}, and was put back as it was found{}",
            undone.restored.join(", "),
            stand_in(&undone.stand_in)
        ));
    }
    if !undone.not_restored.is_empty() {
        reason.push_str(&format!(
            ". Putting it back as it was found failed in {}: check its target, role, tags and \
             policy there",
            by_region(&undone.not_restored)
        ));
    }
    Err(reason)
}
