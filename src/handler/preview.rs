//! The preview invocation: `{"Preview": {"ChangeSet": ARN}}`, read-only, answered by the
//! invocation's result (see `crate::preview`).
//!
//! Who may ask: whoever may invoke the function, which is every deployer. So the function
//! previews only change sets of its own account and Region (where its role may read them and
//! where its stacks are), only the resources whose ServiceToken is this function, and names
//! no other resource of the change set (it counts other providers' custom resources): the
//! result holds what this provider's own requests would be answered with, no more.

use super::{invoked_home, App, Failure};
use crate::event::PreviewRequest;
use crate::lifecycle::Home;
use crate::preview::{self, Served};
use crate::watchdog::{self, Budget};
use lambda_runtime::Context;
use serde_json::Value;

impl App {
    pub(super) async fn preview(
        &self,
        request: PreviewRequest,
        context: &Context,
    ) -> Result<Value, Failure> {
        let function_arn = &context.invoked_function_arn;
        let home = invoked_home(context).map_err(Failure::preview_failed)?;
        let id = &request.change_set;
        let (region, account) = Home::of_arn(id)
            .map(|place| (place.region, place.account))
            .unwrap_or_default();
        if account != home.account {
            return Err(Failure::preview_failed(format!(
                "Refused: change set {id} is in account {account}; this function previews only \
                 change sets of its own account ({}). Nothing was read",
                home.account
            )));
        }
        if region != home.region {
            return Err(Failure::preview_failed(format!(
                "Refused: change set {id} is in {region}; CloudFormation sends a stack's \
                 requests to a function in the stack's own Region, and this function is in {}. \
                 Nothing was read",
                home.region
            )));
        }
        let served = Served {
            token: Some(function_arn.clone()),
            only_this_token: true,
            account: home.account.clone(),
        };
        let budget = Budget::new(context.deadline, None);
        self.destinations.start_request();
        let logs = self.destinations.for_request();
        let work = {
            let (logs, stacks) = (logs.clone(), self.origin.stacks().clone());
            let enabled_regions = self.enabled_regions.clone();
            let (id, function_arn) = (id.clone(), function_arn.clone());
            async move {
                let clients = (&logs, &enabled_regions);
                preview::of_change_set(clients, &stacks, &id, &function_arn, &served).await
            }
        };
        match watchdog::guard(work, budget.work_until).await {
            Ok(Ok(mut report)) => {
                // Another provider's resources are not this function's to describe, not even
                // by name: only how many there are.
                let others = std::mem::take(&mut report.skipped).len();
                if others > 0 {
                    report.notes.push(format!(
                        "{others} custom resource(s) of this change set are served by another \
                         provider and are not previewed"
                    ));
                }
                tracing::info!(
                    change_set = id.as_str(),
                    resources = report.resources.len(),
                    refused = report.refused,
                    "previewed a change set"
                );
                Ok(serde_json::json!(report))
            }
            Ok(Err(problem)) => Err(Failure::preview_failed(problem)),
            Err(watchdog::Interrupted::TimedOut) => Err(Failure::preview_failed(format!(
                "Timed out while {} was still running",
                logs.current_step()
            ))),
            Err(watchdog::Interrupted::Panicked(message)) => Err(Failure::preview_failed(format!(
                "An internal error occurred: {message}"
            ))),
        }
    }
}

impl Failure {
    const PREVIEW_FAILED: &'static str = "PreviewFailed";

    fn preview_failed(message: String) -> Failure {
        Failure::counted(Failure::PREVIEW_FAILED, message)
    }
}
