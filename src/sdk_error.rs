//! What a failed AWS SDK call says, whichever service's client made it: AWS's code and
//! message, or, when no code came back, what did (HTTP status and a short excerpt of the
//! body) and from where. Never the SDK's debug formatting.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How much of an unexpected body a message quotes.
const EXCERPT_CHARS: usize = 120;

/// AWS's error code and message; no code when AWS's answer had none (then the message says
/// what came back) or when no answer came (a network error, a timeout).
pub fn code_and_message<E>(error: &SdkError<E, HttpResponse>) -> (Option<String>, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(context) => {
            let service = context.err();
            match service.code() {
                Some(code) => (
                    Some(code.to_owned()),
                    service.message().unwrap_or_default().to_owned(),
                ),
                None => (None, unexpected_answer(context.raw())),
            }
        }
        SdkError::ResponseError(context) => (None, unexpected_answer(context.raw())),
        SdkError::TimeoutError(_) => (None, format!("no answer from {} in time", endpoint())),
        other => (
            None,
            format!(
                "no answer from {}: {}",
                endpoint(),
                DisplayErrorContext(other)
            ),
        ),
    }
}

/// An answer that is not an AWS error: its status and the start of its body.
fn unexpected_answer(response: &HttpResponse) -> String {
    let status = response.status().as_u16();
    let body = response
        .body()
        .bytes()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    let excerpt: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT_CHARS)
        .collect();
    let excerpt = if excerpt.is_empty() {
        "an empty body".to_owned()
    } else {
        format!("{excerpt:?}")
    };
    format!(
        "{} answered HTTP {status} with no AWS error code: {excerpt}",
        endpoint()
    )
}

/// Where the call went, as far as the settings say: the endpoint override (an emulator, a
/// VPC endpoint), else the service's regional endpoint.
fn endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => format!("the endpoint {url}"),
        _ => "the service's endpoint".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsError;
    use aws_smithy_runtime_api::client::result::{ResponseError, ServiceError};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn html(status: u16) -> HttpResponse {
        HttpResponse::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::from("<html>\n  <body>Not Found</body>\n</html>"),
        )
    }

    #[test]
    fn an_answer_without_a_code_says_what_came_back_not_the_sdks_debug_text() {
        let unhandled = DescribeDestinationsError::generic(ErrorMetadata::builder().build());
        let error: SdkError<DescribeDestinationsError, HttpResponse> = SdkError::ServiceError(
            ServiceError::builder()
                .source(unhandled)
                .raw(html(404))
                .build(),
        );
        let (code, message) = code_and_message(&error);
        assert_eq!(code, None);
        assert!(message.contains("HTTP 404"), "{message}");
        assert!(message.contains("<html> <body>Not Found"), "{message}");
        for debug in ["Unhandled", "ErrorMetadata", "{ "] {
            assert!(!message.contains(debug), "{message}");
        }

        let unreadable: SdkError<DescribeDestinationsError, HttpResponse> = SdkError::ResponseError(
            ResponseError::builder()
                .source("unexpected token '<'")
                .raw(html(200))
                .build(),
        );
        let (code, message) = code_and_message(&unreadable);
        assert_eq!(code, None);
        assert!(message.contains("HTTP 200"), "{message}");
        assert!(!message.contains("DeserializeError"), "{message}");
    }

    #[test]
    fn a_coded_error_keeps_awss_code_and_message() {
        let coded = DescribeDestinationsError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        );
        let error: SdkError<DescribeDestinationsError, HttpResponse> =
            SdkError::ServiceError(ServiceError::builder().source(coded).raw(html(400)).build());
        assert_eq!(
            code_and_message(&error),
            (Some("ThrottlingException".into()), "Rate exceeded".into())
        );
    }
}
