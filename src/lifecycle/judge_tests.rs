//! The accepted-states table, flow by flow (docs/trust.md, "Trust model").

use super::*;
use crate::stacks::StackEvent;

const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1";

fn claim<'a>(request_type: &'static str, physical_id: Option<&'a str>) -> Claim<'a> {
    Claim {
        request_type,
        stack_id: STACK,
        logical_id: "Destination",
        physical_id,
        resource_type: "Custom::LogsDestination",
    }
}

fn shown(status: &str, physical_id: &str) -> StackResource {
    StackResource {
        resource_type: "Custom::LogsDestination".into(),
        status: status.into(),
        physical_id: physical_id.into(),
        last_updated_ms: Some(1_000),
    }
}

/// The stack's events, newest first: its own event in `stack_status`, preceded (newer) by
/// `newer` events of the resource.
fn events(stack_status: &str, newer: &[(&str, &str)]) -> Vec<StackEvent> {
    let event = |logical: &str, physical: &str, status: &str, resource_type: &str| StackEvent {
        logical_id: logical.into(),
        physical_id: physical.into(),
        resource_type: resource_type.into(),
        status: status.into(),
        timestamp_ms: 1_000,
    };
    newer
        .iter()
        .map(|(physical, status)| event("Destination", physical, status, "Custom::LogsDestination"))
        .chain([
            event("s", STACK, stack_status, "AWS::CloudFormation::Stack"),
            event(
                "Destination",
                "",
                "CREATE_IN_PROGRESS",
                "Custom::LogsDestination",
            ),
        ])
        .collect()
}

fn with_history(claim: &Claim, resource: &StackResource, events: &[StackEvent]) -> Verdict {
    judge(claim, Some(resource), Some(&History::new(STACK, events)))
}

fn why(verdict: Verdict) -> Why {
    match verdict {
        Verdict::Refuse(refusal) | Verdict::Wait(refusal) => refusal.why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_create_is_accepted_while_the_resource_is_being_created() {
    let create = claim("Create", None);
    assert_eq!(
        judge(&create, Some(&shown("CREATE_IN_PROGRESS", "")), None),
        Verdict::Accept
    );
    for status in [
        "CREATE_COMPLETE",
        "UPDATE_IN_PROGRESS",
        "DELETE_IN_PROGRESS",
    ] {
        let verdict = judge(&create, Some(&shown(status, "x")), None);
        assert_eq!(why(verdict), Why::NotInProgress, "{status}");
    }
}

#[test]
fn an_update_and_a_rollback_update_need_the_current_id_in_progress() {
    let update = claim("Update", Some("dest"));
    assert_eq!(
        judge(&update, Some(&shown("UPDATE_IN_PROGRESS", "dest")), None),
        Verdict::Accept
    );
    let other = judge(&update, Some(&shown("UPDATE_IN_PROGRESS", "other")), None);
    assert_eq!(why(other), Why::WrongPhysicalId);
    let settled = judge(&update, Some(&shown("UPDATE_COMPLETE", "dest")), None);
    assert_eq!(why(settled), Why::NotInProgress);
}

#[test]
fn a_delete_of_the_current_id_needs_delete_in_progress() {
    let delete = claim("Delete", Some("dest"));
    assert_eq!(
        judge(&delete, Some(&shown("DELETE_IN_PROGRESS", "dest")), None),
        Verdict::Accept
    );
    for status in ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"] {
        let verdict = judge(&delete, Some(&shown(status, "dest")), None);
        assert_eq!(why(verdict), Why::NotInProgress, "{status}");
    }
}

#[test]
fn the_rollback_delete_of_a_failed_create_is_accepted_in_a_rollback_only() {
    let delete = claim("Delete", Some("failed-id"));
    let failed = shown("CREATE_FAILED", "failed-id");
    assert_eq!(judge(&delete, Some(&failed), None), Verdict::AskHistory);
    for stack in DELETING_A_FAILED_CREATE {
        let verdict = with_history(&delete, &failed, &events(stack, &[]));
        assert_eq!(verdict, Verdict::Accept);
    }
    let verdict = with_history(&delete, &failed, &events("CREATE_FAILED", &[]));
    assert_eq!(why(verdict), Why::NotInProgress);
    // One that answered a creation window reads the events for it, whatever the status.
    let id = "cfn-logs-destination:created:0-4102444800000:security-central";
    let delete = claim("Delete", Some(id));
    let deleting = shown("DELETE_IN_PROGRESS", id);
    assert_eq!(judge(&delete, Some(&deleting), None), Verdict::AskHistory);
    let verdict = with_history(&delete, &deleting, &events("ROLLBACK_IN_PROGRESS", &[]));
    assert_eq!(verdict, Verdict::Accept);
}

#[test]
fn a_delete_of_a_replaced_id_is_accepted_only_while_cloudformation_deletes_that_id() {
    let delete = claim("Delete", Some("old"));
    let current = shown("UPDATE_COMPLETE", "new");
    assert_eq!(judge(&delete, Some(&current), None), Verdict::AskHistory);
    let deleting_old = [("old", "DELETE_IN_PROGRESS")];
    for stack in CLEANUP {
        let verdict = with_history(&delete, &current, &events(stack, &deleting_old));
        assert_eq!(verdict, Verdict::Accept);
        // The stack cleans up, but not that id.
        for newer in [
            &[][..],
            &[("another", "DELETE_IN_PROGRESS")][..],
            &[("old", "DELETE_COMPLETE"), ("old", "DELETE_IN_PROGRESS")][..],
        ] {
            let verdict = with_history(&delete, &current, &events(stack, newer));
            assert_eq!(why(verdict), Why::WrongPhysicalId, "{stack} {newer:?}");
        }
    }
    for stack in [
        "UPDATE_COMPLETE",
        "UPDATE_IN_PROGRESS",
        "DELETE_IN_PROGRESS",
    ] {
        let verdict = with_history(&delete, &current, &events(stack, &deleting_old));
        assert_eq!(why(verdict), Why::WrongPhysicalId, "{stack}");
    }
}

#[test]
fn a_delete_of_another_id_never_names_the_destination_the_resource_holds() {
    let forged = "cfn-logs-destination:created:0-4102444800000:security-central";
    for (id, current) in [
        (forged, "security-central"),
        (
            "security-central",
            "cfn-logs-destination:created:1-2:security-central",
        ),
    ] {
        let delete = claim("Delete", Some(id));
        // Decided before any event is read.
        let verdict = judge(&delete, Some(&shown("UPDATE_COMPLETE", current)), None);
        assert_eq!(why(verdict), Why::WrongPhysicalId, "{id}");
    }
}

#[test]
fn another_resource_type_is_refused_whatever_its_state() {
    let create = claim("Create", None);
    let mut bucket = shown("CREATE_IN_PROGRESS", "");
    bucket.resource_type = "AWS::S3::Bucket".into();
    assert_eq!(why(judge(&create, Some(&bucket), None)), Why::WrongType);
    // A request claiming the generic type for a Custom::LogsDestination is refused too.
    let mut generic = create;
    generic.resource_type = "AWS::CloudFormation::CustomResource";
    let verdict = judge(&generic, Some(&shown("CREATE_IN_PROGRESS", "")), None);
    assert_eq!(why(verdict), Why::WrongType);
}

#[test]
fn an_unknown_resource_is_waited_for_before_it_is_refused() {
    let verdict = judge(&claim("Delete", Some("dest")), None, None);
    assert!(matches!(verdict, Verdict::Wait(_)), "{verdict:?}");
    assert_eq!(why(verdict), Why::UnknownResource);
}

#[test]
fn the_reason_names_what_cloudformation_showed() {
    let verdict = judge(
        &claim("Delete", Some("dest")),
        Some(&shown("UPDATE_COMPLETE", "dest")),
        None,
    );
    let Verdict::Refuse(refusal) = verdict else {
        panic!("{verdict:?}");
    };
    let reason = refusal.reason();
    for part in [
        "Delete",
        "Destination",
        "id dest",
        STACK,
        "UPDATE_COMPLETE",
        "VerifyRequests",
    ] {
        assert!(reason.contains(part), "{part} missing from {reason}");
    }
}
