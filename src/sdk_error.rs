//! What a failed AWS SDK call says, whichever service's client made it.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::fmt;

/// AWS's error code and message; no code when no answer came (a network error, a timeout).
pub fn code_and_message<E, R>(error: &SdkError<E, R>) -> (Option<String>, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => (
            service.code().map(str::to_owned),
            service
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| DisplayErrorContext(service).to_string()),
        ),
        None => (None, DisplayErrorContext(error).to_string()),
    }
}
