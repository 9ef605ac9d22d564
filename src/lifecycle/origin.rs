//! Did CloudFormation send this request? Nothing in a request is authenticated: whoever may
//! invoke the function (every deployer) or publish to its topic can write one naming any stack.
//! So before any write, a request is checked against CloudFormation's own view of the stack:
//! the resource must exist, be of a type this provider serves, be in progress in the way the
//! request says, and carry the request's id. The accepted states are the table of
//! docs/trust.md ("Trust model"); [`judge`] is that table.

use super::accounts::asker;
use super::authority::{now_ms, Recorded};
use super::history::History;
use super::names::{parse_created_id, Home};
use crate::event::CfnRequest;
use crate::properties;
use crate::stacks::{StackEvent, StackResource, Stacks};
use crate::verifier::Verifier;
use std::time::Duration;
use tokio::time::Instant;

/// The function settings: `VERIFY_REQUESTS` (`true` unless `false`) and
/// `TRUSTED_STACK_ACCOUNTS` (comma-separated account ids).
pub const VERIFY_REQUESTS: &str = "VERIFY_REQUESTS";
pub const TRUSTED_STACK_ACCOUNTS: &str = "TRUSTED_STACK_ACCOUNTS";

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

/// CloudFormation's reads are eventually consistent: a stack can read as missing for about
/// 30 s after a change set is executed. A resource it does not know yet is asked for again
/// for this long before the request is refused (the watchdog still bounds the request).
const PATIENCE: Duration = if cfg!(test) {
    Duration::from_millis(30)
} else {
    Duration::from_secs(40)
};
const FIRST_PAUSE: Duration = if cfg!(test) {
    Duration::from_millis(1)
} else {
    Duration::from_millis(500)
};
const LONGEST_PAUSE: Duration = Duration::from_secs(8);

/// How this function checks where its requests come from, built once per process.
#[derive(Clone, Debug)]
pub struct Origin {
    stacks: Stacks,
    verify: bool,
    trusted_accounts: Vec<String>,
    /// How a trusted account's CloudFormation is asked; without one, its stacks are refused.
    verifier: Option<Verifier>,
}

impl Origin {
    pub fn new(stacks: Stacks, verify: bool, trusted_accounts: Vec<String>) -> Origin {
        Origin {
            stacks,
            verify,
            trusted_accounts,
            verifier: None,
        }
    }

    /// Checks trusted accounts' stacks through `verifier`.
    pub fn with_verifier(self, verifier: Verifier) -> Origin {
        Origin {
            verifier: Some(verifier),
            ..self
        }
    }

    /// CloudFormation, as this function asks it (the audit's orphan check uses it too).
    pub fn stacks(&self) -> &Stacks {
        &self.stacks
    }

    /// Whether stacks of other accounts may use this function (`TRUSTED_STACK_ACCOUNTS`):
    /// then a stack this account's CloudFormation does not know may still exist there.
    pub fn trusts_other_accounts(&self) -> bool {
        !self.trusted_accounts.is_empty()
    }

    /// The settings from the environment; a malformed one fails the function's start.
    pub fn from_env(stacks: Stacks) -> Result<Origin, String> {
        let setting = |key| std::env::var(key).unwrap_or_default();
        let verify = match setting(VERIFY_REQUESTS).trim() {
            "" | "true" => true,
            "false" => false,
            other => {
                return Err(format!(
                    "{VERIFY_REQUESTS} must be true or false, not {other:?}"
                ))
            }
        };
        let trusted_accounts = setting(TRUSTED_STACK_ACCOUNTS)
            .split(',')
            .map(str::trim)
            .filter(|account| !account.is_empty())
            .map(|account| {
                if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(account.to_owned())
                } else {
                    Err(format!(
                        "{TRUSTED_STACK_ACCOUNTS} holds {account:?}, which is not a 12-digit \
                         account id"
                    ))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Origin::new(stacks, verify, trusted_accounts))
    }
}

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

/// Checks `request` with CloudFormation; `function_arn` places this function (account and
/// Region). Returns what CloudFormation recorded about the resource, which decides what the
/// request may count as its own; `None` when it was not asked (verification off). A stack of
/// a trusted account is checked with that account's CloudFormation, through its verifier role.
pub async fn verify(
    origin: &Origin,
    request: &CfnRequest,
    function_arn: &str,
) -> Result<Option<Recorded>, Refusal> {
    if !origin.verify {
        return Ok(None);
    }
    let claim = Claim::of(request);
    // arn:PARTITION:SERVICE:REGION:ACCOUNT:...
    let place = |arn: &str| -> Option<(String, String)> {
        let mut parts = arn.split(':');
        let region = parts.nth(3)?.to_owned();
        let account = parts.next()?.to_owned();
        Some((region, account))
    };
    let Some((stack_region, stack_account)) =
        place(claim.stack_id).filter(|_| claim.stack_id.contains(":cloudformation:"))
    else {
        return Err(Refusal::new(
            Why::UnknownResource,
            format!(
                "{}, which is not a CloudFormation stack ARN",
                claim.described()
            ),
        ));
    };
    let (region, account) = Home::of(function_arn)
        .map(|home| (home.region, home.account))
        .unwrap_or_default();
    if stack_account != account && !origin.trusted_accounts.contains(&stack_account) {
        return Err(Refusal::new(
            Why::OtherAccount,
            format!(
                "{}, in account {stack_account}, which is not listed in TrustedStackAccounts",
                claim.described()
            ),
        ));
    }
    if stack_region != region {
        return Err(Refusal::new(
            Why::OtherRegion,
            format!(
                "{}, in {stack_region}; CloudFormation only sends requests to a function in the \
                 stack's own Region ({region})",
                claim.described()
            ),
        ));
    }
    // The stack's own account's CloudFormation: a trusted account's through its verifier role.
    let asker = asker(
        &origin.stacks,
        origin.verifier.as_ref(),
        &claim,
        (&stack_account, &account),
        &stack_region,
    )
    .await?;
    check(&asker.stacks, &claim)
        .await
        .map(Some)
        .map_err(|refusal| asker.explain(refusal))
}

/// The check itself, with `stacks` (the CloudFormation of the stack's account): the resource
/// (one DescribeStackResource), and the stack's events only where they decide.
pub async fn check(stacks: &Stacks, claim: &Claim<'_>) -> Result<Recorded, Refusal> {
    let give_up = Instant::now() + PATIENCE;
    let mut pause = FIRST_PAUSE;
    let failed_create = claim.physical_id.and_then(parse_created_id).is_some();
    let same_id = |resource: &StackResource| claim.physical_id == Some(&resource.physical_id);
    loop {
        let unverifiable = |error: crate::stacks::StackError| {
            Refusal::new(
                Why::Unverifiable,
                format!(
                    "{}, and CloudFormation could not be asked ({error}); the function needs \
                     cloudformation:DescribeStackResource and cloudformation:DescribeStackEvents",
                    claim.described()
                ),
            )
        };
        let resource = stacks
            .resource(claim.stack_id, claim.logical_id)
            .await
            .map_err(unverifiable)?;
        let mut verdict = judge(claim, resource.as_ref(), None);
        let mut events: Option<Vec<StackEvent>> = None;
        if verdict == Verdict::AskHistory {
            // Read back to what decides: the resource's last creation (a failed Create's
            // window and its rollback's status), or the stack's newest own event.
            let creating = resource.as_ref().is_some_and(same_id);
            let enough = |event: &StackEvent| {
                if creating {
                    event.logical_id == claim.logical_id && event.status == "CREATE_IN_PROGRESS"
                } else {
                    History::is_stack_event(claim.stack_id, event)
                }
            };
            let read = stacks
                .events(claim.stack_id, enough)
                .await
                .map_err(unverifiable)?;
            verdict = match &read {
                Some(read) => judge(
                    claim,
                    resource.as_ref(),
                    Some(&History::new(claim.stack_id, read)),
                ),
                None => judge(claim, None, None),
            };
            events = read;
        }
        match verdict {
            Verdict::Accept => {
                let create_window = events
                    .as_deref()
                    .filter(|_| failed_create)
                    .and_then(|read| {
                        History::new(claim.stack_id, read).create_window(claim.logical_id, now_ms())
                    });
                return Ok(Recorded {
                    began_ms: resource.and_then(|r| r.last_updated_ms),
                    create_window,
                });
            }
            Verdict::Refuse(refusal) => return Err(refusal),
            Verdict::AskHistory => return Err(Refusal::new(Why::Unverifiable, claim.described())),
            Verdict::Wait(refusal) => {
                if Instant::now() + pause > give_up {
                    return Err(refusal);
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        }
    }
}

/// For the engine's unit tests, whose subject is what follows the check.
#[cfg(test)]
pub(crate) fn unchecked() -> Origin {
    let config = aws_sdk_cloudformation::Config::builder()
        .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .build();
    Origin::new(
        Stacks::new(aws_sdk_cloudformation::Client::from_conf(config)),
        false,
        Vec::new(),
    )
}

#[cfg(test)]
#[path = "origin_tests.rs"]
mod tests;
