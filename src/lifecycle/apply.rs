//! Carrying a plan out: every Region at once (within a bound), each Region's phases in order
//! and a phase's writes at once, every write noted in the request's record.

use super::fan::each;
use super::intent::{Intent, Operation};
use super::plan::{Plan, RegionPlan, Step, Write};
use super::record::{Event, Record};
use crate::destinations::{AwsError, Destination, Destinations};
use futures_util::future::join_all;

/// What one Region ended with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The destination's state; `None` after a Delete.
    pub destination: Option<Destination>,
    /// A DeleteDestination removed it (`false`: it was already gone).
    pub deleted: bool,
}

pub type Results = Vec<(String, Result<Applied, AwsError>)>;

pub async fn apply(logs: &Destinations, intent: &Intent, plan: &Plan, record: &Record) -> Results {
    let regions: Vec<String> = plan.regions.iter().map(|p| p.region.clone()).collect();
    each(&regions, |region| async move {
        let Some(part) = plan.regions.iter().find(|p| p.region == region) else {
            return Ok(Applied::default());
        };
        begin(intent, part, record);
        let applied = phases(&logs.in_region(&region), intent, part, &part.writes, record).await;
        if let Ok(applied) = &applied {
            if let Some(what) = finished(intent, part, applied.deleted) {
                record.note(&region, Event::Finished(what));
            }
        }
        applied
    })
    .await
}

/// What starting a Region's step says, once: an adoption logs what it found, and taking over
/// this request's own earlier creation is recorded (an interruption then names it).
fn begin(intent: &Intent, part: &RegionPlan, record: &Record) {
    let region = part.region.as_str();
    let creating = matches!(intent.operation, Operation::Create | Operation::Replace);
    match part.step {
        Step::Adopt => tracing::info!(
            destination = intent.name,
            region,
            found = ?part.found,
            "adopting an existing destination; its state before adoption"
        ),
        // Its own earlier creation (an interrupted or redelivered request).
        Step::Finish | Step::Converge if creating => {
            record.note(region, Event::TookOver);
            if let Some(created) = part.found.as_ref().and_then(|f| f.creation_time_ms) {
                record.note(region, Event::CreatedAt(created));
            }
        }
        _ => {}
    }
}

/// Runs `writes` (the plan's, or its undo) in one Region, starting from what was observed.
pub async fn phases(
    logs: &Destinations,
    intent: &Intent,
    part: &RegionPlan,
    writes: &[Vec<Write>],
    record: &Record,
) -> Result<Applied, AwsError> {
    let region = part.region.as_str();
    let mut applied = Applied {
        destination: part.found.clone(),
        deleted: false,
    };
    for phase in writes {
        let current = applied.destination.clone();
        let done = join_all(
            phase
                .iter()
                .map(|w| write(logs, intent, region, w, current.as_ref(), record)),
        )
        .await;
        for outcome in done {
            match outcome? {
                Wrote::Put(answer) => applied.destination = Some(answer),
                Wrote::Deleted(deleted) => {
                    applied.deleted = deleted;
                    applied.destination = None;
                }
                Wrote::Other => {}
            }
        }
    }
    Ok(applied)
}

enum Wrote {
    Put(Destination),
    Deleted(bool),
    Other,
}

async fn write(
    logs: &Destinations,
    intent: &Intent,
    region: &str,
    write: &Write,
    current: Option<&Destination>,
    record: &Record,
) -> Result<Wrote, AwsError> {
    let name = intent.name.as_str();
    let arn = current
        .map(|d| d.arn.as_str())
        .filter(|arn| !arn.is_empty())
        .unwrap_or_else(|| intent.arn(region));
    record.note(
        region,
        match write {
            Write::Put { creates: true, .. } => Event::Creating,
            _ => Event::Wrote,
        },
    );
    match write {
        Write::Put {
            target_arn,
            role_arn,
            creates,
        } => {
            let created = || {
                if *creates {
                    record.note(region, Event::Created);
                }
            };
            let answer = logs.put(name, target_arn, role_arn, created).await?;
            if let (true, Some(created)) = (*creates, answer.creation_time_ms) {
                record.note(region, Event::CreatedAt(created));
            }
            // The answer may leave out what it did not change.
            let before = current.cloned();
            Ok(Wrote::Put(Destination {
                name: name.to_owned(),
                arn: Some(answer.arn)
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| arn.to_owned()),
                target_arn: target_arn.clone(),
                role_arn: role_arn.clone(),
                access_policy: answer
                    .access_policy
                    .or_else(|| before.as_ref().and_then(|b| b.access_policy.clone())),
                creation_time_ms: answer
                    .creation_time_ms
                    .or_else(|| before.and_then(|b| b.creation_time_ms)),
            }))
        }
        Write::Tag(tags) => logs.tag(name, arn, tags).await.map(|()| Wrote::Other),
        Write::Untag(keys) => logs.untag(name, arn, keys).await.map(|()| Wrote::Other),
        Write::Policy {
            text,
            force_update,
            organization_hint,
        } => {
            let mut result = logs.put_policy(name, text, *force_update).await;
            if let Err(error) = &mut result {
                if *organization_hint && error.code.as_deref() == Some("InvalidParameterException")
                {
                    error.message.push_str(FORCE_UPDATE_HINT);
                }
            }
            result.map(|()| Wrote::Other)
        }
        Write::Delete => logs.delete(name).await.map(Wrote::Deleted),
    }
}

/// CloudWatch Logs refuses to switch a policy from account principals to an organization
/// without forceUpdate; the refusal says what to do.
const FORCE_UPDATE_HINT: &str = ". Switching a destination's access policy from account \
     principals to an organization needs ForceUpdate: first update the senders' subscription \
     filters (CloudWatch Logs User Guide: Updating an existing cross-account subscription), \
     then set ForceUpdate: true (and back to false afterwards)";

/// What a finished Region says it did (a timeout's Reason lists them), if anything.
fn finished(intent: &Intent, part: &RegionPlan, deleted: bool) -> Option<&'static str> {
    let creating = matches!(intent.operation, Operation::Create | Operation::Replace);
    Some(match part.step {
        Step::Create | Step::Finish => "created",
        Step::Converge if creating && intent.authority.is_stack() => "created",
        Step::Converge => "updated",
        Step::Adopt => "adopted",
        Step::Delete if deleted => "deleted",
        Step::Delete => "already absent",
        // Already gone; a destination left alone says so in its note.
        Step::Nothing if intent.operation == Operation::Delete && part.note.is_none() => {
            "already absent"
        }
        Step::Nothing => return None,
    })
}
