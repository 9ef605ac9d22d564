//! Deciding, as plain data, every write of a request: from the intent and what every Region
//! holds (observed before any write) to each Region's step, its writes in order, and what
//! undoing them would take; or a refusal that names every Region standing in the way. This is
//! the one place where ownership decides what may be written.

use super::authority::{Whose, Window, RECORDED_SKEW_MS, UNFINISHED_WINDOW};
use super::intent::{Intent, Operation};
use super::issued::SKEW_MS;
use super::names::{ADOPTABLE_BY_TAG, OWNER_TAG};
use super::observe::{Observation, Seen};
pub use super::writes::Write;
use super::writes::{
    adopt, converge, create, policy_after, policy_write, put_back, requested, wanted_tags,
    without_system_tags,
};
use crate::destinations::{AwsError, Destination};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing there: PutDestination, then tags (the ownership tag among them) and policy.
    Create,
    /// This authority's own untagged destination, left by an interrupted earlier attempt.
    Finish,
    /// Ours: brought to the requested state, each aspect only where it differs.
    Converge,
    /// Nobody's, and the request asks to take it over.
    Adopt,
    Delete,
    /// Nothing to write (already gone, or someone else's left alone: see the note).
    Nothing,
}

/// One Region's part of the plan. Writes go in phases: a phase's writes at once, each phase
/// after the one before succeeded.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionPlan {
    pub region: String,
    pub step: Step,
    /// The destination as observed, when it was described.
    pub found: Option<Destination>,
    pub writes: Vec<Vec<Write>>,
    /// What undoing this Region's writes takes, should the request fail: the Delete of a
    /// destination this request creates, or putting back what it changes of one that existed
    /// before it (only the aspects its record shows it may have changed are put back).
    pub undo: Vec<Vec<Write>>,
    /// For the user although nothing is wrong (an adoption, a destination left alone).
    pub note: Option<String>,
}

/// Every involved Region's part, in the order of `Regions`, then removed Regions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub regions: Vec<RegionPlan>,
}

/// Why a Region stops the whole request before any write.
#[derive(Clone, Debug)]
pub enum Blocker {
    /// Someone else's destination where this request would create one.
    Exists {
        manager: Option<String>,
        /// It was made before this request could have made it (why an untagged destination
        /// with the requested target and role is not its own).
        predates: bool,
    },
    /// Someone else's destination where this stack resource's used to be.
    NoLongerManaged,
    NotAdoptable {
        manager: String,
    },
    /// Nobody manages it, but it does not agree to this adoption ([`ADOPTABLE_BY_TAG`]):
    /// `command` is what its owner runs to agree.
    NoConsent {
        command: String,
    },
    /// Provisioning may touch only what it created (or, asked to, what nobody manages).
    NotProvisionings {
        manager: Option<String>,
    },
    Unreachable(AwsError),
}

pub type Blocked = Vec<(String, Blocker)>;

pub fn plan(intent: &Intent, observed: &Observation, now_ms: i64) -> Result<Plan, Blocked> {
    let mut plan = Plan::default();
    let mut blocked = Vec::new();
    for region in intent.involved() {
        let seen = match observed.get(region) {
            Some(Ok(seen)) => seen,
            Some(Err(error)) => {
                blocked.push((region.clone(), Blocker::Unreachable(error.clone())));
                continue;
            }
            None => {
                let error = AwsError {
                    operation: "DescribeDestinations",
                    destination: intent.name.clone(),
                    code: None,
                    message: "it was not looked at".into(),
                };
                blocked.push((region.clone(), Blocker::Unreachable(error)));
                continue;
            }
        };
        match decide(intent, region, seen, now_ms) {
            Ok(part) => plan.regions.push(part),
            Err(blocker) => blocked.push((region.clone(), blocker)),
        }
    }
    if blocked.is_empty() {
        Ok(plan)
    } else {
        Err(blocked)
    }
}

/// One Region's part.
fn decide(intent: &Intent, region: &str, seen: &Seen, now_ms: i64) -> Result<RegionPlan, Blocker> {
    let part = |step, found: Option<&Destination>| RegionPlan {
        region: region.to_owned(),
        step,
        found: found.cloned(),
        writes: Vec::new(),
        undo: Vec::new(),
        note: None,
    };
    let (found, tags) = match seen {
        Seen::Absent
            if intent.operation == Operation::Delete
                || intent.removed.iter().any(|r| r == region) =>
        {
            return Ok(part(Step::Nothing, None));
        }
        Seen::Absent => {
            let Some(desired) = &intent.desired else {
                return Ok(part(Step::Nothing, None));
            };
            let mut created = part(Step::Create, None);
            created.writes = create(intent, region, desired);
            created.undo = vec![vec![Write::Delete]];
            return Ok(created);
        }
        Seen::Present { destination, tags } => (destination.as_ref(), tags),
    };
    let removing =
        intent.operation == Operation::Delete || intent.removed.iter().any(|r| r == region);
    let window = window(intent, removing, now_ms);
    let whose = intent
        .authority
        .whose(found, tags, intent.desired.as_ref(), window, now_ms);
    // Said in the Reason: an untagged destination older than this request is not its own.
    let predates = match (&whose, window, found) {
        (Whose::Others { manager: None }, Window::Since(earliest), Some(destination))
        | (Whose::Others { manager: None }, Window::Between(earliest, _), Some(destination)) => {
            destination
                .creation_time_ms
                .is_some_and(|created| created < earliest)
        }
        _ => false,
    };
    // Adoption takes (or provisioning deletes) a destination nobody manages only with the
    // consent its owner tagged it with: a request alone proves nothing.
    let unmanaged = matches!(whose, Whose::Others { manager: None });
    if unmanaged && intent.adopt && !intent.authority.may_adopt(tags) {
        return Err(Blocker::NoConsent {
            command: consent_command(intent, region),
        });
    }
    if removing {
        return match whose {
            Whose::Ours | Whose::OurUnfinished => Ok(deleting(part(Step::Delete, found))),
            Whose::Others { manager: None } if intent.adopt => {
                Ok(deleting(part(Step::Delete, found)))
            }
            Whose::Others { manager } if !intent.authority.is_stack() => {
                Err(Blocker::NotProvisionings { manager })
            }
            Whose::Others { .. } => {
                let mut left = part(Step::Nothing, found);
                left.note = Some(left_alone(intent, region, predates));
                Ok(left)
            }
        };
    }
    let (Some(desired), Some(destination)) = (&intent.desired, found) else {
        // A destination is described whenever it is to be written.
        return Err(Blocker::NoLongerManaged);
    };
    let creating = matches!(intent.operation, Operation::Create | Operation::Replace);
    match whose {
        Whose::OurUnfinished => {
            let mut finish = part(Step::Finish, found);
            let requested = requested(desired, intent.arn(region));
            let after = policy_after(requested.as_ref(), Some(destination));
            let wanted = wanted_tags(intent, desired, after.as_ref());
            let policy = policy_write(desired, destination, requested);
            finish.writes = vec![std::iter::once(Write::Tag(wanted)).chain(policy).collect()];
            finish.undo = vec![vec![Write::Delete]];
            Ok(finish)
        }
        Whose::Ours => {
            let mut owned = part(Step::Converge, found);
            owned.writes = converge(intent, desired, destination, tags);
            // A stack's Create that finds its own tagged destination made since it was issued
            // is a redelivery of itself; anything older existed before this request (a
            // resource removed with DeletionPolicy Retain and added back, a rename back to
            // the original name) and is only ever put back, never removed.
            let redelivered = intent.operation == Operation::Create
                && intent.authority.is_stack()
                && destination
                    .creation_time_ms
                    .is_some_and(|created| window.admits(created, now_ms));
            owned.undo = if redelivered {
                vec![vec![Write::Delete]]
            } else {
                put_back(destination, &without_system_tags(tags), &owned.writes)
            };
            Ok(owned)
        }
        Whose::Others {
            manager: Some(manager),
        } if intent.adopt => Err(Blocker::NotAdoptable { manager }),
        Whose::Others { manager: None } if intent.adopt => {
            let adoption = adopt(intent, desired, destination, tags);
            let mut adopted = part(Step::Adopt, found);
            adopted.writes = adoption.writes;
            adopted.undo = adoption.undo;
            adopted.note = Some(adoption.note);
            Ok(adopted)
        }
        Whose::Others { manager } if !intent.authority.is_stack() => {
            Err(Blocker::NotProvisionings { manager })
        }
        Whose::Others { manager } if creating || intent.added.iter().any(|r| r == region) => {
            Err(Blocker::Exists { manager, predates })
        }
        Whose::Others { .. } => Err(Blocker::NoLongerManaged),
    }
}

/// When an untagged destination must have been created to be this request's own. Only a
/// request that creates, and the rollback Delete of a failed Create, can find one. The times
/// come from CloudFormation ([`Intent::recorded`]); the request's own (the ResponseURL's date,
/// the times in a failed Create's id) only narrow them. A stack request CloudFormation was not
/// asked about can only find one made recently; provisioning keeps its event's time.
fn window(intent: &Intent, removing: bool, now_ms: i64) -> Window {
    let recent = now_ms - UNFINISHED_WINDOW.as_millis() as i64;
    if removing {
        let Some((first, last)) = intent.created_between else {
            return Window::Never;
        };
        let (earliest, latest) = match intent.recorded {
            Some(recorded) => match recorded.create_window {
                Some((began, failed)) => (began - RECORDED_SKEW_MS, failed + RECORDED_SKEW_MS),
                None => return Window::Never,
            },
            None if intent.authority.is_stack() => (recent, now_ms + RECORDED_SKEW_MS),
            None => (first, last),
        };
        return Window::Between(earliest.max(first), latest.min(last));
    }
    let claimed = intent.issued_ms.map(|issued| issued - SKEW_MS);
    let earliest = match intent.recorded {
        Some(recorded) => Some(
            recorded
                .began_ms
                .map_or(recent, |began| began - RECORDED_SKEW_MS),
        ),
        None if intent.authority.is_stack() => Some(recent),
        None => None,
    };
    match (earliest, claimed) {
        (Some(earliest), Some(claimed)) => Window::Since(earliest.max(claimed)),
        (Some(earliest), None) => Window::Since(earliest),
        (None, Some(claimed)) => Window::Since(claimed),
        (None, None) => Window::Recent,
    }
}

/// What the owner of a destination nobody manages runs to let this request adopt it. The tags
/// are JSON: the CLI's shorthand (`key=value`) does not take every character of the key.
fn consent_command(intent: &Intent, region: &str) -> String {
    format!(
        "aws logs tag-resource --region {region} --resource-arn {} --tags \
         '{{\"{ADOPTABLE_BY_TAG}\":\"{}\"}}'",
        intent.arn(region),
        intent.authority.adopter()
    )
}

fn deleting(mut part: RegionPlan) -> RegionPlan {
    part.writes = vec![vec![Write::Delete]];
    part
}

fn left_alone(intent: &Intent, region: &str, predates: bool) -> String {
    if intent.operation == Operation::Delete {
        let made = if predates {
            "; it was created before this resource's Create began"
        } else {
            ""
        };
        let text = format!(
            "Destination {} has no {OWNER_TAG} tag for this stack resource (this resource did \
             not create it{made}); it was left untouched",
            intent.name
        );
        if intent.listed {
            format!("{region}: {text}")
        } else {
            text
        }
    } else {
        format!(
            "Destination {} in {region} is not managed by this stack resource; it was left \
             untouched",
            intent.name
        )
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
