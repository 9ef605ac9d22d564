//! CloudFormation's own view of a stack: the calls that check a request against it, and the
//! change sets a preview reads.

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::fmt;

mod change_sets;
pub use change_sets::{ChangeSet, ResourceChange};

/// A resource as `DescribeStackResource` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackResource {
    pub resource_type: String,
    /// `CREATE_IN_PROGRESS`, `UPDATE_COMPLETE`, ...
    pub status: String,
    /// Empty while CloudFormation has none (a Create in progress).
    pub physical_id: String,
    /// When the resource's status last changed (ms since the epoch): for a resource in
    /// progress, when CloudFormation began this operation on it, before invoking the provider.
    pub last_updated_ms: Option<i64>,
}

/// One of a stack's events, as `DescribeStackEvents` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackEvent {
    pub logical_id: String,
    /// Empty when CloudFormation had none (a Create's first event).
    pub physical_id: String,
    pub resource_type: String,
    pub status: String,
    /// ms since the epoch.
    pub timestamp_ms: i64,
}

/// How many pages of events are read at most: an operation's events fit in far fewer.
const MAX_EVENT_PAGES: usize = 10;

/// A failed CloudFormation call.
#[derive(Clone, Debug)]
pub struct StackError {
    pub operation: &'static str,
    pub stack: String,
    /// AWS's error code; `None` when no answer came.
    pub code: Option<String>,
    pub message: String,
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for stack {} failed: ", self.operation, self.stack)?;
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for StackError {}

impl StackError {
    /// CloudFormation answers `ValidationError` for a stack or resource it does not know.
    fn is_unknown(&self) -> bool {
        self.code.as_deref() == Some("ValidationError") && self.message.contains("does not exist")
    }
}

/// CloudFormation's read calls, through one SDK client built once per process.
#[derive(Clone, Debug)]
pub struct Stacks {
    client: Client,
}

impl Stacks {
    pub fn new(client: Client) -> Self {
        Stacks { client }
    }

    /// The same calls in `region`: a client built on demand from this one's configuration.
    pub fn in_region(&self, region: &str) -> Stacks {
        let config = self
            .client
            .config()
            .to_builder()
            .region(aws_sdk_cloudformation::config::Region::new(
                region.to_owned(),
            ))
            .build();
        Stacks {
            client: Client::from_conf(config),
        }
    }

    /// The Region the client calls.
    pub fn region(&self) -> Option<String> {
        self.client.config().region().map(|r| r.to_string())
    }

    /// The resource `logical_id` of `stack_id`; `Ok(None)` when CloudFormation knows no such
    /// stack or resource.
    pub async fn resource(
        &self,
        stack_id: &str,
        logical_id: &str,
    ) -> Result<Option<StackResource>, StackError> {
        let answer = self
            .client
            .describe_stack_resource()
            .stack_name(stack_id)
            .logical_resource_id(logical_id)
            .send()
            .await
            .map_err(|e| stack_error("DescribeStackResource", stack_id, e));
        let output = match answer {
            Ok(output) => output,
            Err(error) if error.is_unknown() => return Ok(None),
            Err(error) => return Err(error),
        };
        Ok(output.stack_resource_detail().map(|d| StackResource {
            resource_type: d.resource_type().unwrap_or_default().to_owned(),
            status: d
                .resource_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            physical_id: d.physical_resource_id().unwrap_or_default().to_owned(),
            last_updated_ms: d.last_updated_timestamp().and_then(|t| t.to_millis().ok()),
        }))
    }

    /// The StackId of the stack named `name`; `Ok(None)` when CloudFormation knows none.
    pub async fn stack_id(&self, name: &str) -> Result<Option<String>, StackError> {
        let answer = self
            .client
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| stack_error("DescribeStacks", name, e));
        match answer {
            Ok(output) => Ok(output
                .stacks()
                .first()
                .and_then(|s| s.stack_id())
                .map(str::to_owned)),
            Err(error) if error.is_unknown() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The stack's events, newest first, read page by page until one satisfies `enough` (or
    /// the stack has no more, or [`MAX_EVENT_PAGES`] were read); `Ok(None)` when
    /// CloudFormation knows no such stack.
    pub async fn events(
        &self,
        stack_id: &str,
        enough: impl Fn(&StackEvent) -> bool,
    ) -> Result<Option<Vec<StackEvent>>, StackError> {
        let mut events = Vec::new();
        let mut token = None;
        for _ in 0..MAX_EVENT_PAGES {
            let answer = self
                .client
                .describe_stack_events()
                .stack_name(stack_id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| stack_error("DescribeStackEvents", stack_id, e));
            let output = match answer {
                Ok(output) => output,
                Err(error) if error.is_unknown() => return Ok(None),
                Err(error) => return Err(error),
            };
            let page: Vec<StackEvent> = output
                .stack_events()
                .iter()
                .filter_map(|e| {
                    Some(StackEvent {
                        logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
                        physical_id: e.physical_resource_id().unwrap_or_default().to_owned(),
                        resource_type: e.resource_type().unwrap_or_default().to_owned(),
                        status: e.resource_status()?.as_str().to_owned(),
                        timestamp_ms: e.timestamp()?.to_millis().ok()?,
                    })
                })
                .collect();
            let done = page.iter().any(&enough);
            events.extend(page);
            token = output.next_token().map(str::to_owned);
            if done || token.is_none() {
                break;
            }
        }
        Ok(Some(events))
    }
}

fn stack_error<E>(
    operation: &'static str,
    stack: &str,
    error: SdkError<E, HttpResponse>,
) -> StackError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message) = crate::sdk_error::code_and_message(&error);
    StackError {
        operation,
        stack: stack.to_owned(),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
    use aws_sdk_cloudformation::primitives::DateTime;
    use aws_sdk_cloudformation::types::{ResourceStatus, StackEvent as Event};
    use aws_smithy_mocks::{mock, MockResponseInterceptor, RuleMode};

    const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1";

    fn page(statuses: &[&str], next: Option<&str>) -> DescribeStackEventsOutput {
        let events = statuses
            .iter()
            .enumerate()
            .map(|(at, status)| {
                Event::builder()
                    .stack_id(STACK)
                    .event_id(format!("e{at}"))
                    .stack_name("s")
                    .logical_resource_id("Destination")
                    .resource_type("Custom::LogsDestination")
                    .resource_status(ResourceStatus::from(*status))
                    .timestamp(DateTime::from_millis(at as i64))
                    .build()
            })
            .collect();
        DescribeStackEventsOutput::builder()
            .set_stack_events(Some(events))
            .set_next_token(next.map(str::to_owned))
            .build()
    }

    /// Answers the pages in order.
    fn stacks(pages: Vec<DescribeStackEventsOutput>) -> (Stacks, aws_smithy_mocks::Rule) {
        let mut rule = mock!(Client::describe_stack_events).sequence();
        for page in pages {
            rule = rule.output(move || page.clone());
        }
        let rule = rule.build();
        (answering(&rule), rule)
    }

    /// A client whose calls `rule` answers (the SDK's own retries are off).
    fn answering(rule: &aws_smithy_mocks::Rule) -> Stacks {
        let config = aws_sdk_cloudformation::Config::builder()
            .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudformation::config::Credentials::for_tests())
            .retry_config(aws_sdk_cloudformation::config::retry::RetryConfig::disabled())
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(
                MockResponseInterceptor::new()
                    .rule_mode(RuleMode::Sequential)
                    .with_rule(rule),
            )
            .build();
        Stacks::new(Client::from_conf(config))
    }

    #[tokio::test]
    async fn events_are_read_page_by_page_only_as_far_back_as_needed() {
        let pages = || {
            vec![
                page(&["DELETE_IN_PROGRESS", "CREATE_FAILED"], Some("t1")),
                page(&["UPDATE_COMPLETE", "CREATE_IN_PROGRESS"], Some("t2")),
                page(&["CREATE_COMPLETE"], None),
            ]
        };
        let (client, rule) = stacks(pages());
        let read = client
            .events(STACK, |e| e.status == "CREATE_IN_PROGRESS")
            .await
            .expect("read")
            .expect("a stack");
        assert_eq!(rule.num_calls(), 2);
        let statuses: Vec<&str> = read.iter().map(|e| e.status.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "DELETE_IN_PROGRESS",
                "CREATE_FAILED",
                "UPDATE_COMPLETE",
                "CREATE_IN_PROGRESS"
            ]
        );
        assert_eq!(read[3].timestamp_ms, 1);
        // Nothing satisfies: every page, and no more.
        let (client, rule) = stacks(pages());
        let read = client.events(STACK, |_| false).await.expect("read");
        assert_eq!(read.map(|r| r.len()), Some(5));
        assert_eq!(rule.num_calls(), 3);
    }

    #[tokio::test]
    async fn a_stack_cloudformation_does_not_know_reads_as_none() {
        use aws_sdk_cloudformation::error::ErrorMetadata;
        use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsError;
        let rule = mock!(Client::describe_stack_events).then_error(|| {
            DescribeStackEventsError::generic(
                ErrorMetadata::builder()
                    .code("ValidationError")
                    .message("Stack [s] does not exist")
                    .build(),
            )
        });
        let read = answering(&rule)
            .events(STACK, |_| true)
            .await
            .expect("an answer");
        assert_eq!(read, None);
    }
}
