//! Whose CloudFormation a request is checked with: the stack's own account's. This account's
//! for its own stacks; a trusted account's through the verifier role there, since another
//! account's CloudFormation answers only that account's credentials (it would say the stack
//! does not exist). There is no unchecked path.

use super::judge::{Claim, Refusal, Why};
use super::names::Home;
use crate::stacks::Stacks;
use crate::verifier::Verifier;

/// CloudFormation as the check asks it.
pub struct Asker {
    pub stacks: Stacks,
    /// For a trusted account: the role asked through, and what asking needs.
    through: Option<String>,
}

impl Asker {
    /// `refusal`, with what a trusted account's verifier role needs when the check could not
    /// ask (the role cannot be assumed, or may not read the stack).
    pub fn explain(&self, mut refusal: Refusal) -> Refusal {
        if let (Why::Unverifiable, Some(through)) = (refusal.why, &self.through) {
            refusal.saw = format!("{}; {through}", refusal.saw);
        }
        refusal
    }
}

/// The CloudFormation of the account of `stack` (where the stack's ARN places it): this
/// function's `account`'s, or a listed trusted account's when they differ; the caller has
/// refused other accounts already.
pub async fn asker(
    own: &Stacks,
    verifier: Option<&Verifier>,
    claim: &Claim<'_>,
    stack: &Home,
    account: &str,
) -> Result<Asker, Refusal> {
    let stack_account = stack.account.as_str();
    if stack_account == account {
        return Ok(Asker {
            stacks: own.clone(),
            through: None,
        });
    }
    let Some(verifier) = verifier else {
        return Err(Refusal::new(
            Why::Unverifiable,
            format!(
                "{}, in trusted account {stack_account}, whose CloudFormation this function has \
                 no way to ask",
                claim.described()
            ),
        ));
    };
    let partition = stack.partition.as_str();
    let role = verifier.role_arn(partition, stack_account);
    Ok(Asker {
        stacks: verifier
            .stacks(partition, stack_account, &stack.region)
            .await,
        through: Some(format!(
            "account {stack_account}'s CloudFormation is asked through the role {role}, which \
             must exist there, trust this function's role and allow \
             cloudformation:DescribeStackResource, DescribeStacks and DescribeStackEvents \
             (examples/trusted-account-verifier.yaml); this function needs sts:AssumeRole on it"
        )),
    })
}
