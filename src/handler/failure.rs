//! How an invocation that could not be answered ends: the error Lambda records.

use crate::metrics;
use lambda_runtime::Diagnostic;

/// Why an invocation ended in error, as Lambda records it (`errorType`, `errorMessage`) and
/// EventBridge dead-letter queues keep it.
#[derive(Debug)]
pub struct Failure {
    pub kind: &'static str,
    pub message: String,
}

impl Failure {
    pub(super) const UNRECOGNISED_EVENT: &'static str = "UnrecognisedEvent";
    pub(super) const REPLY_NOT_DELIVERED: &'static str = "ReplyNotDelivered";
    pub(super) const REQUEST_FAILED: &'static str = "RequestFailed";
    pub(super) const REFUSED_EVENT: &'static str = "RefusedEvent";
    /// A request whose ResponseURL is not CloudFormation's: not answered.
    pub(super) const RESPONSE_URL_REFUSED: &'static str = "ResponseUrlRefused";

    /// A failure that is also counted as an invocation error: no request metrics can be
    /// written for it.
    pub(super) fn counted(kind: &'static str, message: String) -> Failure {
        metrics::publish_invocation_error(kind);
        Failure { kind, message }
    }

    pub(super) fn unrecognised(message: String) -> Failure {
        Failure::counted(Failure::UNRECOGNISED_EVENT, message)
    }

    /// An event the other function serves; counted like an unrecognised one.
    pub(super) fn refused(message: String) -> Failure {
        Failure::counted(Failure::REFUSED_EVENT, message)
    }

    pub(super) fn request_failed(message: String) -> Failure {
        Failure {
            kind: Failure::REQUEST_FAILED,
            message,
        }
    }
}

impl From<Failure> for Diagnostic {
    fn from(failure: Failure) -> Diagnostic {
        Diagnostic {
            error_type: failure.kind.to_owned(),
            error_message: failure.message,
        }
    }
}
