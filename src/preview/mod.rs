//! The preview of a change set, as Terraform's plan: for each of this provider's resources in
//! it, the request CloudFormation would send when the change set is executed, run through the
//! engine's own intent, checks, observe and plan ([`crate::lifecycle::foresee`]), never its
//! apply: per resource and Region, create, converge (which aspects), delete, take over, refuse
//! (with the Reason the request would get) or nothing. Only reads are made.

mod changes;
mod report;
mod text;

pub use changes::{
    as_sent, known_after_apply, proposed, same_function, Proposed, Served, Skipped,
    KNOWN_AFTER_APPLY, PREVIEW_REQUEST_ID,
};
pub use report::{
    policy_diff, Baseline, Change, PolicyDiff, RegionChange, Report, Resource, SkippedResource,
    StatementChange, TagChanges,
};
pub use text::render;

use crate::destinations::Destinations;
use crate::enabled_regions::EnabledRegions;
use crate::event::{CfnRequest, RequestKind};
use crate::lifecycle::{foresee, Foreseen, Operation, Outcome};
use crate::stacks::Stacks;
use serde_json::Value;

/// The preview of the change set `id` (its ARN), with `clients` in the function's account and
/// Region (`function_arn` names them): CloudWatch Logs, and the Account API that expands
/// `Regions: "*"`.
pub async fn of_change_set(
    clients: (&Destinations, &EnabledRegions),
    stacks: &Stacks,
    id: &str,
    function_arn: &str,
    served: &Served,
) -> Result<Report, String> {
    let read = stacks.change_set(id).await.map_err(|e| e.to_string())?;
    let (proposed, skipped) = changes::proposed(&read.changes, &read.stack_id, served);
    let mut report = Report {
        change_set: Some(if read.id.is_empty() {
            id.to_owned()
        } else {
            read.id
        }),
        stack_id: read.stack_id,
        skipped: skipped
            .into_iter()
            .map(|s| SkippedResource {
                logical_resource_id: s.logical_id,
                resource_type: s.resource_type,
                why: s.why,
            })
            .collect(),
        ..Report::default()
    };
    if read.status != "CREATE_COMPLETE" && !read.status.is_empty() {
        report.notes.push(format!(
            "The change set's status is {}: CloudFormation may not have listed every change",
            read.status
        ));
    }
    for one in &proposed {
        report.add(resource(clients, one, function_arn).await);
    }
    Ok(report)
}

/// The preview of properties not yet in a change set: `request` as CloudFormation would send it.
pub async fn of_request(
    clients: (&Destinations, &EnabledRegions),
    request: CfnRequest,
    function_arn: &str,
) -> Report {
    let proposed = Proposed {
        logical_id: request.target.logical_resource_id.clone(),
        resource_type: request.resource_type.clone(),
        change: "Proposed".into(),
        known_after_apply: changes::known_after_apply(&request.properties),
        request: Some(request),
        cleanup: None,
        note: None,
        undecidable: false,
    };
    let mut report = Report {
        stack_id: proposed
            .request
            .as_ref()
            .map(|r| r.target.stack_id.clone())
            .unwrap_or_default(),
        ..Report::default()
    };
    report.add(resource(clients, &proposed, function_arn).await);
    report
}

impl Report {
    fn add(&mut self, resource: Resource) {
        let refused = |r: &Resource| r.outcome == "Refused";
        if refused(&resource) || resource.cleanup.as_deref().is_some_and(refused) {
            self.refused += 1;
        }
        if resource.outcome == "Unknown" {
            self.unknown += 1;
        }
        self.resources.push(resource);
    }
}

/// One resource's preview: its request, and for a replacement the cleanup Delete that follows.
async fn resource(
    clients: (&Destinations, &EnabledRegions),
    proposed: &Proposed,
    function_arn: &str,
) -> Resource {
    let logs = clients.0;
    let mut entry = Resource {
        logical_resource_id: proposed.logical_id.clone(),
        resource_type: proposed.resource_type.clone(),
        change: proposed.change.clone(),
        outcome: "Nothing",
        notes: proposed.note.iter().cloned().collect(),
        known_after_apply: proposed.known_after_apply.clone(),
        ..Resource::default()
    };
    let Some(request) = &proposed.request else {
        if proposed.undecidable {
            entry.outcome = "Unknown";
        }
        return entry;
    };
    entry.request = Some(request.kind.name().to_owned());
    entry.physical_resource_id = request.kind.physical_resource_id().map(str::to_owned);
    entry.destination_name = request
        .properties
        .get("DestinationName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    entry.name_generated = entry.destination_name.is_none()
        && match &request.kind {
            RequestKind::Create => true,
            RequestKind::Update { old_properties, .. } => {
                old_properties.get("DestinationName").is_some()
            }
            RequestKind::Delete { .. } => false,
        };
    if !entry.known_after_apply.is_empty() {
        entry.outcome = "Unknown";
        entry.notes.push(format!(
            "CloudFormation will know {} only after applying the change set, so the preview \
             cannot tell what this request would do: it neither checks nor plans with a value \
             it would have to guess. Preview again once the value is known (after the \
             resources it comes from exist), or give it by hand (the command line's \
             --properties)",
            entry.known_after_apply.join(", ")
        ));
        return entry;
    }
    let foreseen = foresee(clients, request, function_arn).await;
    let cleanup = match (&proposed.cleanup, &request.kind, &foreseen) {
        (Some(cleanup), _, _) => Some(cleanup.clone()),
        (
            None,
            RequestKind::Update {
                physical_resource_id,
                old_properties,
            },
            Foreseen {
                operation: Some(Operation::Replace),
                outcome: Outcome::Planned(_),
                ..
            },
        ) => Some(CfnRequest {
            kind: RequestKind::Delete {
                physical_resource_id: physical_resource_id.clone(),
            },
            properties: old_properties.clone(),
            ..request.clone()
        }),
        _ => None,
    };
    let mut baseline = Baseline::new();
    if let Some(cleanup) = &cleanup {
        let deleting = foresee(clients, cleanup, function_arn).await;
        baseline = replaced(logs, &deleting).await;
        let mut old = Resource {
            logical_resource_id: proposed.logical_id.clone(),
            resource_type: proposed.resource_type.clone(),
            change: "Cleanup".into(),
            request: Some("Delete".into()),
            physical_resource_id: cleanup.kind.physical_resource_id().map(str::to_owned),
            ..Resource::default()
        }
        .foreseen(&deleting, &Baseline::new());
        old.notes.push(
            "CloudFormation sends this Delete of the replaced destination once the update \
             succeeds (its cleanup); its failure does not fail the update"
                .into(),
        );
        entry.cleanup = Some(Box::new(old));
    }
    entry.foreseen(&foreseen, &baseline)
}

/// The destinations a replacement's cleanup would delete, read as they are now: what the new
/// destination is compared with, Region by Region.
async fn replaced(logs: &Destinations, deleting: &Foreseen) -> Baseline {
    let mut baseline = Baseline::new();
    let (Some(old), Outcome::Planned(plan)) = (&deleting.name, &deleting.outcome) else {
        return baseline;
    };
    for part in &plan.regions {
        let regional = logs.in_region(&part.region);
        if let Ok(Some(found)) = regional.find(old).await {
            if let Ok(Some(tags)) = regional.tags(old, &found.arn).await {
                baseline.insert(part.region.clone(), (found, tags));
            }
        }
    }
    baseline
}
