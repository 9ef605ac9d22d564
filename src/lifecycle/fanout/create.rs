//! Create across Regions: every Region, or none.

use super::observe::{as_observed, observe_all, seen_in};
use super::plan::{self, Intent};
use super::{by_region, check_before_writing, done, each, effective, failed, failed_in};
use crate::destinations::{AwsError, Destinations};
use crate::event::CfnRequest;
use crate::lifecycle::create::{create_found, CreateFailure};
use crate::lifecycle::{generated_name, Done, Failed};
use crate::properties;

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
    let cleanup_errors = failed(&cleanup, AwsError::to_string);
    let removed: Vec<&str> = cleanup
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(region, _)| region.as_str())
        .collect();
    // Still there: a failed Region whose own removal failed too, and a failed cleanup.
    let left_behind: Vec<&str> = results
        .iter()
        .filter(|(_, r)| r.as_ref().is_err_and(|f| f.left_behind))
        .map(|(region, _)| region.as_str())
        .chain(cleanup_errors.iter().map(|(region, _)| region.as_str()))
        .collect();

    let mut reason = failed_in("Creating", &name, &failures, regions.len());
    if !removed.is_empty() {
        reason.push_str(&format!(
            ". It was removed again from {}",
            removed.join(", ")
        ));
    }
    if !cleanup_errors.is_empty() {
        reason.push_str(&format!(
            ". Removing it failed in {}",
            by_region(&cleanup_errors)
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
