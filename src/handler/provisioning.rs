//! EventBridge provisioning: no stack and no ResponseURL; the invocation's result is the answer.

use super::{App, Failure, PROVISIONING_NAME_PREFIX};
use crate::event::ProvisionRequest;
use crate::lifecycle;
use crate::metrics::{self, Source};
use crate::watchdog::{self, Budget};
use lambda_runtime::Context;
use serde_json::Value;

impl App {
    /// EventBridge: the invocation's result is the answer, and an error lets EventBridge and
    /// Lambda retry the event and dead-letter queues catch it.
    pub(super) async fn provision(
        &self,
        request: ProvisionRequest,
        context: &Context,
    ) -> Result<Value, Failure> {
        let measured = metrics::Request::start(Source::EventBridge);
        let budget = Budget::new(context.deadline, None);
        self.destinations.start_request();
        let destinations = self.destinations.clone();
        let enabled_regions = self.enabled_regions.clone();
        let request_type = request.request_type.clone();
        // Read per request: a setting, not start-up work.
        let name_prefix = std::env::var(PROVISIONING_NAME_PREFIX).unwrap_or_default();
        let function_arn = context.invoked_function_arn.clone();
        let record = lifecycle::Record::default();
        let work = measured.counting({
            let record = record.clone();
            async move {
                lifecycle::provision(
                    (&destinations, &enabled_regions),
                    &request,
                    &name_prefix,
                    &function_arn,
                    &record,
                )
                .await
            }
        });
        let outcome = match watchdog::guard(work, budget.work_until).await {
            Ok(outcome) => outcome,
            Err(interrupted) => {
                let reason = super::interruption_reason(&self.destinations, interrupted, &record);
                // Put back what it changed of destinations that existed before it.
                let restored =
                    lifecycle::undo_interrupted(&self.destinations, &record, budget.reply_until);
                Err(reason + &restored.await)
            }
        };
        let failed = outcome.is_err().then_some(Failure::REQUEST_FAILED);
        measured.publish(&request_type, failed.is_none(), 0, failed);
        let (duration_ms, aws_calls) = (measured.duration_ms(), measured.aws_calls());
        match outcome {
            Ok(provisioned) => {
                tracing::info!(
                    request_type,
                    destination = provisioned.name,
                    action = provisioned.action().as_str(),
                    duration_ms,
                    aws_calls,
                    "provisioned"
                );
                Ok(provisioned.result())
            }
            Err(reason) => {
                tracing::error!(
                    request_type,
                    reason,
                    duration_ms,
                    aws_calls,
                    "provisioning failed"
                );
                Err(Failure::request_failed(reason))
            }
        }
    }
}
