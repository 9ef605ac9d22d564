//! Carrying a plan out: every Region at once (within a bound), each Region's phases in order
//! and a phase's writes at once, every write noted in the request's record.
//!
//! PutDestination creates or overwrites, so a creating put never trusts an old look: it looks
//! again before each retry, and before its first attempt in a Region that waited for others
//! (the ninth and later); and an answer whose `creationTime` is before the call shows it
//! overwrote a destination that was there all along. Either way the destination is someone
//! else's: the Region stops, and nothing ever removes it.

use super::fan::{each, CONCURRENCY};
use super::intent::{Intent, Operation};
use super::issued::SKEW_MS;
use super::plan::{Plan, RegionPlan, Step, Write};
use super::record::{Event, Record, Undoing};
use super::writes::Aspect;
use crate::destinations::{epoch_ms, AwsError, Destination, Destinations};
use futures_util::future::join_all;
use std::future::Future;
use std::sync::Mutex;
use tokio::time::Instant;

/// What one Region ended with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The destination's state; `None` after a Delete.
    pub destination: Option<Destination>,
    /// A DeleteDestination removed it (`false`: it was already gone).
    pub deleted: bool,
}

pub type Results = Vec<(String, Result<Applied, AwsError>)>;

/// Where one Region's writes go.
#[derive(Clone, Copy, Debug)]
pub struct At<'a> {
    pub name: &'a str,
    pub region: &'a str,
    /// The destination's ARN there (known before it exists).
    pub arn: &'a str,
}

/// How a Region's writes run.
#[derive(Clone, Copy, Debug, Default)]
pub struct How {
    /// The look at the Region is fresh: a creating put's first attempt need not look again.
    pub fresh: bool,
    /// Each write is given up at this moment (undoing an interrupted request).
    pub until: Option<Instant>,
}

pub async fn apply(logs: &Destinations, intent: &Intent, plan: &Plan, record: &Record) -> Results {
    let regions: Vec<String> = plan.regions.iter().map(|p| p.region.clone()).collect();
    each(&regions, |region| async move {
        let Some((index, part)) = plan
            .regions
            .iter()
            .enumerate()
            .find(|(_, p)| p.region == region)
        else {
            return Ok(Applied::default());
        };
        begin(intent, part, record);
        let at = At {
            name: &intent.name,
            region: &region,
            arn: intent.arn(&region),
        };
        // The first Regions start as soon as all were looked at; a later one waited for
        // an earlier one to finish, and looks again before it creates.
        let how = How {
            fresh: index < CONCURRENCY,
            until: None,
        };
        let logs = logs.in_region(&region);
        let applied = phases(&logs, at, part.found.clone(), &part.writes, record, how).await;
        if let Ok(applied) = &applied {
            if let Some(what) = finished(intent, part, applied.deleted) {
                record.note(&region, Event::Finished(what));
            }
        }
        applied
    })
    .await
}

/// What starting a Region's step says, once: an adoption logs what it found; taking over
/// this request's own earlier creation is recorded (an interruption then names it); and
/// what undoing the Region would take is noted before its first write.
fn begin(intent: &Intent, part: &RegionPlan, record: &Record) {
    let region = part.region.as_str();
    match part.step {
        Step::Adopt => tracing::info!(
            destination = intent.name,
            region,
            found = ?part.found,
            "adopting an existing destination; its state before adoption"
        ),
        // Its own earlier creation (an interrupted or redelivered request).
        Step::Finish | Step::Converge if removes_it(part) => {
            record.note(region, Event::TookOver);
            if let Some(created) = part.found.as_ref().and_then(|f| f.creation_time_ms) {
                record.note(region, Event::CreatedAt(created));
            }
        }
        _ => {}
    }
    if !part.undo.is_empty() {
        record.will_undo(Undoing {
            region: region.to_owned(),
            name: intent.name.clone(),
            arn: part
                .found
                .as_ref()
                .map(|f| f.arn.clone())
                .filter(|arn| !arn.is_empty())
                .unwrap_or_else(|| intent.arn(region).to_owned()),
            found: part.found.clone(),
            undo: part.undo.clone(),
            keep_if_finished: intent.operation == Operation::Update,
        });
    }
}

/// Whether undoing the Region removes the destination: the plan holds it as this request's
/// own creation.
fn removes_it(part: &RegionPlan) -> bool {
    part.undo == [[Write::Delete]]
}

/// Runs `writes` (the plan's, or an undo) in one Region, starting from `found`.
pub async fn phases(
    logs: &Destinations,
    at: At<'_>,
    found: Option<Destination>,
    writes: &[Vec<Write>],
    record: &Record,
    how: How,
) -> Result<Applied, AwsError> {
    let mut applied = Applied {
        destination: found,
        deleted: false,
    };
    for phase in writes {
        let current = applied.destination.clone();
        let done = join_all(phase.iter().map(|w| {
            within(
                how.until,
                at,
                w,
                write(logs, at, w, current.as_ref(), record, how),
            )
        }))
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

/// `work`, given up at `until` if there is one.
async fn within<T>(
    until: Option<Instant>,
    at: At<'_>,
    write: &Write,
    work: impl Future<Output = Result<T, AwsError>>,
) -> Result<T, AwsError> {
    let Some(until) = until else {
        return work.await;
    };
    tokio::time::timeout_at(until, work)
        .await
        .unwrap_or_else(|_| {
            Err(AwsError {
                operation: write.operation(),
                destination: at.name.to_owned(),
                code: None,
                message: "no answer in the time left before the reply was due".into(),
            })
        })
}

enum Wrote {
    Put(Destination),
    Deleted(bool),
    Other,
}

async fn write(
    logs: &Destinations,
    at: At<'_>,
    write: &Write,
    current: Option<&Destination>,
    record: &Record,
    how: How,
) -> Result<Wrote, AwsError> {
    let (name, region) = (at.name, at.region);
    let arn = current
        .map(|d| d.arn.as_str())
        .filter(|arn| !arn.is_empty())
        .unwrap_or(at.arn);
    let aspect = write.aspect();
    record.note(
        region,
        match write {
            Write::Put { creates: true, .. } => Event::Creating,
            _ => Event::Wrote(aspect),
        },
    );
    let result = match write {
        Write::Put {
            target_arn,
            role_arn,
            creates: true,
        } => create(logs, at, (target_arn, role_arn), record, how.fresh).await,
        Write::Put {
            target_arn,
            role_arn,
            creates: false,
        } => logs
            .put(name, target_arn, role_arn, |_| {}, |_| async { Ok(()) })
            .await
            .map(|answer| Wrote::Put(described(at, answer, (target_arn, role_arn), current))),
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
    };
    if let Err(error) = &result {
        if error.is_refusal() && aspect != Aspect::Existence {
            record.note(region, Event::Refused(aspect));
        }
    }
    result
}

/// A PutDestination that creates the destination: it looks again before each retry (and
/// before the first attempt unless the look is `fresh`), and stops where a destination is
/// there that no attempt of its own can have made; an answer created before the call shows an
/// overwrite.
async fn create(
    logs: &Destinations,
    at: At<'_>,
    (target_arn, role_arn): (&String, &String),
    record: &Record,
    fresh: bool,
) -> Result<Wrote, AwsError> {
    let (name, region) = (at.name, at.region);
    // When the first attempt that may have created it was sent.
    let earliest: Mutex<Option<i64>> = Mutex::new(None);
    let started = epoch_ms();
    let may_exist = |sent: i64| {
        record.note(region, Event::Created);
        earliest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(sent);
    };
    let earliest = &earliest;
    let look_again = |attempt: u32| async move {
        if attempt == 0 && fresh {
            return Ok(());
        }
        let Some(found) = logs.find(name).await? else {
            return Ok(());
        };
        let since = *earliest.lock().unwrap_or_else(|p| p.into_inner());
        let maybe_ours = since
            .zip(found.creation_time_ms)
            .is_some_and(|(since, created)| created >= since - SKEW_MS);
        if maybe_ours {
            return Ok(());
        }
        record.note(region, Event::NotOurs);
        Err(appeared(at, &found))
    };
    let answer = logs
        .put(name, target_arn, role_arn, may_exist, look_again)
        .await?;
    if let Some(created) = answer.creation_time_ms {
        if created < started - SKEW_MS {
            record.note(region, Event::NotOurs);
            return Err(overwrote(at, created, target_arn, role_arn));
        }
        record.note(region, Event::CreatedAt(created));
    }
    Ok(Wrote::Put(described(
        at,
        answer,
        (target_arn, role_arn),
        None,
    )))
}

/// A destination that appeared where this request was creating one.
fn appeared(at: At<'_>, found: &Destination) -> AwsError {
    let created = found
        .creation_time_ms
        .map_or_else(|| "unknown".to_owned(), |ms| ms.to_string());
    AwsError {
        operation: "PutDestination",
        destination: at.name.to_owned(),
        code: None,
        message: format!(
            "destination {} appeared in {} after this request found the name free \
             (creationTime {created}); it is not this request's, so it was not written and was \
             left as it is",
            at.name, at.region
        ),
    }
}

/// A creating PutDestination that wrote over a destination which was there all along.
fn overwrote(at: At<'_>, created: i64, target_arn: &str, role_arn: &str) -> AwsError {
    AwsError {
        operation: "PutDestination",
        destination: at.name.to_owned(),
        code: None,
        message: format!(
            "destination {name} already existed in {region} (creationTime {created}, before \
             this request's call), although this request had found the name free: \
             PutDestination overwrote its target and role with {target_arn} and {role_arn}. This \
             request did not make it, so it was neither tagged nor deleted; its owner must \
             check its target and role",
            name = at.name,
            region = at.region
        ),
    }
}

/// The destination after a PutDestination: the answer may leave out what it did not change.
fn described(
    at: At<'_>,
    answer: Destination,
    (target_arn, role_arn): (&String, &String),
    before: Option<&Destination>,
) -> Destination {
    Destination {
        name: at.name.to_owned(),
        arn: Some(answer.arn)
            .filter(|a| !a.is_empty())
            .or_else(|| before.map(|b| b.arn.clone()).filter(|a| !a.is_empty()))
            .unwrap_or_else(|| at.arn.to_owned()),
        target_arn: target_arn.clone(),
        role_arn: role_arn.clone(),
        access_policy: answer
            .access_policy
            .or_else(|| before.and_then(|b| b.access_policy.clone())),
        creation_time_ms: answer
            .creation_time_ms
            .or_else(|| before.and_then(|b| b.creation_time_ms)),
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
    Some(match part.step {
        Step::Create | Step::Finish => "created",
        Step::Converge if removes_it(part) => "created",
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
