//! A stack request's answer, derived from its plan, what each Region ended with and the
//! record: the reply's id, Reason and `Data`; after a failure, once its own work is undone.

use super::apply::Results;
use super::intent::{Intent, Operation};
use super::plan::{Plan, Step};
use super::record::Record;
use super::undo::{failed, failed_in, one_region_reason, told, undo};
use crate::destinations::{Destination, Destinations};

/// A request that was carried out.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub physical_resource_id: String,
    /// The destination's final state, for the reply's `Data`; `None` after a Delete.
    pub destination: Option<Destination>,
    /// Something the user should know although the request succeeded.
    pub warning: Option<String>,
    /// With `Regions`: `(Region, ARN)` of every Region in the order of `Regions`, the first
    /// being `destination`; empty otherwise.
    pub regional: Vec<(String, String)>,
    /// `Regions: "*"`: the reply lists the Regions instead of the ARNs in order.
    pub every: bool,
}

impl Done {
    /// A Delete's outcome: nothing is left under `id` that this resource owns.
    pub fn gone(id: &str, warning: Option<String>) -> Done {
        Done {
            physical_resource_id: id.to_owned(),
            destination: None,
            warning,
            regional: Vec::new(),
            every: false,
        }
    }
}

/// A request that could not be carried out, and the id to answer it with.
#[derive(Clone, Debug, PartialEq)]
pub struct Failed {
    pub physical_resource_id: String,
    pub reason: String,
}

/// A stack request's answer.
pub async fn for_stack(
    logs: &Destinations,
    intent: &Intent,
    plan: &Plan,
    results: Results,
    record: &Record,
    failed_id: &str,
) -> Result<Done, Failed> {
    let failures = failed(&results);
    let name = &intent.name;
    if failures.is_empty() {
        let warnings: Vec<&str> = intent
            .notes
            .iter()
            .map(String::as_str)
            .chain(plan.regions.iter().filter_map(|p| p.note.as_deref()))
            .collect();
        let warning = (!warnings.is_empty()).then(|| warnings.join("; "));
        if intent.operation == Operation::Delete {
            return Ok(Done::gone(failed_id, warning));
        }
        let wanted: Vec<(String, Destination)> = intent
            .regions
            .iter()
            .filter_map(|region| {
                let (_, result) = results.iter().find(|(r, _)| r == region)?;
                let destination = result.as_ref().ok()?.destination.clone()?;
                Some((region.clone(), destination))
            })
            .collect();
        return Ok(Done {
            physical_resource_id: name.clone(),
            regional: if intent.listed {
                wanted
                    .iter()
                    .map(|(r, d)| (r.clone(), d.arn.clone()))
                    .collect()
            } else {
                Vec::new()
            },
            destination: wanted.into_iter().next().map(|(_, d)| d),
            warning,
            every: intent.every,
        });
    }
    let undone = undo(logs, record).await;
    let fail = |id: &str, reason: String| Failed {
        physical_resource_id: id.to_owned(),
        reason,
    };
    let finished_then = |mut reason: String, then: &str| {
        if let Some(finished) = record.finished_so_far() {
            reason.push_str(&format!(". Finished in the others: {finished}{then}"));
        }
        reason
    };
    let written = plan
        .regions
        .iter()
        .filter(|p| p.step != Step::Nothing)
        .count();
    match intent.operation {
        Operation::Delete if intent.listed => Err(fail(
            failed_id,
            finished_then(
                failed_in("Deleting", name, &failures, intent.regions.len()),
                "",
            ),
        )),
        Operation::Update if intent.listed => Err(fail(
            failed_id,
            finished_then(
                failed_in("Updating", name, &failures, written) + &told(name, &undone),
                "; the rollback (the old properties) returns them to their old state",
            ),
        )),
        Operation::Delete | Operation::Update => {
            Err(fail(failed_id, one_region_reason(name, &failures, &undone)))
        }
        Operation::Create | Operation::Replace => {
            let left_behind: Vec<&str> =
                undone.not_removed.iter().map(|(r, _)| r.as_str()).collect();
            let mut reason = if intent.listed {
                failed_in("Creating", name, &failures, intent.regions.len()) + &told(name, &undone)
            } else {
                one_region_reason(name, &failures, &undone)
            };
            let in_regions = if intent.listed {
                format!(" in {}", left_behind.join(", "))
            } else {
                String::new()
            };
            if left_behind.is_empty() {
                Err(fail(failed_id, reason))
            } else if intent.operation == Operation::Replace {
                reason.push_str(&format!(
                    "; delete destination {name}{in_regions} if it is not needed"
                ));
                Err(fail(failed_id, reason))
            } else {
                // Our destination is still there: the rollback Delete removes it.
                reason.push_str(&format!(
                    "; this reply names it so that the rollback deletes it{in_regions}"
                ));
                Err(fail(&record.held_id().unwrap_or(name.clone()), reason))
            }
        }
    }
}
