//! What a request comes to, derived from its plan, what each Region ended with and the
//! record: the reply (id, Reason, `Data`) or the provisioning result; and, when it failed,
//! undoing what this request itself did, as planned for each Region.

use super::apply::{phases, Applied, Results};
use super::fan::each;
use super::intent::{Intent, Operation};
use super::plan::{Plan, Step};
use super::record::Record;
use crate::destinations::{AwsError, Destination, Destinations};
use serde_json::{json, Map, Value};

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
}

impl Done {
    /// A Delete's outcome: nothing is left under `id` that this resource owns.
    pub fn gone(id: &str, warning: Option<String>) -> Done {
        Done {
            physical_resource_id: id.to_owned(),
            destination: None,
            warning,
            regional: Vec::new(),
        }
    }
}

/// A request that could not be carried out, and the id to answer it with.
#[derive(Clone, Debug, PartialEq)]
pub struct Failed {
    pub physical_resource_id: String,
    pub reason: String,
}

/// How undoing went, Region by Region (only Regions this request wrote in).
struct Undone {
    results: Vec<(String, Result<Applied, AwsError>)>,
}

impl Undone {
    fn failed(&self) -> Vec<(String, String)> {
        failed(&self.results)
    }

    fn succeeded(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(region, _)| region.clone())
            .collect()
    }
}

/// Undoes what this request did, as the plan says for each Region: a Create or a rename is all
/// or nothing, so every Region is undone; an Update leaves the Regions that finished to
/// CloudFormation's rollback Update, and undoes only the failed ones.
async fn undo(
    logs: &Destinations,
    intent: &Intent,
    plan: &Plan,
    results: &Results,
    record: &Record,
) -> Undone {
    let all = matches!(intent.operation, Operation::Create | Operation::Replace);
    let regions: Vec<String> = results
        .iter()
        .filter(|(region, result)| {
            let Some(part) = plan.regions.iter().find(|p| p.region == *region) else {
                return false;
            };
            // Nothing to remove where no attempt to create it may have succeeded.
            let wrote = match part.step {
                Step::Create => record.holds_in(region),
                _ => record.touched(region),
            };
            (all || result.is_err()) && wrote && !part.undo.is_empty()
        })
        .map(|(region, _)| region.clone())
        .collect();
    let results = each(&regions, |region| async move {
        let Some(part) = plan.regions.iter().find(|p| p.region == region) else {
            return Ok(Applied::default());
        };
        let undone = phases(&logs.in_region(&region), intent, part, &part.undo, record).await;
        if undone.is_ok() {
            tracing::info!(region, "undone");
        }
        undone
    })
    .await;
    Undone { results }
}

/// The Regions whose work failed, each with why, logged one by one so that a Region's failure
/// can be found by its Region.
fn failed(results: &[(String, Result<Applied, AwsError>)]) -> Vec<(String, String)> {
    let failures: Vec<(String, String)> = results
        .iter()
        .filter_map(|(region, r)| r.as_ref().err().map(|e| (region.clone(), e.to_string())))
        .collect();
    for (region, reason) in &failures {
        tracing::error!(region, reason, "Region failed");
    }
    failures
}

/// "us-east-1: reason; eu-west-1: reason".
fn by_region(failures: &[(String, String)]) -> String {
    failures
        .iter()
        .map(|(region, reason)| format!("{region}: {reason}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// "Deleting destination central failed in 1 of 3 Regions: eu-west-1: reason".
fn failed_in(doing: &str, name: &str, failures: &[(String, String)], of: usize) -> String {
    format!(
        "{doing} destination {name} failed in {} of {of} Regions: {}",
        failures.len(),
        by_region(failures)
    )
}

/// Without `Regions`: the one Region's error, and how undoing it went.
fn one_region_reason(
    intent: &Intent,
    plan: &Plan,
    failures: &[(String, String)],
    undone: &Undone,
) -> String {
    let name = &intent.name;
    let mut reason = failures.first().map(|(_, e)| e.clone()).unwrap_or_default();
    let adopted = plan.regions.iter().any(|p| p.step == Step::Adopt);
    match (undone.failed().first(), adopted) {
        (Some((_, error)), true) => reason.push_str(&format!(
            "; putting destination {name} back as it was found failed too ({error}): check its \
             target, role and tags"
        )),
        (Some((_, error)), false) => reason.push_str(&format!(
            "; removing destination {name} failed as well ({error})"
        )),
        (None, true) if !undone.succeeded().is_empty() => reason.push_str(&format!(
            "; destination {name} was put back as it was found"
        )),
        (None, _) => {}
    }
    reason
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
        let warnings: Vec<&str> = plan
            .regions
            .iter()
            .filter_map(|p| p.note.as_deref())
            .collect();
        let warning = (!warnings.is_empty()).then(|| warnings.join("; "));
        if intent.operation == Operation::Delete {
            return Ok(Done::gone(name, warning));
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
        });
    }
    let undone = undo(logs, intent, plan, &results, record).await;
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
            name,
            finished_then(
                failed_in("Deleting", name, &failures, intent.regions.len()),
                "",
            ),
        )),
        Operation::Update if intent.listed => Err(fail(
            failed_id,
            finished_then(
                failed_in("Updating", name, &failures, written),
                "; the rollback (the old properties) returns them to their old state",
            ),
        )),
        Operation::Delete | Operation::Update => Err(fail(
            failed_id,
            one_region_reason(intent, plan, &failures, &undone),
        )),
        Operation::Create | Operation::Replace => {
            let left_behind: Vec<String> = undone.failed().into_iter().map(|(r, _)| r).collect();
            let adopted = plan.regions.iter().any(|p| p.step == Step::Adopt);
            let mut reason = if intent.listed {
                let mut reason = failed_in("Creating", name, &failures, intent.regions.len());
                let removed = undone.succeeded();
                if !removed.is_empty() {
                    reason.push_str(&format!(
                        ". It was removed again from {}",
                        removed.join(", ")
                    ));
                }
                if !left_behind.is_empty() {
                    reason.push_str(&format!(
                        ". Removing it failed in {}",
                        by_region(&undone.failed())
                    ));
                }
                reason
            } else {
                one_region_reason(intent, plan, &failures, &undone)
            };
            let in_regions = if intent.listed {
                format!(" in {}", left_behind.join(", "))
            } else {
                String::new()
            };
            if left_behind.is_empty() || adopted {
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
                Err(fail(name, reason))
            }
        }
    }
}

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
    let undone = undo(logs, intent, plan, &results, record).await;
    if !intent.listed {
        return Err(one_region_reason(intent, plan, &failures, &undone));
    }
    let mut reason = format!(
        "Provisioning destination {name} failed in {} of {} Regions: {}",
        failures.len(),
        intent.regions.len(),
        by_region(&failures)
    );
    let removed = undone.succeeded();
    if !removed.is_empty() {
        reason.push_str(&format!(
            ". This request had created it in {}, and removed it again",
            removed.join(", ")
        ));
    }
    let not_removed = undone.failed();
    if !not_removed.is_empty() {
        reason.push_str(&format!(
            ". Removing what this request created failed in {}: send a Delete event listing \
             these Regions",
            by_region(&not_removed)
        ));
    }
    let kept: Vec<String> = results
        .iter()
        .filter_map(|(region, result)| {
            let applied = result.as_ref().ok()?;
            let step = step_in(region);
            matches!(step, Step::Converge | Step::Adopt)
                .then(|| format!("{region} ({})", Action::of(step, applied).as_str()))
        })
        .collect();
    if !kept.is_empty() {
        reason.push_str(&format!(
            ". It existed before this request in {}, and was left as it is now",
            kept.join(", ")
        ));
    }
    Err(reason)
}
