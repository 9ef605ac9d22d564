//! One destination name across the Regions of `Regions`. Every Region involved is observed
//! first; [`plan`] decides; only then are the Regions written, concurrently (at most
//! [`CONCURRENCY`] at a time, each with its own retries), each through the single-Region path
//! on a client for that Region. A Region's failure is named in the Reason.

mod create;
mod delete;
pub(crate) mod observe;
pub mod plan;
mod update;

use crate::attributes;
use crate::destinations::{Destination, Destinations};
use crate::event::{CfnRequest, RequestKind};
use crate::lifecycle::{destination_arn, Done};
use crate::properties::{self, DestinationProperties};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use std::future::Future;

pub use create::create;
pub use delete::delete;
pub use update::update;

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
/// Each Region's predicted ARN, once what can be known before any call holds: every Region
/// is in the function's partition, the access policy fits each Region's ARN, and a
/// hand-written one names each Region's destination.
pub(crate) fn regional_arns(
    desired: &DestinationProperties,
    function_arn: &str,
    name: &str,
    regions: &[String],
) -> Result<Vec<(String, String)>, String> {
    check_partition(function_arn, regions)?;
    let regional: Vec<(String, String)> = regions
        .iter()
        .filter_map(|r| destination_arn(function_arn, Some(r), name).map(|arn| (r.clone(), arn)))
        .collect();
    for (_, arn) in &regional {
        desired.access_policy(arn)?;
    }
    check_hand_written_policy(desired, name, &regional)?;
    Ok(regional)
}

/// A function's credentials work only in its own partition, and a destination's ARN names its
/// partition: a Region of another one could only fail, with a bare token error.
fn check_partition(function_arn: &str, regions: &[String]) -> Result<(), String> {
    let Some(own) = function_arn.split(':').nth(1).filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let elsewhere: Vec<String> = regions
        .iter()
        .filter(|r| properties::partition_of(r) != own)
        .map(|r| format!("{r} ({})", properties::partition_of(r)))
        .collect();
    if elsewhere.is_empty() {
        return Ok(());
    }
    Err(format!(
        "Regions {} are not in this function's partition ({own}): a function's credentials \
         and a destination's ARN belong to one partition. Remove them from Regions and deploy \
         the provider in their partition for them",
        elsewhere.join(", ")
    ))
}

/// [`regional_arns`], and the size of the reply that will carry them.
fn check_before_writing(
    request: &CfnRequest,
    desired: &DestinationProperties,
    function_arn: &str,
    name: &str,
    regions: &[String],
) -> Result<(), String> {
    let regional = regional_arns(desired, function_arn, name, regions)?;
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

/// A hand-written `DestinationPolicy` goes to every Region as it is: a `Resource` that names
/// one Region's destination would grant nothing in the others, and the senders there would
/// only find out when their subscription filters are refused.
fn check_hand_written_policy(
    desired: &DestinationProperties,
    name: &str,
    regional: &[(String, String)],
) -> Result<(), String> {
    let Some(policy) = desired.policy.as_ref().filter(|_| desired.grants.is_none()) else {
        return Ok(());
    };
    let mut wrong: Vec<String> = Vec::new();
    let mut regions = Vec::new();
    for (region, arn) in regional {
        let resources = policy.resources_not_naming(arn);
        if !resources.is_empty() {
            regions.push(region.as_str());
            for resource in resources {
                if !wrong.contains(&resource) {
                    wrong.push(resource);
                }
            }
        }
    }
    if regions.is_empty() {
        return Ok(());
    }
    Err(format!(
        "DestinationPolicy must name every Region's destination in its Resource: with \
         Regions the same policy goes to each Region, and {} cannot name destination {name} in \
         {}. Use a wildcard Resource (\"arn:PARTITION:logs:*:ACCOUNT:destination:{name}\" or \
         \"*\"), or the policy builder (AllowedAccounts, AllowedOrganizations, \
         AllowedOrganizationPaths), which names each Region's ARN",
        wrong
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        regions.join(", ")
    ))
}

/// The Regions whose work failed, each with `why`, and logged one by one so that a Region's
/// failure can be found by its Region.
pub(crate) fn failed<T, E>(
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
pub(crate) fn by_region(failures: &[(String, String)]) -> String {
    failures
        .iter()
        .map(|(region, reason)| format!("{region}: {reason}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// "Deleting destination central failed in 1 of 3 Regions: eu-west-1: reason".
pub(crate) fn failed_in(
    doing: &str,
    name: &str,
    failures: &[(String, String)],
    of: usize,
) -> String {
    format!(
        "{doing} destination {name} failed in {} of {of} Regions: {}",
        failures.len(),
        by_region(failures)
    )
}

/// `reason`, and what the request finished in the other Regions, if anything, and what
/// happens to it next (`then`).
fn with_finished(mut reason: String, logs: &Destinations, then: &str) -> String {
    if let Some(finished) = logs.finished_so_far() {
        reason.push_str(&format!(". Finished in the others: {finished}{then}"));
    }
    reason
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
