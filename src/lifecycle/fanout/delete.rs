//! Delete across Regions: only those the request lists.

use super::{each, effective, failed, failed_in, listed, with_finished};
use crate::destinations::{AwsError, Destinations};
use crate::lifecycle::delete::delete_if_owned;
use crate::lifecycle::{Done, Failed};
use serde_json::Value;

/// Delete in the Regions the request lists, never in any other; `id` is a valid name.
pub async fn delete(
    logs: &Destinations,
    id: &str,
    properties: &Value,
    owner: &str,
    function_arn: &str,
) -> Result<Done, Failed> {
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
            reason: with_finished(
                failed_in("Deleting", id, &failures, regions.len()),
                logs,
                "",
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
