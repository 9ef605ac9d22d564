//! Undoing a failed request's own work, as its plan says for each Region and only where its
//! record shows it wrote; and the wording shared by every failure's Reason.

use super::apply::{phases, Applied, Results};
use super::fan::each;
use super::intent::{Intent, Operation};
use super::plan::{Plan, Step};
use super::record::Record;
use crate::destinations::{AwsError, Destinations};

/// How undoing went (only in Regions this request wrote in), worked out and logged once.
pub struct Undone {
    /// `(Region, AWS error)` where undoing failed.
    pub failed: Vec<(String, String)>,
    /// Regions where it was undone.
    pub succeeded: Vec<String>,
}

/// Undoes what this request did, as the plan says for each Region: a Create or a rename is all
/// or nothing, so every Region is undone; an Update leaves the Regions that finished to
/// CloudFormation's rollback Update, and undoes only the failed ones.
pub async fn undo(
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
    let mut undone = Undone {
        failed: Vec::new(),
        succeeded: Vec::new(),
    };
    for (region, result) in results {
        match result {
            Ok(_) => undone.succeeded.push(region),
            Err(error) => {
                let reason = error.to_string();
                tracing::error!(region, reason, "undoing this request's work failed");
                undone.failed.push((region, reason));
            }
        }
    }
    undone
}

/// The Regions whose work failed, each with why, logged one by one so that a Region's failure
/// can be found by its Region.
pub fn failed(results: &[(String, Result<Applied, AwsError>)]) -> Vec<(String, String)> {
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
pub fn by_region(failures: &[(String, String)]) -> String {
    failures
        .iter()
        .map(|(region, reason)| format!("{region}: {reason}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// "Deleting destination central failed in 1 of 3 Regions: eu-west-1: reason".
pub fn failed_in(doing: &str, name: &str, failures: &[(String, String)], of: usize) -> String {
    format!(
        "{doing} destination {name} failed in {} of {of} Regions: {}",
        failures.len(),
        by_region(failures)
    )
}

/// Without `Regions`: the one Region's error, and how undoing it went.
pub fn one_region_reason(
    intent: &Intent,
    plan: &Plan,
    failures: &[(String, String)],
    undone: &Undone,
) -> String {
    let name = &intent.name;
    let mut reason = failures.first().map(|(_, e)| e.clone()).unwrap_or_default();
    let adopted = plan.regions.iter().any(|p| p.step == Step::Adopt);
    match (undone.failed.first(), adopted) {
        (Some((_, error)), true) => reason.push_str(&format!(
            "; putting destination {name} back as it was found failed too ({error}): check its \
             target, role and tags"
        )),
        (Some((_, error)), false) => reason.push_str(&format!(
            "; removing destination {name} failed as well ({error})"
        )),
        (None, true) if !undone.succeeded.is_empty() => reason.push_str(&format!(
            "; destination {name} was put back as it was found"
        )),
        (None, _) => {}
    }
    reason
}
