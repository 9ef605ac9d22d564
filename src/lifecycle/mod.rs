//! Every request, whatever its source, takes one path:
//! 1. [`intent`]: what the request asks for and whom it acts for ([`authority`]); [`checks`]:
//!    what can be known before any call;
//! 2. [`observe`]: every Region involved, concurrently and once, while [`origin`] checks a
//!    stack request with CloudFormation;
//! 3. [`plan`]: a pure function from the intent and the observation to each Region's writes
//!    (and their undo), or a refusal before any write;
//! 4. [`apply`]: the writes, Regions concurrently, each noted in the request's [`record`];
//! 5. [`outcome`]: the reply or the provisioning result, and the undoing of a failure, from
//!    the plan, the results and the record.
//!
//! [`foresee`] runs the first three for a request not sent yet (the preview of a change set).
//!
//! The rules that keep users safe: a destination this provider creates carries an ownership
//! tag, set by TagResource right after PutDestination (AWS refuses tags in PutDestination); a
//! destination that is not ours is never changed or deleted; a failed Create answers with an id
//! that cannot name a destination, so its rollback Delete touches nothing, and it leaves nothing
//! behind that the rollback would not remove.

mod accounts;
mod apply;
pub mod authority;
mod checks;
pub mod expansion;
mod fan;
pub mod fingerprint;
mod foresee;
mod history;
mod intent;
mod issued;
mod judge;
mod names;
mod observe;
pub mod origin;
mod outcome;
pub mod plan;
mod provisioned;
mod record;
mod refusal;
mod undo;
mod writes;

use crate::destinations::Destinations;
use crate::enabled_regions::EnabledRegions;
use crate::event::{CfnRequest, ProvisionRequest, RequestKind};

pub use authority::{Tags, PROVISIONING_OWNER};
pub use foresee::{foresee, Foreseen, Outcome};
pub use intent::Operation;
pub use names::{
    destination_arn, failed_create_id, generated_name, owner_tag_value, Home, OWNER_TAG,
};
pub use origin::Origin;
pub use outcome::{Done, Failed};
pub use provisioned::{Action, InRegion, Provisioned};
pub use record::Record;
pub use undo::undo_interrupted;

/// Carries out one stack request. `function_arn` is the invoked function's ARN: the
/// destination lives in the function's account, which names its ARN without a lookup.
/// `enabled_regions` is asked only by a request with `Regions: "*"`.
pub async fn run(
    (logs, enabled_regions): (&Destinations, &EnabledRegions),
    origin: &Origin,
    request: &CfnRequest,
    function_arn: &str,
    record: &Record,
) -> Result<Done, Failed> {
    let failed_id = match &request.kind {
        RequestKind::Create => failed_create_id(&request.target.request_id),
        RequestKind::Update {
            physical_resource_id: id,
            ..
        }
        | RequestKind::Delete {
            physical_resource_id: id,
        } => id.clone(),
    };
    let fail = |reason| Failed {
        physical_resource_id: failed_id.clone(),
        reason,
    };
    let mut intent = match prepare((logs, enabled_regions), request, function_arn)
        .await
        .map_err(fail)?
    {
        Some(intent) => intent,
        None => return Ok(Done::gone(&failed_id, None)),
    };
    // From here on a Reason also says what "*" expanded to.
    let notes = intent.notes.clone();
    let fail = |reason: String| fail(noted(reason, &notes));
    record.begin(&intent.name);
    // CloudFormation is asked while the Regions are looked at: the check adds no round trip.
    let (verified, observed) = futures_util::future::join(
        origin::verify(origin, request, function_arn),
        observe::observe(logs, &intent),
    )
    .await;
    intent.recorded = match verified {
        Ok(recorded) => recorded,
        Err(refusal) => {
            tracing::warn!(
                why = refusal.why.as_str(),
                saw = refusal.saw,
                "refused a request CloudFormation does not show"
            );
            crate::metrics::refused(refusal.why.as_str());
            return Err(fail(refusal.reason()));
        }
    };
    let plan = plan::plan(&intent, &observed, authority::now_ms())
        .map_err(|blocked| fail(refusal::refusal(&intent, &blocked)))?;
    let results = apply::apply(logs, &intent, &plan, record).await;
    outcome::for_stack(logs, &intent, &plan, results, record, &failed_id)
        .await
        .map_err(|failed| Failed {
            reason: noted(failed.reason, &notes),
            ..failed
        })
}

/// What a stack request is before any CloudWatch Logs call (the request's path, and its
/// preview's): its intent, `Regions: "*"` expanded with the Regions the account has enabled
/// (read only when the request, or an Update's old properties, asks for them), and what can
/// be checked before any call, which gives every Region's ARN. `Ok(None)`: a Delete whose id
/// names no destination. `Err`: the Reason, saying what `"*"` expanded to once that is known.
async fn prepare(
    (logs, enabled_regions): (&Destinations, &EnabledRegions),
    request: &CfnRequest,
    function_arn: &str,
) -> Result<Option<intent::Intent>, String> {
    let home = logs.region().unwrap_or_default();
    let old_properties = match &request.kind {
        RequestKind::Update { old_properties, .. } => Some(old_properties),
        _ => None,
    };
    let properties: Vec<&serde_json::Value> = std::iter::once(&request.properties)
        .chain(old_properties)
        .filter(|_| intent::names_a_destination(request))
        .collect();
    // Only an Update's old properties asking for every Region need not stop it: without the
    // list, no Region is removed, and the Reason says so. That is what the rollback of an
    // Update to "*" that ListRegions refused needs (nothing was written), and it keeps such a
    // stack out of UPDATE_ROLLBACK_FAILED.
    let (enabled, unread) = match expansion::enabled_for(enabled_regions, &properties).await {
        Ok(enabled) => (enabled, None),
        Err(reason) if !expansion::needs_enabled(&[&request.properties]) => (None, Some(reason)),
        Err(reason) => return Err(reason),
    };
    let Some(mut intent) = intent::for_stack(request, &home, enabled.as_deref())? else {
        return Ok(None);
    };
    if let Some(reason) = unread {
        intent.notes.push(format!(
            "{reason}: the Regions the old properties' Regions \"*\" covered could not be \
             known, so none was removed; run an Update again once ListRegions answers to \
             remove those this resource no longer lists"
        ));
    }
    for note in &intent.notes {
        tracing::info!(destination = intent.name, note, "Regions");
    }
    intent.arns = checks::before_writing(&intent, function_arn, Some(&request.target))
        .map_err(|reason| noted(reason, &intent.notes))?;
    Ok(Some(intent))
}

/// A Reason with the intent's notes (what `"*"` expanded to) after it.
fn noted(reason: String, notes: &[String]) -> String {
    notes
        .iter()
        .fold(reason, |reason, note| format!("{reason}. {note}"))
}

/// Carries out one provisioning request. `name_prefix` is the function's setting (empty: any
/// name).
pub async fn provision(
    (logs, enabled_regions): (&Destinations, &EnabledRegions),
    request: &ProvisionRequest,
    name_prefix: &str,
    function_arn: &str,
    record: &Record,
) -> Result<Provisioned, String> {
    let home = logs.region().unwrap_or_default();
    let enabled = expansion::enabled_for(enabled_regions, &[&request.properties]).await?;
    let mut intent = intent::for_provisioning(
        &request.request_type,
        &request.properties,
        request.time.as_deref(),
        name_prefix,
        (&home, enabled.as_deref()),
    )?;
    for note in &intent.notes {
        tracing::info!(destination = intent.name, note, "Regions");
    }
    let notes = intent.notes.clone();
    let fail = |reason: String| noted(reason, &notes);
    intent.arns = checks::before_writing(&intent, function_arn, None).map_err(fail)?;
    record.begin(&intent.name);
    let observed = observe::observe(logs, &intent).await;
    let plan = plan::plan(&intent, &observed, authority::now_ms())
        .map_err(|blocked| fail(refusal::refusal(&intent, &blocked)))?;
    let results = apply::apply(logs, &intent, &plan, record).await;
    provisioned::for_provisioning(logs, &intent, &plan, results, record)
        .await
        .map_err(fail)
}

#[cfg(test)]
#[path = "engine_tests.rs"]
pub(crate) mod tests;
