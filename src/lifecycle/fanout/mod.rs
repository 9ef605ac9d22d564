//! One destination name across the Regions of `Regions`. Every Region involved is observed
//! first; [`plan`] decides; only then are the Regions written, concurrently (at most
//! [`CONCURRENCY`] at a time, each with its own retries), each through the single-Region path
//! on a client for that Region. A Region's failure is named in the Reason.

pub mod plan;

use crate::attributes;
use crate::destinations::{AwsError, Destination, Destinations};
use crate::event::{CfnRequest, RequestKind};
use crate::lifecycle::create::{create_found, CreateFailure};
use crate::lifecycle::delete::delete_if_owned;
use crate::lifecycle::ownership::{self, Found};
use crate::lifecycle::{destination_arn, generated_name, update};
use crate::lifecycle::{Done, Failed};
use crate::properties::{self, DestinationProperties};
use futures_util::stream::{self, StreamExt};
use plan::{Intent, Observed, Step};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;

/// Regions worked on at once: enough for a typical list in one round, few enough to stay
/// clear of account-wide API rate limits.
pub const CONCURRENCY: usize = 8;

/// The Regions a request's properties list (empty without `Regions`, or when it is invalid:
/// the parse that follows reports it).
fn listed(properties: &Value) -> Vec<String> {
    properties::parse_regions(properties).unwrap_or_default()
}

/// Whether the request uses `Regions` (an Update also when its old properties did).
pub fn applies(request: &CfnRequest) -> bool {
    let old = match &request.kind {
        RequestKind::Update { old_properties, .. } => !listed(old_properties).is_empty(),
        _ => false,
    };
    old || !listed(&request.properties).is_empty()
}

/// `Regions`, or the function's own Region when the list is empty.
fn effective(regions: Vec<String>, logs: &Destinations) -> Vec<String> {
    if regions.is_empty() {
        logs.region().into_iter().collect()
    } else {
        regions
    }
}

/// Runs `work` for every Region, at most [`CONCURRENCY`] at a time, and gives the results in
/// the order of `regions`.
pub(crate) async fn each<T, F, Fut>(regions: &[String], work: F) -> Vec<(String, T)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = T>,
{
    let mut done: Vec<(usize, String, T)> = stream::iter(regions.iter().cloned().enumerate())
        .map(|(i, region)| {
            let future = work(region.clone());
            async move { (i, region, future.await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    done.sort_by_key(|(i, _, _)| *i);
    done.into_iter().map(|(_, r, t)| (r, t)).collect()
}

/// What every Region holds under `name`, looked at concurrently before anything is written.
/// Each Region checks a found policy against its own ARN (the crash-window rule).
async fn observe_all(
    logs: &Destinations,
    regions: &[String],
    name: &str,
    owner: &str,
    desired: &DestinationProperties,
) -> Seen {
    each(regions, |region| async move {
        ownership::observe(&logs.in_region(&region), name, owner, Some(desired)).await
    })
    .await
    .into_iter()
    .collect()
}

/// Every Region's observation: the plan decides on it, and the writes start from it (no
/// second look).
type Seen = BTreeMap<String, Result<Found, AwsError>>;

/// What the plan needs to know of each Region.
fn as_observed(seen: &Seen) -> BTreeMap<String, Observed> {
    seen.iter()
        .map(|(region, found)| {
            let observed = match found {
                Ok(Found::Absent) => Observed::Absent,
                Ok(Found::Owned { .. } | Found::Unfinished(_)) => Observed::Owned,
                Ok(Found::Foreign { .. }) => Observed::Foreign,
                Err(error) => Observed::Unreachable(unreachable_reason(error)),
            };
            (region.clone(), observed)
        })
        .collect()
}

/// The observation of `region`, for the writes the plan allowed (the plan refuses a Region
/// that could not be observed, so an error here is never written over).
fn seen_in(seen: &Seen, region: &str) -> Result<Found, String> {
    match seen.get(region) {
        Some(Ok(found)) => Ok(found.clone()),
        Some(Err(error)) => Err(error.to_string()),
        None => Err(format!("{region} was not looked at")),
    }
}

/// An opt-in Region that is not enabled answers every call with a credentials error; say so.
pub(crate) fn unreachable_reason(error: &AwsError) -> String {
    let credentials = matches!(
        error.code.as_deref(),
        Some("UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidSignatureException")
    );
    if credentials {
        format!(
            "{error}. If this is an opt-in Region, it may not be enabled in this account: enable \
             it or remove it from Regions"
        )
    } else {
        error.to_string()
    }
}

/// The predicted ARN in every Region, and the checks that need them before any write: the
/// access policy for each Region's ARN, and the size of the reply.
fn check_before_writing(
    request: &CfnRequest,
    desired: &DestinationProperties,
    function_arn: &str,
    name: &str,
    regions: &[String],
) -> Result<(), String> {
    let regional: Vec<(String, String)> = regions
        .iter()
        .filter_map(|r| destination_arn(function_arn, Some(r), name).map(|arn| (r.clone(), arn)))
        .collect();
    for (_, arn) in &regional {
        desired.access_policy(arn)?;
    }
    let Some((_, first)) = regional.first() else {
        return Ok(());
    };
    let predicted = Destination {
        name: name.to_owned(),
        arn: first.clone(),
        target_arn: desired.target_arn.clone(),
        role_arn: desired.role_arn.clone(),
        access_policy: None,
        creation_time_ms: None,
    };
    attributes::check_reply_size(&request.target, &predicted, &regional)
}

/// The Regions whose work failed, each with `why`, and logged one by one so that a Region's
/// failure can be found by its Region.
fn failed<T, E>(
    results: &[(String, Result<T, E>)],
    why: impl Fn(&E) -> String,
) -> Vec<(String, String)> {
    let failures: Vec<(String, String)> = results
        .iter()
        .filter_map(|(region, r)| r.as_ref().err().map(|e| (region.clone(), why(e))))
        .collect();
    for (region, reason) in &failures {
        tracing::error!(region, reason, "Region failed");
    }
    failures
}

/// "us-east-1: reason; eu-west-1: reason".
pub(crate) fn by_region<'a>(
    failures: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> String {
    failures
        .into_iter()
        .map(|(region, reason)| format!("{region}: {reason}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn done(name: String, results: Vec<(String, Destination)>, warnings: Vec<String>) -> Done {
    Done {
        physical_resource_id: name,
        regional: results
            .iter()
            .map(|(region, d)| (region.clone(), d.arn.clone()))
            .collect(),
        destination: results.into_iter().next().map(|(_, d)| d),
        warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
    }
}

/// Create (and the new name of a replacing Update): every Region, or none. A Region that
/// fails makes the others remove what this request made; if that fails too, a Create's reply
/// names the destination so that the rollback Delete (which lists the same Regions) removes
/// it, and a replacing Update's Reason says what is left.
pub async fn create(
    logs: &Destinations,
    request: &CfnRequest,
    owner: &str,
    function_arn: &str,
    failed_id: &str,
    replacing: bool,
) -> Result<Done, Failed> {
    let fail = |id: &str, reason: String| Failed {
        physical_resource_id: id.to_owned(),
        reason,
    };
    let desired =
        properties::parse(&request.properties).map_err(|e| fail(failed_id, e.to_string()))?;
    let name = desired
        .name
        .clone()
        .unwrap_or_else(|| generated_name(&request.target));
    if desired.adopt_existing && !replacing {
        // Cleaning up after a partial failure deletes what the request made; an adopted
        // destination must never be among it.
        return Err(fail(
            failed_id,
            "AdoptExisting cannot be combined with Regions: adopt the destination with a \
             resource for its own Region (without Regions), then list the other Regions in \
             another resource"
                .into(),
        ));
    }
    let regions = effective(desired.regions.clone(), logs);
    check_before_writing(request, &desired, function_arn, &name, &regions)
        .map_err(|reason| fail(failed_id, reason))?;
    let seen = observe_all(logs, &regions, &name, owner, &desired).await;
    plan::plan(
        &name,
        &Intent::Create { regions: &regions },
        &as_observed(&seen),
    )
    .map_err(|reason| fail(failed_id, reason))?;

    let results = each(&regions, |region| {
        let (name, desired, seen) = (&name, &desired, &seen);
        async move {
            let logs = logs.in_region(&region);
            let found = seen_in(seen, &region).map_err(|reason| CreateFailure {
                reason,
                left_behind: false,
            })?;
            // Absent: created; ours already (a retried delivery): taken over and finished.
            let created = create_found(&logs, name, found, desired, owner, false).await?;
            logs.finished("created");
            Ok::<_, CreateFailure>(created.destination)
        }
    })
    .await;
    if results.iter().all(|(_, r)| r.is_ok()) {
        let made = results
            .into_iter()
            .filter_map(|(region, r)| r.ok().map(|d| (region, d)))
            .collect();
        return Ok(done(name, made, Vec::new()));
    }

    // Remove what succeeded; a failed Region already removed its own (or says it could not).
    let made: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(region, _)| region.clone())
        .collect();
    let cleanup = each(&made, |region| {
        let name = &name;
        async move {
            let logs = logs.in_region(&region);
            let deleted = logs.delete(name).await;
            if deleted.is_ok() {
                logs.finished("removed again");
            }
            deleted
        }
    })
    .await;
    let failures = failed(&results, |f| f.reason.clone());
    let left_behind: Vec<String> = results
        .iter()
        .filter(|(_, r)| r.as_ref().is_err_and(|f| f.left_behind))
        .map(|(region, _)| region.clone())
        .chain(
            cleanup
                .iter()
                .filter(|(_, r)| r.is_err())
                .map(|(region, _)| region.clone()),
        )
        .collect();
    let mut reason = format!(
        "Creating destination {name} failed in {} of {} Regions: {}",
        failures.len(),
        regions.len(),
        by_region(failures.iter().map(|(r, f)| (r, f)))
    );
    let cleanup_errors = failed(&cleanup, AwsError::to_string);
    if !made.is_empty() {
        reason.push_str(&format!(
            ". It was removed again from {}",
            made.iter()
                .filter(|r| !cleanup_errors.iter().any(|(c, _)| c == *r))
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !cleanup_errors.is_empty() {
        reason.push_str(&format!(
            ". Removing it failed in {}",
            by_region(cleanup_errors.iter().map(|(r, e)| (r, e)))
        ));
    }
    if left_behind.is_empty() {
        Err(fail(failed_id, reason))
    } else if replacing {
        reason.push_str(&format!(
            "; delete destination {name} in {} if it is not needed",
            left_behind.join(", ")
        ));
        Err(fail(failed_id, reason))
    } else {
        reason.push_str(&format!(
            "; this reply names it so that the rollback deletes it in {}",
            left_behind.join(", ")
        ));
        Err(fail(&name, reason))
    }
}

/// Update with `Regions` (now or before). Regions added must not hold someone else's
/// destination; Regions kept are updated in place; Regions removed lose the destination if it
/// is ours. A failure answers the old id: the rollback Update, with the old properties, adds
/// back what was removed and removes what was added.
pub async fn update(
    logs: &Destinations,
    request: &CfnRequest,
    owner: &str,
    current_id: &str,
    old_properties: &Value,
    function_arn: &str,
) -> Result<Done, Failed> {
    let fail = |reason: String| Failed {
        physical_resource_id: current_id.to_owned(),
        reason,
    };
    let desired = properties::parse(&request.properties).map_err(|e| fail(e.to_string()))?;
    let regions = effective(desired.regions.clone(), logs);
    let old_regions = effective(listed(old_properties), logs);
    let old = properties::parse(old_properties).ok();
    let renamed = desired.name.as_deref().is_some_and(|n| n != current_id)
        || (desired.name.is_none() && old.as_ref().is_some_and(|old| old.name.is_some()));
    if renamed {
        // Replacement in every Region; the old name is left for CloudFormation's cleanup.
        return create(logs, request, owner, function_arn, current_id, true).await;
    }
    if !properties::is_valid_name(current_id) {
        return Err(fail(update::not_a_destination_name(current_id)));
    }
    check_before_writing(request, &desired, function_arn, current_id, &regions).map_err(fail)?;
    let mut involved = regions.clone();
    involved.extend(old_regions.iter().filter(|r| !regions.contains(r)).cloned());
    let seen = observe_all(logs, &involved, current_id, owner, &desired).await;
    let intent = Intent::Update {
        regions: &regions,
        old_regions: &old_regions,
    };
    let decided = plan::plan(current_id, &intent, &as_observed(&seen)).map_err(fail)?;

    let steps: BTreeMap<String, Step> = decided.steps.iter().cloned().collect();
    let order: Vec<String> = decided.steps.iter().map(|(r, _)| r.clone()).collect();
    let results = each(&order, |region| {
        let step = steps.get(&region).copied();
        let (desired, old, seen) = (&desired, old.as_ref(), &seen);
        async move {
            let logs = logs.in_region(&region);
            let found = seen_in(seen, &region)?;
            let outcome = match step {
                // Observed as this resource's a moment ago.
                Some(Step::Delete) => logs
                    .delete(current_id)
                    .await
                    .map(|_| None)
                    .map_err(|e| e.to_string()),
                _ => update::update_found(
                    &logs,
                    current_id,
                    found,
                    desired,
                    owner,
                    old,
                    old_properties,
                )
                .await
                .map(Some),
            };
            if outcome.is_ok() {
                logs.finished(match step {
                    Some(Step::Delete) => "deleted",
                    Some(Step::Create) => "created",
                    _ => "updated",
                });
            }
            outcome
        }
    })
    .await;
    let failures = failed(&results, String::clone);
    if !failures.is_empty() {
        return Err(fail(format!(
            "Updating destination {current_id} failed in {} of {} Regions: {}",
            failures.len(),
            order.len(),
            by_region(failures.iter().map(|(r, e)| (r, e)))
        )));
    }
    let kept: BTreeMap<String, Destination> = results
        .into_iter()
        .filter_map(|(region, r)| r.ok().flatten().map(|d| (region, d)))
        .collect();
    let in_order = regions
        .iter()
        .filter_map(|r| kept.get(r).map(|d| (r.clone(), d.clone())))
        .collect();
    Ok(done(current_id.to_owned(), in_order, decided.warnings))
}

/// Delete in the Regions the request lists, never in any other.
pub async fn delete(
    logs: &Destinations,
    id: &str,
    properties: &Value,
    owner: &str,
    function_arn: &str,
) -> Result<Done, Failed> {
    if !properties::is_valid_name(id) {
        return Ok(Done::gone(id, None));
    }
    let regions = effective(listed(properties), logs);
    let results = each(&regions, |region| async move {
        let logs = logs.in_region(&region);
        let outcome = delete_if_owned(&logs, id, properties, owner, function_arn).await;
        if outcome.as_ref().is_ok_and(Option::is_none) {
            logs.finished("deleted");
        }
        outcome
    })
    .await;
    let failures = failed(&results, AwsError::to_string);
    if !failures.is_empty() {
        return Err(Failed {
            physical_resource_id: id.to_owned(),
            reason: format!(
                "Deleting destination {id} failed in {} of {} Regions: {}",
                failures.len(),
                regions.len(),
                by_region(failures.iter().map(|(r, e)| (r, e)))
            ),
        });
    }
    let warnings: Vec<String> = results
        .into_iter()
        .filter_map(|(region, r)| r.ok().flatten().map(|w| format!("{region}: {w}")))
        .collect();
    Ok(Done::gone(
        id,
        (!warnings.is_empty()).then(|| warnings.join("; ")),
    ))
}
