//! What CloudFormation's own events say about a stack (`DescribeStackEvents`, newest first):
//! which operation is in progress, which physical id of a resource it is deleting now, and
//! when it tried to create a resource. Nobody but CloudFormation writes these, so they, and
//! not a request's fields, decide which destination a Delete may remove.

use crate::stacks::StackEvent;

/// The type of a stack's own events (their logical id is the stack's name).
const STACK_TYPE: &str = "AWS::CloudFormation::Stack";

/// A stack's events as read, newest first.
#[derive(Clone, Copy, Debug)]
pub struct History<'a> {
    stack_id: &'a str,
    events: &'a [StackEvent],
}

impl<'a> History<'a> {
    pub fn new(stack_id: &'a str, events: &'a [StackEvent]) -> History<'a> {
        History { stack_id, events }
    }

    /// Whether `event` is one of the stack's own (not a nested stack's, which is a resource
    /// of this one with another physical id).
    pub fn is_stack_event(stack_id: &str, event: &StackEvent) -> bool {
        let name = stack_id.split('/').nth(1).unwrap_or(stack_id);
        event.resource_type == STACK_TYPE
            && event.logical_id == name
            && (event.physical_id.is_empty() || event.physical_id == stack_id)
    }

    /// The stack's status, as its newest own event shows it.
    pub fn stack_status(&self) -> Option<&'a str> {
        self.events
            .iter()
            .find(|e| Self::is_stack_event(self.stack_id, e))
            .map(|e| e.status.as_str())
    }

    /// The events of the operation in progress: those after the stack's newest own event,
    /// when that event is an `*_IN_PROGRESS` one. Empty when no operation is in progress.
    pub fn current_operation(&self) -> &'a [StackEvent] {
        let events: &'a [StackEvent] = self.events;
        match events
            .iter()
            .position(|e| Self::is_stack_event(self.stack_id, e))
        {
            Some(at) if events[at].status.ends_with("_IN_PROGRESS") => &events[..at],
            _ => &[],
        }
    }

    /// Whether CloudFormation is deleting exactly `physical_id` of `logical_id` now: the
    /// newest event of that id in the operation in progress is its `DELETE_IN_PROGRESS`.
    pub fn deleting(&self, logical_id: &str, physical_id: &str) -> bool {
        !physical_id.is_empty()
            && self
                .current_operation()
                .iter()
                .find(|e| e.logical_id == logical_id && e.physical_id == physical_id)
                .is_some_and(|e| e.status == "DELETE_IN_PROGRESS")
    }

    /// When CloudFormation last tried to create `logical_id`: from the first event of its
    /// newest run of `CREATE_IN_PROGRESS` events to the `CREATE_FAILED` that ended it, or to
    /// `now_ms` while none has (ms since the epoch). `None` when the events read show no
    /// creation.
    pub fn create_window(&self, logical_id: &str, now_ms: i64) -> Option<(i64, i64)> {
        let mut start = None;
        let mut end = None;
        for event in self.events.iter().filter(|e| e.logical_id == logical_id) {
            match (event.status.as_str(), start) {
                ("CREATE_IN_PROGRESS", _) => start = Some(event.timestamp_ms),
                (_, Some(_)) => break,
                ("CREATE_FAILED", None) => end = end.or(Some(event.timestamp_ms)),
                _ => {}
            }
        }
        start.map(|start| (start, end.unwrap_or(now_ms).max(start)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1";

    fn event(logical_id: &str, physical_id: &str, status: &str, at: i64) -> StackEvent {
        StackEvent {
            logical_id: logical_id.into(),
            physical_id: physical_id.into(),
            resource_type: "Custom::LogsDestination".into(),
            status: status.into(),
            timestamp_ms: at,
        }
    }

    fn stack(status: &str, at: i64) -> StackEvent {
        StackEvent {
            resource_type: STACK_TYPE.into(),
            ..event("s", STACK, status, at)
        }
    }

    /// A rename's cleanup, newest first: the old id is being deleted now.
    fn cleanup() -> Vec<StackEvent> {
        vec![
            event("Destination", "old", "DELETE_IN_PROGRESS", 50),
            stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", 40),
            event("Destination", "new", "UPDATE_COMPLETE", 30),
            event("Destination", "old", "UPDATE_IN_PROGRESS", 20),
            stack("UPDATE_IN_PROGRESS", 10),
            event("Destination", "kept", "DELETE_IN_PROGRESS", 5),
        ]
    }

    #[test]
    fn the_stack_status_is_its_newest_own_event() {
        let events = cleanup();
        let history = History::new(STACK, &events);
        assert_eq!(
            history.stack_status(),
            Some("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        );
        assert_eq!(history.current_operation().len(), 1);
        // A nested stack, as a resource of this one, has another physical id.
        let mut nested = stack("UPDATE_IN_PROGRESS", 60);
        nested.physical_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/n/2".into();
        let with_nested: Vec<_> = std::iter::once(nested).chain(cleanup()).collect();
        assert_eq!(
            History::new(STACK, &with_nested).stack_status(),
            Some("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        );
        assert_eq!(History::new(STACK, &[]).stack_status(), None);
    }

    #[test]
    fn only_the_id_being_deleted_in_the_operation_in_progress_is_being_deleted() {
        let events = cleanup();
        let history = History::new(STACK, &events);
        assert!(history.deleting("Destination", "old"));
        assert!(!history.deleting("Destination", "new"));
        // Deleted by an earlier operation (a name kept by UpdateReplacePolicy Retain, say).
        assert!(!history.deleting("Destination", "kept"));
        assert!(!history.deleting("Other", "old"));
        assert!(!history.deleting("Destination", ""));
        // Once the operation is over, nothing is being deleted.
        let over: Vec<_> = std::iter::once(stack("UPDATE_COMPLETE", 70))
            .chain(cleanup())
            .collect();
        assert!(!History::new(STACK, &over).deleting("Destination", "old"));
        // Deleted already: a later request for it is not CloudFormation's.
        let done: Vec<_> = std::iter::once(event("Destination", "old", "DELETE_COMPLETE", 60))
            .chain(cleanup())
            .collect();
        assert!(!History::new(STACK, &done).deleting("Destination", "old"));
    }

    #[test]
    fn a_failed_create_spans_its_create_in_progress_events_to_its_create_failed() {
        let failed = "cfn-logs-destination:created:0-9:d";
        let events = vec![
            event("Destination", failed, "DELETE_IN_PROGRESS", 90),
            stack("ROLLBACK_IN_PROGRESS", 80),
            event("Destination", failed, "CREATE_FAILED", 70),
            event("Other", "x", "CREATE_IN_PROGRESS", 25),
            event("Destination", "", "CREATE_IN_PROGRESS", 21),
            event("Destination", "", "CREATE_IN_PROGRESS", 20),
            // An earlier life of the same logical id.
            event("Destination", "older", "DELETE_COMPLETE", 15),
            event("Destination", "", "CREATE_IN_PROGRESS", 1),
            stack("CREATE_IN_PROGRESS", 0),
        ];
        let history = History::new(STACK, &events);
        assert_eq!(history.create_window("Destination", 100), Some((20, 70)));
        assert_eq!(history.create_window("Other", 100), Some((25, 100)));
        assert_eq!(history.create_window("Missing", 100), None);
        assert_eq!(history.stack_status(), Some("ROLLBACK_IN_PROGRESS"));
    }
}
