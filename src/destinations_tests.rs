//! The calls' retries and the request's steps, against mocked CloudWatch Logs.

use super::*;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::error::ErrorMetadata;
use aws_sdk_cloudwatchlogs::operation::put_destination::{
    PutDestinationError, PutDestinationOutput,
};
use aws_sdk_cloudwatchlogs::types::error::InvalidParameterException;
use aws_sdk_cloudwatchlogs::types::Destination as SdkDestination;
use aws_smithy_mocks::{mock, mock_client, RuleMode};

const NAME: &str = "central";

/// As the SDK parses it from AWS: the code travels in the error's metadata.
pub(crate) fn invalid_parameter(message: &str) -> InvalidParameterException {
    let meta = ErrorMetadata::builder()
        .code("InvalidParameterException")
        .message(message)
        .build();
    InvalidParameterException::builder()
        .message(message)
        .meta(meta)
        .build()
}

fn error(code: &str, message: &str) -> PutDestinationError {
    match code {
        "InvalidParameterException" => {
            PutDestinationError::InvalidParameterException(invalid_parameter(message))
        }
        _ => PutDestinationError::generic(
            ErrorMetadata::builder().code(code).message(message).build(),
        ),
    }
}

const TEST_MESSAGE: &str =
    "Could not deliver test message to specified destination. Check if the destination is valid.";

fn propagating() -> PutDestinationError {
    error("InvalidParameterException", TEST_MESSAGE)
}

/// PutDestination's answer for the destination `central`.
pub(crate) fn created() -> PutDestinationOutput {
    PutDestinationOutput::builder()
        .destination(
            SdkDestination::builder()
                .destination_name(NAME)
                .arn("arn:aws:logs:us-east-1:123456789012:destination:central")
                .build(),
        )
        .build()
}

pub(crate) fn client(rule: &aws_smithy_mocks::Rule) -> Client {
    // Only this module's retries: the SDK's own are off.
    mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [rule],
        |config| config.retry_config(RetryConfig::disabled())
    )
}

async fn put(logs: &Destinations) -> Result<Destination, AwsError> {
    logs.put(
        NAME,
        "arn:aws:kinesis:us-east-1:1:stream/s",
        "arn:aws:iam::1:role/r",
        |_| {},
        |_| async { Ok(()) },
    )
    .await
}

#[tokio::test]
async fn another_region_reuses_the_client_and_the_request_record() {
    let rule = mock!(Client::put_destination).then_output(created);
    let home = Destinations::new(client(&rule));
    let other = home.in_region("eu-central-2");
    assert_eq!(other.region().as_deref(), Some("eu-central-2"));
    // Calls in the other Region go through the same interceptors and mocks...
    put(&other).await.expect("put in eu-central-2");
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn transient_failures_are_counted_apart_from_role_propagation() {
    let rule = mock!(Client::put_destination)
        .sequence()
        .error(propagating)
        .times(TRANSIENT_ATTEMPTS as usize)
        .error(|| error("ThrottlingException", "Rate exceeded"))
        .output(created)
        .build();
    let logs = Destinations::new(client(&rule));
    put(&logs)
        .await
        .expect("one throttle after propagation failures is retried");
    assert_eq!(rule.num_calls(), TRANSIENT_ATTEMPTS as usize + 2);
}

#[tokio::test]
async fn persistent_throttling_gives_up_after_the_transient_attempts() {
    let rule =
        mock!(Client::put_destination).then_error(|| error("ThrottlingException", "Rate exceeded"));
    let logs = Destinations::new(client(&rule));
    let failed = put(&logs).await.expect_err("gives up");
    assert_eq!(failed.code.as_deref(), Some("ThrottlingException"));
    assert_eq!(rule.num_calls(), TRANSIENT_ATTEMPTS as usize);
}

#[tokio::test]
async fn the_current_step_is_remembered_until_the_next_request() {
    let rule = mock!(Client::put_destination).then_output(created);
    let logs = Destinations::new(client(&rule));
    logs.start_request();
    put(&logs).await.expect("created");
    // The handler's clone is the work's: they share the steps.
    assert!(logs
        .clone()
        .current_step()
        .starts_with("PutDestination for destination central"));
    assert!(logs
        .current_step()
        .starts_with("PutDestination for destination central"));
    logs.start_request();
    assert_eq!(logs.current_step(), "the request");
}

#[tokio::test]
async fn a_regional_clients_steps_name_its_region() {
    let rule = mock!(Client::put_destination).then_output(created);
    let logs = Destinations::new(client(&rule));
    logs.start_request();
    put(&logs.in_region("eu-west-1")).await.expect("created");
    // The Region's client shares the request's steps: a timeout names where it waited.
    assert!(logs
        .current_step()
        .starts_with("PutDestination for destination central in eu-west-1"));
}

mod paged_lookup {
    use super::*;
    use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput;

    fn page(names: &[&str], token: Option<&str>) -> DescribeDestinationsOutput {
        let destinations = names
            .iter()
            .map(|name| {
                SdkDestination::builder()
                    .destination_name(*name)
                    .arn(format!(
                        "arn:aws:logs:us-east-1:123456789012:destination:{name}"
                    ))
                    .build()
            })
            .collect();
        DescribeDestinationsOutput::builder()
            .set_destinations(Some(destinations))
            .set_next_token(token.map(str::to_owned))
            .build()
    }

    /// Answers the pages in order; the last one again for any further call.
    fn logs(pages: Vec<DescribeDestinationsOutput>) -> (Destinations, aws_smithy_mocks::Rule) {
        let mut rule = mock!(Client::describe_destinations).sequence();
        for page in pages {
            rule = rule.output(move || page.clone());
        }
        let rule = rule.repeatedly().build();
        (Destinations::new(client(&rule)), rule)
    }

    fn incomplete(error: &AwsError) {
        assert_eq!(error.operation, "DescribeDestinations");
        assert!(error.message.contains("incomplete"), "{error}");
    }

    #[tokio::test]
    async fn a_name_on_a_later_page_is_found() {
        let (logs, rule) = logs(vec![page(&["central-a"], Some("t1")), page(&[NAME], None)]);
        let found = logs.find(NAME).await.expect("looked up");
        assert_eq!(found.map(|d| d.name).as_deref(), Some(NAME));
        assert_eq!(rule.num_calls(), 2);
    }

    #[tokio::test]
    async fn absent_only_when_the_last_page_says_so() {
        let (logs, _) = logs(vec![page(&["central-a"], Some("t1")), page(&[], None)]);
        assert_eq!(logs.find(NAME).await.expect("looked up"), None);
    }

    /// Each of these used to answer "absent", so a Create would have written over
    /// a destination it never saw, and a Delete would have reported success.
    #[tokio::test]
    async fn an_empty_page_that_carries_a_token_is_an_error() {
        let (logs, _) = logs(vec![page(&[], Some("t1"))]);
        incomplete(&logs.find(NAME).await.expect_err("fails closed"));
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error() {
        let (logs, rule) = logs(vec![
            page(&["central-a"], Some("t1")),
            page(&["central-b"], Some("t1")),
        ]);
        incomplete(&logs.find(NAME).await.expect_err("fails closed"));
        assert_eq!(rule.num_calls(), 2);
    }

    #[tokio::test]
    async fn running_out_of_pages_is_an_error() {
        let pages = (0..MAX_DESCRIBE_PAGES + 1)
            .map(|n| page(&["central-a"], Some(&format!("t{n}"))))
            .collect();
        let (logs, rule) = logs(pages);
        incomplete(&logs.find(NAME).await.expect_err("fails closed"));
        assert_eq!(rule.num_calls(), MAX_DESCRIBE_PAGES);
    }
}

#[test]
fn a_lasting_test_message_failure_names_this_requests_target_and_role_in_order() {
    let failed = AwsError {
        operation: "PutDestination",
        destination: NAME.into(),
        code: Some("InvalidParameterException".into()),
        message: TEST_MESSAGE.into(),
    };
    let (target, role) = (
        "arn:aws:kinesis:eu-west-1:1:stream/s",
        "arn:aws:iam::123456789012:role/r",
    );
    let text = failed
        .clone()
        .with_test_message_checks(target, role, "eu-west-1")
        .to_string();
    let order = [
        "Check if the destination is valid. Check, in this order: (1) the target arn:aws:kinesis:eu-west-1:1:stream/s exists",
        "the role arn:aws:iam::123456789012:role/r may use its KMS key (kms:GenerateDataKey)",
        "covers arn:aws:logs:eu-west-1:123456789012:*;",
        "still be propagating in IAM",
    ];
    let at: Vec<Option<usize>> = order.iter().map(|part| text.find(part)).collect();
    assert!(at.iter().all(Option::is_some) && at.is_sorted(), "{text}");
    assert_eq!(text.matches(TEST_MESSAGE_CHECKS).count(), 1, "{text}");
    // Other errors are left as they are.
    let other = AwsError {
        message: "Role ARN is malformed".into(),
        ..failed
    };
    assert_eq!(
        other
            .clone()
            .with_test_message_checks(target, role, "eu-west-1")
            .message,
        other.message
    );
}
