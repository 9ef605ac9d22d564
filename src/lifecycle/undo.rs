//! Undoing a failed request's own work, Region by Region as its record says (the undo each
//! Region's plan gave, noted before its first write), and only what the record shows it may
//! have changed: a destination it created is removed; one that existed before it is put back
//! as it was observed. The same record serves a request the watchdog interrupted. And the
//! wording shared by every failure's Reason.

use super::apply::{phases, Applied, At, How};
use super::fan::each;
use super::record::{Record, Undoing};
use super::writes::{had_policy, Write};
use crate::destinations::{AwsError, Destinations};
use futures_util::future::join_all;
use std::time::Duration;
use tokio::time::Instant;

/// At most this long is spent putting things back after an interruption, and never more
/// than half of what is left before the reply is due: the reply comes first.
const RESTORE_TIME: Duration = Duration::from_secs(3);

/// How undoing went (only in Regions this request wrote in), worked out and logged once.
#[derive(Debug, Default)]
pub struct Undone {
    /// Regions where the destination this request created was removed again.
    pub removed: Vec<String>,
    /// Regions where a destination that existed before was put back as it was found.
    pub restored: Vec<String>,
    /// `(Region, why)` where removing what this request created failed.
    pub not_removed: Vec<(String, String)>,
    /// `(Region, why)` where putting back what existed failed, at least in part.
    pub not_restored: Vec<(String, String)>,
    /// Regions put back where there had been no access policy: there is no
    /// DeleteDestinationPolicy, so the own-account-only policy stands in.
    pub stand_in: Vec<String>,
}

/// Undoes what this request did. A Create or a rename is all or nothing, so every Region is
/// undone; an in-place Update leaves the Regions that finished to CloudFormation's rollback
/// Update, and puts back only the failed ones.
pub async fn undo(logs: &Destinations, record: &Record) -> Undone {
    run(logs, record, None, true).await
}

/// After the watchdog interrupted the request (or it panicked): puts back, within seconds,
/// what it changed of destinations that existed before it (an adoption's tags, say), from its
/// record alone. What it created is left to the reply (which names it for the rollback
/// Delete) and to CloudFormation's rollback. Returns what to add to the Reason.
pub async fn undo_interrupted(
    logs: &Destinations,
    record: &Record,
    reply_until: Instant,
) -> String {
    let now = Instant::now();
    let left = reply_until.saturating_duration_since(now);
    let until = now + (left / 2).min(RESTORE_TIME);
    let undone = run(logs, record, Some(until), false).await;
    told(&record.name(), &undone)
}

async fn run(
    logs: &Destinations,
    record: &Record,
    until: Option<Instant>,
    removing: bool,
) -> Undone {
    let due: Vec<(Undoing, Vec<Vec<Write>>)> = record
        .undoings()
        .into_iter()
        .filter(|u| !(u.keep_if_finished && record.finished(&u.region)))
        .filter_map(|u| {
            let writes = due(record, &u, removing);
            (!writes.is_empty()).then_some((u, writes))
        })
        .collect();
    let regions: Vec<String> = due.iter().map(|(u, _)| u.region.clone()).collect();
    let due = &due;
    let results = each(&regions, |region| async move {
        let Some((u, writes)) = due.iter().find(|(u, _)| u.region == region) else {
            return Ok(());
        };
        let undone = undo_region(&logs.in_region(&region), u, writes, record, until).await;
        if undone.is_ok() {
            tracing::info!(region, "undone");
        }
        undone
    })
    .await;
    let mut undone = Undone::default();
    for (region, result) in results {
        let Some((u, writes)) = due.iter().find(|(u, _)| u.region == region) else {
            continue;
        };
        let removes = writes.iter().flatten().any(|w| *w == Write::Delete);
        match (result, removes) {
            (Ok(()), true) => undone.removed.push(region),
            (Ok(()), false) => {
                let policy_back = writes
                    .iter()
                    .flatten()
                    .any(|w| matches!(w, Write::Policy { .. }));
                if policy_back && u.found.as_ref().is_none_or(|f| had_policy(f).is_none()) {
                    undone.stand_in.push(region.clone());
                }
                undone.restored.push(region);
            }
            (Err(reason), removes) => {
                tracing::error!(region, reason, "undoing this request's work failed");
                if removes {
                    undone.not_removed.push((region, reason));
                } else {
                    undone.not_restored.push((region, reason));
                }
            }
        }
    }
    undone
}

/// One Region's undo, phase after phase, each write on its own so that a failure (or no
/// answer in time) names just the writes that did not get through.
async fn undo_region(
    logs: &Destinations,
    u: &Undoing,
    writes: &[Vec<Write>],
    record: &Record,
    until: Option<Instant>,
) -> Result<(), String> {
    let at = At {
        name: &u.name,
        region: &u.region,
        arn: &u.arn,
    };
    let how = How { fresh: true, until };
    for phase in writes {
        let done = join_all(phase.iter().map(|w| {
            let one = vec![w.clone()];
            async move { phases(logs, at, u.found.clone(), &[one], record, how).await }
        }))
        .await;
        let errors: Vec<String> = done
            .iter()
            .filter_map(|r| r.as_ref().err().map(AwsError::to_string))
            .collect();
        if errors.len() == done.len() {
            return Err(errors.join("; "));
        }
        if !errors.is_empty() {
            return Err(format!("the rest was put back, but {}", errors.join("; ")));
        }
    }
    Ok(())
}

/// The writes of a Region's undo that are due: the Delete of a destination the record holds
/// as this request's creation (when `removing`), and putting back each aspect a write may
/// have changed.
fn due(record: &Record, undoing: &Undoing, removing: bool) -> Vec<Vec<Write>> {
    let region = undoing.region.as_str();
    undoing
        .undo
        .iter()
        .map(|phase| {
            phase
                .iter()
                .filter(|w| match w {
                    Write::Delete => removing && record.holds_in(region),
                    w => record.changed(region, w.aspect()),
                })
                .cloned()
                .collect::<Vec<Write>>()
        })
        .filter(|phase| !phase.is_empty())
        .collect()
}

/// What undoing did, in sentences for a Reason with Regions (or an interruption's): "" when
/// nothing was undone.
pub fn told(name: &str, undone: &Undone) -> String {
    let mut text = String::new();
    if !undone.removed.is_empty() {
        text.push_str(&format!(
            ". It was removed again from {}",
            undone.removed.join(", ")
        ));
    }
    if !undone.restored.is_empty() {
        text.push_str(&format!(
            ". Destination {name} was put back as it was found in {}{}",
            undone.restored.join(", "),
            stand_in(&undone.stand_in)
        ));
    }
    if !undone.not_removed.is_empty() {
        text.push_str(&format!(
            ". Removing it failed in {}",
            by_region(&undone.not_removed)
        ));
    }
    if !undone.not_restored.is_empty() {
        text.push_str(&format!(
            ". Putting destination {name} back as it was found failed in {}: check its target, \
             role, tags and policy there",
            undone
                .not_restored
                .iter()
                .map(|(region, why)| format!("{region} ({why})"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text
}

/// Where the own-account-only policy now stands in for none.
pub fn stand_in(regions: &[String]) -> String {
    if regions.is_empty() {
        String::new()
    } else {
        format!(
            " (in {} it had no access policy, and CloudWatch Logs cannot remove one: it now has \
             one that lets only its own account subscribe)",
            regions.join(", ")
        )
    }
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
pub fn one_region_reason(name: &str, failures: &[(String, String)], undone: &Undone) -> String {
    let mut reason = failures.first().map(|(_, e)| e.clone()).unwrap_or_default();
    if let Some((_, error)) = undone.not_removed.first() {
        reason.push_str(&format!(
            "; removing destination {name} failed as well ({error})"
        ));
    }
    if let Some((_, error)) = undone.not_restored.first() {
        reason.push_str(&format!(
            "; putting destination {name} back as it was found failed too ({error}): check its \
             target, role, tags and policy"
        ));
    } else if !undone.restored.is_empty() {
        let stand_in = if undone.stand_in.is_empty() {
            ""
        } else {
            " (it had no access policy, and CloudWatch Logs cannot remove one: it now has one \
             that lets only its own account subscribe)"
        };
        reason.push_str(&format!(
            "; destination {name} was put back as it was found{stand_in}"
        ));
    }
    reason
}
