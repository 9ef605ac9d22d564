//! One invocation, from raw JSON to the reply CloudFormation is waiting for.

use crate::destinations::Destinations;
use crate::event::{self, CfnRequest, Incoming, ReplyTarget};
use crate::lifecycle::{self, Done, Failed};
use crate::response::{redacted, Reply, ReplySender, Status};
use crate::watchdog::{self, Budget, Interrupted};
use lambda_runtime::{Context, Error, LambdaEvent};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the function keeps between invocations: built once per process.
#[derive(Clone, Debug)]
pub struct App {
    pub destinations: Destinations,
    pub replies: Arc<ReplySender>,
}

impl App {
    pub fn new(destinations: Destinations) -> App {
        App {
            destinations,
            replies: Arc::new(ReplySender::new()),
        }
    }

    /// Handles one invocation. Ends in error only when nothing could be answered: then Lambda
    /// retries the invocation. A delivered FAILED reply is a successful invocation, so that
    /// Lambda does not replay a request CloudFormation has already been told about.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, Error> {
        let (payload, context) = event.into_parts();
        match event::classify(payload) {
            Incoming::CloudFormation(request) => self.serve(*request, &context).await,
            Incoming::Malformed {
                target,
                request_type,
                physical_resource_id,
                problem,
            } => {
                let physical_resource_id = match (request_type.as_deref(), physical_resource_id) {
                    (Some("Update" | "Delete"), Some(id)) if !id.is_empty() => id,
                    _ => lifecycle::failed_create_id(&target.request_id),
                };
                let reply = Reply {
                    status: Status::Failed,
                    reason: Some(problem),
                    reason_suffix: log_location(&context),
                    physical_resource_id,
                    data: BTreeMap::new(),
                };
                let budget = Budget::new(context.deadline, None);
                let request_type = request_type.unwrap_or_else(|| "unknown".into());
                self.deliver(&target, &request_type, reply, budget).await
            }
            Incoming::Unrecognised(problem) => Err(problem.into()),
        }
    }

    async fn serve(&self, request: CfnRequest, context: &Context) -> Result<Value, Error> {
        let budget = Budget::new(
            context.deadline,
            watchdog::service_timeout(&request.properties),
        );
        let request_type = request.kind.name();
        let target = request.target.clone();
        let known_id = request.kind.physical_resource_id().map(str::to_owned);
        let destinations = self.destinations.clone();
        let function_arn = context.invoked_function_arn.clone();
        let work = async move { lifecycle::run(&destinations, &request, &function_arn).await };

        let reply = match watchdog::guard(work, budget.work_until).await {
            Ok(Ok(done)) => success(done),
            Ok(Err(failed)) => failure(failed, context),
            Err(interrupted) => {
                let reason = match interrupted {
                    Interrupted::TimedOut => format!(
                        "Timed out while {} was still running; the work was abandoned so that \
                         this reply arrives before the deadline",
                        self.destinations.current_step()
                    ),
                    Interrupted::Panicked(message) => {
                        format!("An internal error occurred: {message}")
                    }
                };
                failure(
                    Failed {
                        // Create: nothing is known to exist, so the rollback must touch nothing.
                        physical_resource_id: known_id
                            .unwrap_or_else(|| lifecycle::failed_create_id(&target.request_id)),
                        reason,
                    },
                    context,
                )
            }
        };
        self.deliver(&target, request_type, reply, budget).await
    }

    async fn deliver(
        &self,
        target: &ReplyTarget,
        request_type: &str,
        reply: Reply,
        budget: Budget,
    ) -> Result<Value, Error> {
        let body = reply.body(target);
        let delivered = self
            .replies
            .send(&target.response_url, body, budget.reply_until)
            .await;
        let status = reply.status.as_str();
        let summary = json!({
            "RequestType": request_type,
            "Status": status,
            "PhysicalResourceId": reply.physical_resource_id,
        });
        match delivered {
            Ok(()) => {
                tracing::info!(
                    request_type,
                    stack_id = target.stack_id,
                    logical_resource_id = target.logical_resource_id,
                    physical_resource_id = reply.physical_resource_id,
                    status,
                    reason = reply.reason.as_deref().unwrap_or_default(),
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
                    %error,
                    "the reply could not be delivered"
                );
                Err(format!("the {status} reply could not be delivered: {error}").into())
            }
        }
    }
}

fn success(done: Done) -> Reply {
    let data = done
        .destination
        .map(|d| {
            BTreeMap::from([
                ("Arn".to_owned(), d.arn),
                ("DestinationName".to_owned(), d.name),
                ("TargetArn".to_owned(), d.target_arn),
                ("RoleArn".to_owned(), d.role_arn),
            ])
        })
        .unwrap_or_default();
    Reply {
        status: Status::Success,
        reason: done.warning,
        reason_suffix: None,
        physical_resource_id: done.physical_resource_id,
        data,
    }
}

fn failure(failed: Failed, context: &Context) -> Reply {
    tracing::warn!(reason = failed.reason, "request failed");
    Reply {
        status: Status::Failed,
        reason: Some(failed.reason),
        reason_suffix: log_location(context),
        physical_resource_id: failed.physical_resource_id,
        data: BTreeMap::new(),
    }
}

/// A FAILED Reason says where the details are.
fn log_location(context: &Context) -> Option<String> {
    let config = &context.env_config;
    (!config.log_group.is_empty()).then(|| {
        format!(
            " (details in CloudWatch Logs: log group {}, log stream {})",
            config.log_group, config.log_stream
        )
    })
}
