//! Update in place across Regions: Regions added, kept and removed.

use super::observe::{as_observed, observe_all, seen_in};
use super::plan::{self, Intent, Step};
use super::{
    check_before_writing, create, done, each, effective, failed, failed_in, listed, with_finished,
};
use crate::destinations::{Destination, Destinations};
use crate::event::CfnRequest;
use crate::lifecycle::{update, Done, Failed};
use crate::properties;
use serde_json::Value;
use std::collections::BTreeMap;

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
    if update::requested_name(request, &desired, old.as_ref(), current_id) != current_id {
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
        let reason = failed_in("Updating", current_id, &failures, order.len());
        return Err(fail(with_finished(
            reason,
            logs,
            "; the rollback (the old properties) returns them to their old state",
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
