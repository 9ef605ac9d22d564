//! Provisioning across the Regions of `Regions`, as the CloudFormation fan-out does: every
//! listed Region is looked at first, concurrently; if any holds a destination provisioning may
//! not touch, or cannot be looked at, the request is refused before any write. Then every
//! Region is written concurrently, each by the single-Region step decided from what was seen
//! there. A Create or Update that fails somewhere removes what it created elsewhere, never
//! what existed before, and says so.

use super::decide::{self, Aftermath, Put, Refusal};
use super::{observe, InRegion, Provisioned};
use crate::destinations::Destinations;
use crate::lifecycle::fanout::{each, failed, failed_in, regional_arns};
use crate::lifecycle::ownership::Found;
use crate::properties::DestinationProperties;
use std::collections::BTreeMap;
use std::future::Future;

/// What can be checked before any Region is written (see [`regional_arns`]).
pub(super) fn check_before_writing(
    desired: &DestinationProperties,
    function_arn: &str,
    name: &str,
) -> Result<(), String> {
    regional_arns(desired, function_arn, name, &desired.regions).map(|_| ())
}

/// Looks at every Region, then decides each one's step with `decide`, or refuses the request.
async fn observe_and_decide<S: Clone>(
    logs: &Destinations,
    regions: &[String],
    name: &str,
    desired: Option<&DestinationProperties>,
    decide: impl Fn(Found) -> Result<S, Refusal>,
) -> Result<BTreeMap<String, S>, String> {
    let observed = each(regions, |region| async move {
        observe(&logs.in_region(&region), name, desired).await
    })
    .await;
    Ok(decide::every_region(name, observed, decide)?
        .into_iter()
        .collect())
}

/// Runs `work` for every Region with the step decided for it, on a client for that Region.
async fn write_each<S, T, Fut>(
    logs: &Destinations,
    regions: &[String],
    steps: &BTreeMap<String, S>,
    work: impl Fn(Destinations, S) -> Fut,
) -> Vec<(String, Result<T, String>)>
where
    S: Clone,
    Fut: Future<Output = Result<T, String>>,
{
    each(regions, |region| {
        let started = steps
            .get(&region)
            .cloned()
            .map(|step| work(logs.in_region(&region), step));
        async move {
            match started {
                Some(work) => work.await,
                // Only a Region left out of the decision could miss its step: never written.
                None => Err(format!(
                    "{region} was not looked at before writing; nothing was written there"
                )),
            }
        }
    })
    .await
}

/// Create or Update in every listed Region.
pub(super) async fn put(
    logs: &Destinations,
    name: &str,
    desired: &DestinationProperties,
) -> Result<Provisioned, String> {
    let regions = &desired.regions;
    let adopt = desired.adopt_existing;
    let steps = observe_and_decide(logs, regions, name, Some(desired), |found| {
        decide::put(found, adopt)
    })
    .await?;
    let results = write_each(logs, regions, &steps, |logs, step| async move {
        let written = super::put(&logs, name, desired, step).await;
        if let Ok((action, _)) = &written {
            // An interrupted request says which Regions were done.
            logs.finished(action.as_str());
        }
        written.map_err(|f| f.reason)
    })
    .await;
    if results.iter().all(|(_, r)| r.is_ok()) {
        let done = results
            .into_iter()
            .filter_map(|(region, r)| {
                r.ok().map(|(action, destination)| InRegion {
                    region,
                    action,
                    destination: Some(destination),
                })
            })
            .collect();
        return Ok(listed(name, done));
    }

    // Remove what this request created; what existed before is left as it is now.
    let mut aftermath = Aftermath {
        failed: failed(&results, String::clone),
        ..Aftermath::default()
    };
    let mut created = Vec::new();
    for (region, result) in &results {
        match (result, steps.get(region)) {
            (Err(_), _) => {}
            (Ok(_), Some(Put::Create)) => created.push(region.clone()),
            // An earlier attempt's creation: it existed before this request.
            (Ok(_), Some(Put::Finish(_))) => aftermath.kept.push((region.clone(), "finished")),
            (Ok((action, _)), _) => aftermath.kept.push((region.clone(), action.as_str())),
        }
    }
    let cleanup = each(&created, |region| async move {
        logs.in_region(&region).delete(name).await
    })
    .await;
    for (region, removed) in cleanup {
        match removed {
            Ok(_) => aftermath.removed.push(region),
            Err(error) => aftermath.not_removed.push((region, error.to_string())),
        }
    }
    Err(aftermath.reason(name, regions.len()))
}

/// Delete in every listed Region, and in no other.
pub(super) async fn remove(
    logs: &Destinations,
    name: &str,
    desired: Option<&DestinationProperties>,
    adopt: bool,
    regions: &[String],
) -> Result<Provisioned, String> {
    let steps = observe_and_decide(logs, regions, name, desired, |found| {
        decide::remove(found, adopt)
    })
    .await?;
    let results = write_each(logs, regions, &steps, |logs, step| async move {
        let removed = super::remove(&logs, name, step).await;
        if let Ok(action) = &removed {
            logs.finished(action.as_str());
        }
        removed.map_err(|e| e.to_string())
    })
    .await;
    let failures = failed(&results, String::clone);
    if !failures.is_empty() {
        let deleted: Vec<&str> = results
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|a| *a == super::Action::Deleted))
            .map(|(region, _)| region.as_str())
            .collect();
        let mut reason = failed_in("Deleting", name, &failures, regions.len());
        if !deleted.is_empty() {
            reason.push_str(&format!(". It was deleted in {}", deleted.join(", ")));
        }
        return Err(reason);
    }
    let done = results
        .into_iter()
        .filter_map(|(region, r)| {
            r.ok().map(|action| InRegion {
                region,
                action,
                destination: None,
            })
        })
        .collect();
    Ok(listed(name, done))
}

fn listed(name: &str, regions: Vec<InRegion>) -> Provisioned {
    Provisioned {
        name: name.to_owned(),
        regions,
        listed: true,
    }
}
