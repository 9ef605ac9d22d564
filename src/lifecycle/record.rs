//! What a request did, Region by Region, as it did it. Undoing a failure reads it (only what
//! this request did is undone), and so does a request the watchdog interrupts: its reply names
//! a destination this request may have created, and the Regions it finished.

use super::names::created_id;
use super::writes::{Aspect, Write};
use crate::destinations::Destination;
use std::sync::{Arc, Mutex};

/// One thing done in one Region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A PutDestination that may create the destination started.
    Creating,
    /// An attempt of it succeeded or got no answer: the destination may exist.
    Created,
    /// The creation time AWS reported for a destination this request holds as its own.
    CreatedAt(i64),
    /// The request took over its own earlier creation of the destination.
    TookOver,
    /// A write to this aspect of the destination started.
    Wrote(Aspect),
    /// AWS refused a write to this aspect: that write changed nothing.
    Refused(Aspect),
    /// Where this request was creating the destination, one it did not create was there (it
    /// appeared after the look, or PutDestination overwrote it): it is never removed.
    NotOurs,
    /// The Region is done: `what` was done there ("created", "updated", "deleted", ...).
    Finished(&'static str),
}

/// The request's record, shared by the work and the handler that may have to interrupt it.
#[derive(Clone, Debug, Default)]
pub struct Record {
    name: Arc<Mutex<String>>,
    events: Arc<Mutex<Vec<(String, Event)>>>,
    /// Each Region's undo, noted before its first write: an interrupted request undoes
    /// from the record alone.
    undoing: Arc<Mutex<Vec<Undoing>>>,
}

/// What undoing one Region's writes takes, as its plan said.
#[derive(Clone, Debug, PartialEq)]
pub struct Undoing {
    pub region: String,
    pub name: String,
    /// The destination's ARN there.
    pub arn: String,
    /// The destination as it was observed (what a put-back restores).
    pub found: Option<Destination>,
    pub undo: Vec<Vec<Write>>,
    /// An in-place Update leaves a Region that finished to CloudFormation's rollback Update.
    pub keep_if_finished: bool,
}

impl Record {
    /// Starts the record of a request that works on the destination `name`.
    pub fn begin(&self, name: &str) {
        name.clone_into(&mut self.name.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// The destination the request works on.
    pub fn name(&self) -> String {
        self.name.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn note(&self, region: &str, event: Event) {
        if let Event::Finished(what) = event {
            tracing::info!(region, what, "Region finished");
        }
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((region.to_owned(), event));
    }

    fn events_in(&self, region: &str) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(r, _)| r == region)
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// Notes what undoing a Region's writes takes (before its first write).
    pub fn will_undo(&self, undoing: Undoing) {
        self.undoing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(undoing);
    }

    /// Every Region's undo, as noted.
    pub fn undoings(&self) -> Vec<Undoing> {
        self.undoing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether this request wrote anything in `region` (so there is something to undo).
    pub fn touched(&self, region: &str) -> bool {
        self.events_in(region).iter().any(|e| {
            matches!(
                e,
                Event::Creating | Event::Created | Event::TookOver | Event::Wrote(_)
            )
        })
    }

    /// Whether a write in `region` may have changed `aspect`: one started that AWS did not
    /// refuse (it succeeded, is still running, or got no answer).
    pub fn changed(&self, region: &str, aspect: Aspect) -> bool {
        let events = self.events_in(region);
        let count = |wanted: &Event| events.iter().filter(|e| *e == wanted).count();
        count(&Event::Wrote(aspect)) > count(&Event::Refused(aspect))
    }

    /// Whether the destination in `region` may exist because of this request (and nothing
    /// showed that what is there is someone else's).
    pub fn holds_in(&self, region: &str) -> bool {
        let events = self.events_in(region);
        (events.contains(&Event::TookOver) || events.contains(&Event::Created))
            && !events.contains(&Event::NotOurs)
    }

    /// Whether `region` finished its writes.
    pub fn finished(&self, region: &str) -> bool {
        self.events_in(region)
            .iter()
            .any(|e| matches!(e, Event::Finished(_)))
    }

    /// The destination this request holds as its own in some Region (its PutDestination may
    /// have created it, or it took over its own earlier creation): an interrupted Create names
    /// it, so that the rollback Delete removes it.
    pub fn held(&self) -> Option<String> {
        let regions: Vec<String> = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(r, _)| r.clone())
            .collect();
        regions
            .iter()
            .any(|region| self.holds_in(region))
            .then(|| self.name.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// The id that names what this request holds for the rollback Delete: with the creation
    /// times it saw, so that an untagged destination is removed only if it is the one this
    /// request made (see [`created_id`]).
    pub fn held_id(&self) -> Option<String> {
        let name = self.held()?;
        let times: Vec<i64> = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(_, e)| match e {
                Event::CreatedAt(ms) => Some(*ms),
                _ => None,
            })
            .collect();
        let between = times.iter().min().zip(times.iter().max());
        Some(
            between
                .and_then(|(first, last)| created_id(&name, *first, *last))
                .unwrap_or(name),
        )
    }

    /// The Regions finished so far, by what was done, in the order they finished: "created in
    /// us-east-1 and eu-west-1; deleted in ap-south-1". `None` when none was.
    pub fn finished_so_far(&self) -> Option<String> {
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let mut by_what: Vec<(&str, Vec<&str>)> = Vec::new();
        for (region, event) in events.iter() {
            let Event::Finished(what) = event else {
                continue;
            };
            match by_what.iter_mut().find(|(w, _)| w == what) {
                Some((_, regions)) => regions.push(region),
                None => by_what.push((what, vec![region])),
            }
        }
        let parts: Vec<String> = by_what
            .into_iter()
            .map(|(what, regions)| format!("{what} in {}", and_list(&regions)))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_regions_are_told_by_what_was_done() {
        let record = Record::default();
        assert_eq!(record.finished_so_far(), None);
        for (region, what) in [
            ("us-east-1", "created"),
            ("ap-south-1", "deleted"),
            ("eu-west-1", "created"),
            ("sa-east-1", "created"),
        ] {
            record.note(region, Event::Finished(what));
        }
        assert_eq!(
            record.finished_so_far().as_deref(),
            Some("created in us-east-1, eu-west-1 and sa-east-1; deleted in ap-south-1")
        );
    }

    #[test]
    fn a_destination_is_held_once_a_creating_call_may_have_created_it() {
        let record = Record::default();
        record.begin("central");
        record.note("us-east-1", Event::Creating);
        // Refused attempts create nothing.
        assert_eq!(record.held(), None);
        assert!(record.touched("us-east-1"));
        record.note("us-east-1", Event::Created);
        assert_eq!(record.held().as_deref(), Some("central"));
        assert!(!record.touched("eu-west-1"));
        record.note("eu-west-1", Event::TookOver);
        assert_eq!(record.held().as_deref(), Some("central"));
        assert_eq!(record.held_id().as_deref(), Some("central"));
        record.note("us-east-1", Event::CreatedAt(2_000));
        record.note("eu-west-1", Event::CreatedAt(1_000));
        assert_eq!(
            record.held_id().as_deref(),
            Some("cfn-logs-destination:created:1000-2000:central")
        );
    }

    #[test]
    fn only_writes_aws_did_not_refuse_may_have_changed_something() {
        let record = Record::default();
        record.note("us-east-1", Event::Wrote(Aspect::Target));
        record.note("us-east-1", Event::Refused(Aspect::Target));
        record.note("us-east-1", Event::Wrote(Aspect::Tags));
        record.note("us-east-1", Event::Wrote(Aspect::Tags));
        record.note("us-east-1", Event::Refused(Aspect::Tags));
        assert!(!record.changed("us-east-1", Aspect::Target));
        assert!(record.changed("us-east-1", Aspect::Tags));
        assert!(!record.changed("us-east-1", Aspect::Policy));
        assert!(!record.changed("eu-west-1", Aspect::Tags));
    }

    #[test]
    fn a_destination_found_not_to_be_ours_is_never_held() {
        let record = Record::default();
        record.begin("central");
        record.note("us-east-1", Event::Creating);
        record.note("us-east-1", Event::Created);
        assert!(record.holds_in("us-east-1"));
        record.note("us-east-1", Event::NotOurs);
        assert!(!record.holds_in("us-east-1"));
        assert_eq!(record.held(), None);
    }
}
