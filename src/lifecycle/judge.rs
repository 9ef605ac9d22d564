//! The accepted states: from what a request claims and what CloudFormation shows (the
//! resource, and where they decide, the stack's events), whether the request is one
//! CloudFormation sent. Pure: [`super::origin`] asks CloudFormation and applies this table,
//! which is the one of docs/trust.md ("Trust model").

use super::history::History;
use super::names::parse_created_id;
use crate::event::CfnRequest;
use crate::properties;
use crate::stacks::StackResource;

/// The resource types this provider serves: the one its documentation names, and the generic
/// type of a custom resource.
pub const SERVED_TYPES: [&str; 2] = [
    "Custom::LogsDestination",
    "AWS::CloudFormation::CustomResource",
];

/// The stack statuses in which CloudFormation deletes the resources an update replaced.
const CLEANUP: [&str; 2] = [
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
];
/// The stack statuses in which a resource whose Create failed is deleted.
const DELETING_A_FAILED_CREATE: [&str; 3] = [
    "ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
];

/// Why a request was refused: the bounded `Why` dimension of the `Refused` metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    OtherAccount,
    OtherRegion,
    UnknownResource,
    WrongType,
    NotInProgress,
    WrongPhysicalId,
    Unverifiable,
    /// The ResponseURL is not CloudFormation's: refused without a reply or an AWS call.
    ForeignResponseUrl,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Why::OtherAccount => "OtherAccount",
            Why::OtherRegion => "OtherRegion",
            Why::UnknownResource => "UnknownResource",
            Why::WrongType => "WrongType",
            Why::NotInProgress => "NotInProgress",
            Why::WrongPhysicalId => "WrongPhysicalId",
            Why::Unverifiable => "Unverifiable",
            Why::ForeignResponseUrl => "ForeignResponseUrl",
        }
    }
}

/// A refused request: why, and what CloudFormation showed.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub why: Why,
    pub saw: String,
}

impl Refusal {
    pub(super) fn new(why: Why, saw: impl Into<String>) -> Refusal {
        Refusal {
            why,
            saw: saw.into(),
        }
    }

    /// The FAILED Reason.
    pub fn reason(&self) -> String {
        format!(
            "Refused before any change: {}. Requests are checked with CloudFormation because \
             anyone who may invoke this function can write one; if CloudFormation did send this \
             request, see VerifyRequests in the trust model (docs/trust.md).",
            self.saw
        )
    }
}

/// What the request says about itself.
#[derive(Clone, Copy, Debug)]
pub struct Claim<'a> {
    /// "Create", "Update" or "Delete".
    pub request_type: &'static str,
    pub stack_id: &'a str,
    pub logical_id: &'a str,
    /// The request's PhysicalResourceId (Update and Delete).
    pub physical_id: Option<&'a str>,
    pub resource_type: &'a str,
}

impl<'a> Claim<'a> {
    pub fn of(request: &'a CfnRequest) -> Claim<'a> {
        Claim {
            request_type: request.kind.name(),
            stack_id: &request.target.stack_id,
            logical_id: &request.target.logical_resource_id,
            physical_id: request.kind.physical_resource_id(),
            resource_type: &request.resource_type,
        }
    }

    /// "this Delete names resource Destination (id X) of stack ARN".
    pub(super) fn described(&self) -> String {
        let id = self
            .physical_id
            .map(|id| format!(" (id {id})"))
            .unwrap_or_default();
        format!(
            "this {} names resource {}{id} of stack {}",
            self.request_type, self.logical_id, self.stack_id
        )
    }
}

/// What [`judge`] decides from what CloudFormation showed so far.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Accept,
    /// The stack's events decide (a Delete whose id is no longer the resource's, the rollback
    /// Delete of a failed Create).
    AskHistory,
    /// CloudFormation may not show it yet: ask again, and refuse when patience runs out.
    Wait(Refusal),
    Refuse(Refusal),
}

/// The destination an id names: itself, or the name in a failed Create's id.
fn named(id: &str) -> Option<&str> {
    match parse_created_id(id) {
        Some((name, _, _)) => Some(name),
        None => properties::is_valid_name(id).then_some(id),
    }
}

/// The accepted states. `history` is `None` until the events are read
/// ([`Verdict::AskHistory`]).
pub fn judge(
    claim: &Claim,
    resource: Option<&StackResource>,
    history: Option<&History>,
) -> Verdict {
    let Some(resource) = resource else {
        return Verdict::Wait(Refusal::new(
            Why::UnknownResource,
            format!(
                "{}, but CloudFormation knows no such stack or resource",
                claim.described()
            ),
        ));
    };
    let stack_status = history.map(|h| h.stack_status().unwrap_or("unknown"));
    let saw = |what: &str| {
        let id = match resource.physical_id.as_str() {
            "" => "no id yet".to_owned(),
            id => format!("id {id}"),
        };
        let stack = stack_status
            .map(|status| format!(", stack {status}"))
            .unwrap_or_default();
        format!(
            "{}, but CloudFormation shows that resource as {} {} with {id}{stack}: {what}",
            claim.described(),
            resource.resource_type,
            resource.status
        )
    };
    let refuse = |why, what: &str| Verdict::Refuse(Refusal::new(why, saw(what)));
    if resource.resource_type != claim.resource_type
        || !SERVED_TYPES.contains(&resource.resource_type.as_str())
    {
        let served = SERVED_TYPES.join(" or ");
        return refuse(
            Why::WrongType,
            &format!("this provider serves {served} only"),
        );
    }
    let status = resource.status.as_str();
    let claimed_id = claim.physical_id.unwrap_or_default();
    let same_id = claimed_id == resource.physical_id;
    // A failed Create's rollback may remove only what was made while CloudFormation was
    // creating the resource: its events say when.
    let failed_create = parse_created_id(claimed_id).is_some();
    match claim.request_type {
        "Create" if status == "CREATE_IN_PROGRESS" => Verdict::Accept,
        "Create" => refuse(Why::NotInProgress, "a Create needs CREATE_IN_PROGRESS"),
        "Update" if status != "UPDATE_IN_PROGRESS" => {
            refuse(Why::NotInProgress, "an Update needs UPDATE_IN_PROGRESS")
        }
        "Update" if !same_id => refuse(Why::WrongPhysicalId, "an Update must carry the current id"),
        "Update" => Verdict::Accept,
        "Delete" if same_id => match (status, stack_status) {
            ("CREATE_FAILED" | "DELETE_IN_PROGRESS", None) if failed_create => Verdict::AskHistory,
            ("DELETE_IN_PROGRESS", _) => Verdict::Accept,
            ("CREATE_FAILED", None) => Verdict::AskHistory,
            ("CREATE_FAILED", Some(stack)) if DELETING_A_FAILED_CREATE.contains(&stack) => {
                Verdict::Accept
            }
            _ => refuse(
                Why::NotInProgress,
                "a Delete needs DELETE_IN_PROGRESS, or a failed Create in a rollback",
            ),
        },
        "Delete"
            if named(claimed_id).is_some() && named(claimed_id) == named(&resource.physical_id) =>
        {
            refuse(
                Why::WrongPhysicalId,
                "a Delete of another id never removes the destination the resource's current id \
                 names",
            )
        }
        "Delete" => match (history, stack_status) {
            (Some(history), Some(stack)) if CLEANUP.contains(&stack) => {
                if history.deleting(claim.logical_id, claimed_id) {
                    Verdict::Accept
                } else {
                    refuse(
                        Why::WrongPhysicalId,
                        "CloudFormation's events show no DELETE_IN_PROGRESS of that id in the \
                         cleanup in progress",
                    )
                }
            }
            (Some(_), _) => refuse(
                Why::WrongPhysicalId,
                "a Delete of another id is only sent while a stack cleans up after a replacement",
            ),
            (None, _) => Verdict::AskHistory,
        },
        _ => refuse(Why::NotInProgress, "an unknown request type"),
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
