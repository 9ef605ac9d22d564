//! One invocation, from raw JSON to the reply CloudFormation is waiting for.

use crate::attributes;
use crate::destinations::Destinations;
use crate::enabled_regions::EnabledRegions;
use crate::event::{self, CfnRequest, Incoming};
use crate::invoked::InvokedArn;
use crate::lifecycle::{self, Done, Failed, Home, Origin};
use crate::metrics::{self, Source};
use crate::mode::Mode;
use crate::response::{Reply, ReplySender, Status};
use crate::watchdog::{self, Budget, Interrupted};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

mod audit;
mod failure;
mod preview;
mod provisioning;
mod reply;

use reply::refuse_reply_url;

pub use failure::Failure;

/// The function setting that limits EventBridge provisioning to names with this prefix.
pub const PROVISIONING_NAME_PREFIX: &str = "PROVISIONING_NAME_PREFIX";

/// What the function keeps between invocations: built once per process.
#[derive(Clone, Debug)]
pub struct App {
    pub destinations: Destinations,
    /// The account's enabled Regions (ListRegions), asked only when a request needs them.
    pub enabled_regions: EnabledRegions,
    /// How a stack request is checked with CloudFormation before any write.
    pub origin: Origin,
    pub replies: Arc<ReplySender>,
    /// Which requests this function serves; the others are refused.
    pub mode: Mode,
    /// The invoked function's ARN, made whole where a local runner sends a placeholder.
    pub invoked: Arc<InvokedArn>,
}

impl App {
    /// A custom resource function; see [`App::with_mode`].
    pub fn new(
        (destinations, enabled_regions): (Destinations, EnabledRegions),
        origin: Origin,
        replies: Arc<ReplySender>,
    ) -> App {
        App {
            destinations,
            enabled_regions,
            origin,
            replies,
            mode: Mode::default(),
            invoked: Arc::default(),
        }
    }

    pub fn with_mode(self, mode: Mode) -> App {
        App { mode, ..self }
    }

    /// Where local runs ask STS for the account their placeholder ARN leaves out.
    pub fn with_invoked(self, invoked: InvokedArn) -> App {
        App {
            invoked: Arc::new(invoked),
            ..self
        }
    }

    /// Handles one invocation. Ends in error only when nothing could be answered: then Lambda
    /// retries the invocation. A delivered FAILED reply is a successful invocation, so that
    /// Lambda does not replay a request CloudFormation has already been told about.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, Failure> {
        let (payload, mut context) = event.into_parts();
        let incoming = event::classify(payload);
        if let Err(problem) = self.mode.admits(&incoming) {
            tracing::error!(problem, "refused an event meant for the other function");
            return Err(Failure::refused(problem));
        }
        if !matches!(incoming, Incoming::Unrecognised(_)) {
            context.invoked_function_arn =
                self.invoked.resolve(&context.invoked_function_arn).await;
        }
        match incoming {
            Incoming::Sns(records) => {
                // Every record is answered, side by side and each within its own budget, so
                // that one slow record does not delay the others; the invocation fails if any
                // could not be answered.
                let answers = records
                    .into_iter()
                    .map(|record| self.answer(record, &context, Source::Sns));
                let mut results = Vec::new();
                let mut errors = Vec::new();
                for answer in futures_util::future::join_all(answers).await {
                    match answer {
                        Ok(result) => results.push(result),
                        Err(error) => errors.push(error),
                    }
                }
                match errors.first() {
                    None => Ok(Value::Array(results)),
                    Some(first) => Err(Failure {
                        kind: first.kind,
                        message: errors
                            .iter()
                            .map(|e| e.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; "),
                    }),
                }
            }
            incoming => {
                self.answer(incoming, &context, Source::CloudFormation)
                    .await
            }
        }
    }

    /// Answers one request and writes its metrics. `source` is where a CloudFormation
    /// request came from (directly or through SNS).
    async fn answer(
        &self,
        incoming: Incoming,
        context: &Context,
        source: Source,
    ) -> Result<Value, Failure> {
        match incoming {
            Incoming::CloudFormation(request) => {
                let measured = metrics::Request::start(source);
                let target = request.target.clone();
                let request_type = request.kind.name();
                self.replies
                    .admits(&target.response_url)
                    .map_err(|problem| {
                        refuse_reply_url(&target, request_type, &measured, problem)
                    })?;
                let budget = request_budget(&request, context);
                let reply = match self.carry_out(*request, context, budget, &measured).await {
                    Ok(done) => success(done),
                    Err(failed) => failure(failed, context),
                };
                self.deliver(&target, request_type, reply, budget, &measured)
                    .await
            }
            Incoming::Provider(request) => {
                let measured = metrics::Request::start(Source::Provider);
                let budget = request_budget(&request, context);
                let request_type = request.kind.name();
                let outcome = self.carry_out(*request, context, budget, &measured).await;
                let (status, physical_resource_id) = match &outcome {
                    Ok(done) => ("SUCCESS", done.physical_resource_id.as_str()),
                    Err(failed) => ("FAILED", failed.physical_resource_id.as_str()),
                };
                tracing::info!(
                    request_type,
                    physical_resource_id,
                    status,
                    duration_ms = measured.duration_ms(),
                    aws_calls = measured.aws_calls(),
                    "answered the provider framework"
                );
                let failed = outcome.is_err().then_some(Failure::REQUEST_FAILED);
                measured.publish(request_type, failed.is_none(), 0, failed);
                match outcome {
                    Ok(done) => {
                        let reply = success(done);
                        Ok(json!({
                            "PhysicalResourceId": reply.physical_resource_id,
                            "Data": reply.data,
                        }))
                    }
                    Err(failed) => Err(Failure::request_failed(failed.reason)),
                }
            }
            Incoming::EventBridge(request) => self.provision(*request, context).await,
            Incoming::Audit(request) => self.audit(request, context).await,
            Incoming::Preview(request) => self.preview(request, context).await,
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
                    reason_suffix: log_location(context),
                    physical_resource_id,
                    data: BTreeMap::new(),
                };
                let measured = metrics::Request::start(source);
                let budget = Budget::new(context.deadline, None);
                let request_type = request_type.unwrap_or_else(|| "Unknown".into());
                self.replies
                    .admits(&target.response_url)
                    .map_err(|problem| {
                        refuse_reply_url(&target, &request_type, &measured, problem)
                    })?;
                self.deliver(&target, &request_type, reply, budget, &measured)
                    .await
            }
            Incoming::Unrecognised(problem) => {
                tracing::error!(problem, "unrecognised event");
                Err(Failure::unrecognised(problem))
            }
            // Records are unpacked by `handle`; an SNS message inside one is not expected.
            Incoming::Sns(_) => Err(Failure::unrecognised(
                "an SNS notification nested in another".into(),
            )),
        }
    }

    /// Runs the lifecycle under the watchdog: a panic or an exhausted budget becomes a failure.
    async fn carry_out(
        &self,
        request: CfnRequest,
        context: &Context,
        budget: Budget,
        measured: &metrics::Request,
    ) -> Result<Done, Failed> {
        let known_id = request.kind.physical_resource_id().map(str::to_owned);
        let failed_create_id = lifecycle::failed_create_id(&request.target.request_id);
        // Its own steps and Regional clients: the records of one SNS batch run side by side.
        let destinations = self.destinations.for_request();
        let origin = self.origin.clone();
        let enabled_regions = self.enabled_regions.clone();
        let function_arn = context.invoked_function_arn.clone();
        let record = lifecycle::Record::default();
        let work = measured.counting({
            let record = record.clone();
            let destinations = destinations.clone();
            async move {
                inject_test_fault(&request);
                let clients = (&destinations, &enabled_regions);
                lifecycle::run(clients, &origin, &request, &function_arn, &record).await
            }
        });
        let interrupted = match watchdog::guard(work, budget.work_until).await {
            Ok(result) => return result,
            Err(interrupted) => interrupted,
        };
        let mut reason = interruption_reason(&destinations, interrupted, &record);
        // Put back, within seconds, what it changed of destinations that existed before it.
        let restored = lifecycle::undo_interrupted(&destinations, &record, budget.reply_until);
        reason.push_str(&restored.await);
        let held = record.held();
        let held_id = record.held_id();
        let physical_resource_id = match known_id {
            Some(id) => {
                // A replacing Update keeps its old id, so no rollback will remove the new
                // destination: say so rather than leave it unmentioned.
                if let Some(new_name) = held.filter(|name| *name != id) {
                    reason.push_str(&format!(
                        ". Destination {new_name} may have been created by this update; delete \
                         it if it is not needed"
                    ));
                }
                id
            }
            // An interrupted Create names the destination its PutDestination may have created,
            // so that the rollback Delete removes it (only if it is this resource's: tagged, or
            // its own untagged creation); otherwise nothing is known to exist and the rollback
            // must touch nothing.
            None => held_id.unwrap_or(failed_create_id),
        };
        Err(Failed {
            physical_resource_id,
            reason,
        })
    }
}

fn interruption_reason(
    destinations: &Destinations,
    interrupted: Interrupted,
    record: &lifecycle::Record,
) -> String {
    match interrupted {
        Interrupted::TimedOut => {
            let mut reason = format!(
                "Timed out while {} was still running; the work was abandoned so that this \
                 reply arrives before the deadline",
                destinations.current_step()
            );
            // With Regions: how far it got.
            if let Some(finished) = record.finished_so_far() {
                reason.push_str(&format!(". Finished before that: {finished}"));
            }
            reason
        }
        Interrupted::Panicked(message) => format!("An internal error occurred: {message}"),
    }
}

/// Where the invoked function lives: its ARN names the partition, Region and account.
fn invoked_home(context: &Context) -> Result<Home, String> {
    let function_arn = &context.invoked_function_arn;
    Home::of(function_arn).ok_or_else(|| {
        format!("the invoked function's ARN {function_arn:?} names no Region and account")
    })
}

fn request_budget(request: &CfnRequest, context: &Context) -> Budget {
    Budget::new(
        context.deadline,
        watchdog::service_timeout(&request.properties),
    )
}

/// A fault only debug builds (the integration tests) can trigger: a panic while handling the
/// destination named in `CFN_LOGS_DESTINATION_TEST_PANIC_ON`.
fn inject_test_fault(request: &CfnRequest) {
    #[cfg(debug_assertions)]
    if let Ok(name) = std::env::var("CFN_LOGS_DESTINATION_TEST_PANIC_ON") {
        if request
            .properties
            .get("DestinationName")
            .and_then(Value::as_str)
            == Some(name.as_str())
        {
            panic!("injected test fault while handling {name}");
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = request;
}

fn success(done: Done) -> Reply {
    let data = done
        .destination
        .map(|d| attributes::data(&d, &done.regional, done.every))
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
