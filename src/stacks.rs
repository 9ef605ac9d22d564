//! CloudFormation's own view of a stack: the calls that check a request against it.

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::Client;
use std::fmt;

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

    /// The stack's status (`UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`, ...); `Ok(None)` when
    /// CloudFormation knows no such stack.
    pub async fn status(&self, stack_id: &str) -> Result<Option<String>, StackError> {
        let answer = self
            .client
            .describe_stacks()
            .stack_name(stack_id)
            .send()
            .await
            .map_err(|e| stack_error("DescribeStacks", stack_id, e));
        match answer {
            Ok(output) => Ok(output
                .stacks()
                .first()
                .and_then(|s| s.stack_status())
                .map(|s| s.as_str().to_owned())),
            Err(error) if error.is_unknown() => Ok(None),
            Err(error) => Err(error),
        }
    }
}

fn stack_error<E, R>(operation: &'static str, stack: &str, error: SdkError<E, R>) -> StackError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let (code, message) = crate::sdk_error::code_and_message(&error);
    StackError {
        operation,
        stack: stack.to_owned(),
        code,
        message,
    }
}
