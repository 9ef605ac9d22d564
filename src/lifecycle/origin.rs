//! Did CloudFormation send this request? Nothing in a request is authenticated: whoever may
//! invoke the function (every deployer) or publish to its topic can write one naming any stack.
//! So before any write, a request is checked against CloudFormation's own view of the stack:
//! the resource must exist, be of a type this provider serves, be in progress in the way the
//! request says, and carry the request's id. The accepted states are the table of
//! docs/trust.md ("Trust model"); [`judge`](super::judge::judge) is that table, this module
//! asks CloudFormation what it needs.

use super::accounts::asker;
use super::authority::{now_ms, Recorded};
use super::history::History;
pub use super::judge::{judge, Claim, Refusal, Verdict, Why, SERVED_TYPES};
use super::names::{parse_created_id, Home};
use crate::event::CfnRequest;
use crate::stacks::{StackEvent, StackResource, Stacks};
use crate::verifier::Verifier;
use std::time::Duration;
use tokio::time::Instant;

/// The function settings: `VERIFY_REQUESTS` (`true` unless `false`) and
/// `TRUSTED_STACK_ACCOUNTS` (comma-separated account ids).
pub const VERIFY_REQUESTS: &str = "VERIFY_REQUESTS";
pub const TRUSTED_STACK_ACCOUNTS: &str = "TRUSTED_STACK_ACCOUNTS";

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
    let Some(stack) =
        Home::of_arn(claim.stack_id).filter(|_| claim.stack_id.contains(":cloudformation:"))
    else {
        return Err(Refusal::new(
            Why::UnknownResource,
            format!(
                "{}, which is not a CloudFormation stack ARN",
                claim.described()
            ),
        ));
    };
    let (stack_region, stack_account) = (&stack.region, &stack.account);
    let (region, account) = Home::of(function_arn)
        .map(|home| (home.region, home.account))
        .unwrap_or_default();
    if *stack_account != account && !origin.trusted_accounts.contains(stack_account) {
        return Err(Refusal::new(
            Why::OtherAccount,
            format!(
                "{}, in account {stack_account}, which is not listed in TrustedStackAccounts",
                claim.described()
            ),
        ));
    }
    if *stack_region != region {
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
        &stack,
        &account,
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
