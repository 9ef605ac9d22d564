//! The reply to a CloudFormation request: delivered within its budget, or refused when its
//! ResponseURL is not CloudFormation's.

use super::{App, Failure};
use crate::event::ReplyTarget;
use crate::lifecycle::origin::Why;
use crate::metrics;
use crate::response::{self, redacted, Reply, Status};
use crate::watchdog::{self, Budget};
use serde_json::{json, Value};

impl App {
    /// Sends `reply` to the request's ResponseURL and writes the request's metrics; the
    /// invocation ends in error when it could not be delivered, so that Lambda retries it.
    pub(super) async fn deliver(
        &self,
        target: &ReplyTarget,
        request_type: &str,
        reply: Reply,
        budget: Budget,
        measured: &metrics::Request,
    ) -> Result<Value, Failure> {
        let body = reply.body(target);
        // A legitimate waiter exists only for a genuine request: a refused one's reply is
        // bounded in time and attempts.
        let (until, attempts) = match measured.refused() {
            Some(_) => (
                budget.for_refusal().reply_until,
                watchdog::REFUSED_REPLY_ATTEMPTS,
            ),
            None => (budget.reply_until, response::MAX_ATTEMPTS),
        };
        let delivery = self
            .replies
            .send(&target.response_url, body, until, attempts)
            .await;
        let succeeded = reply.status == Status::Success;
        let error = delivery
            .outcome
            .is_err()
            .then_some(Failure::REPLY_NOT_DELIVERED);
        measured.publish(request_type, succeeded, delivery.attempts, error);
        let (duration_ms, aws_calls) = (measured.duration_ms(), measured.aws_calls());
        let status = reply.status.as_str();
        // What a local runner (`cargo lambda invoke`) prints: the Reason too, which otherwise
        // only the ResponseURL's listener sees.
        let mut summary = json!({
            "RequestType": request_type,
            "Status": status,
            "PhysicalResourceId": reply.physical_resource_id,
        });
        if let Some(reason) = reply.reason.as_deref().filter(|r| !r.is_empty()) {
            summary["Reason"] = json!(format!(
                "{reason}{}",
                reply.reason_suffix.as_deref().unwrap_or_default()
            ));
        }
        match delivery.outcome {
            Ok(()) => {
                tracing::info!(
                    request_type,
                    stack_id = target.stack_id,
                    logical_resource_id = target.logical_resource_id,
                    physical_resource_id = reply.physical_resource_id,
                    status,
                    reason = reply.reason.as_deref().unwrap_or_default(),
                    duration_ms,
                    aws_calls,
                    "replied to CloudFormation"
                );
                Ok(summary)
            }
            Err(error) => {
                tracing::error!(
                    request_type,
                    stack_id = target.stack_id,
                    logical_resource_id = target.logical_resource_id,
                    physical_resource_id = reply.physical_resource_id,
                    status,
                    response_url = redacted(&target.response_url),
                    duration_ms,
                    aws_calls,
                    %error,
                    "the reply could not be delivered"
                );
                Err(Failure {
                    kind: Failure::REPLY_NOT_DELIVERED,
                    message: format!("the {status} reply could not be delivered: {error}"),
                })
            }
        }
    }
}

/// A request whose ResponseURL is not CloudFormation's: no reply and no AWS call. The
/// invocation ends in error, so that the request reaches the dead-letter queue.
pub(super) fn refuse_reply_url(
    target: &ReplyTarget,
    request_type: &str,
    measured: &metrics::Request,
    problem: String,
) -> Failure {
    tracing::error!(
        request_type,
        stack_id = target.stack_id,
        logical_resource_id = target.logical_resource_id,
        problem,
        "refused a request whose ResponseURL is not CloudFormation's: not answered"
    );
    measured.refuse(Why::ForeignResponseUrl.as_str());
    measured.publish(request_type, false, 0, Some(Failure::RESPONSE_URL_REFUSED));
    Failure {
        kind: Failure::RESPONSE_URL_REFUSED,
        message: format!("not answered: {problem}"),
    }
}
