//! What the function talks to in these tests: CloudWatch Logs as a mock client that counts
//! every write, and a local ResponseURL receiver.

use crate::support::{Behaviour, RecordedPut, ResponseReceiver};
use aws_sdk_cloudwatchlogs::operation::delete_destination::DeleteDestinationOutput;
use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput;
use aws_sdk_cloudwatchlogs::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_cloudwatchlogs::operation::put_destination::PutDestinationOutput;
use aws_sdk_cloudwatchlogs::operation::put_destination_policy::PutDestinationPolicyOutput;
use aws_sdk_cloudwatchlogs::operation::tag_resource::TagResourceOutput;
use aws_sdk_cloudwatchlogs::operation::untag_resource::UntagResourceOutput;
use aws_sdk_cloudwatchlogs::types::Destination;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use cfn_logs_destination::destinations::Destinations;
use cfn_logs_destination::enabled_regions::EnabledRegions;
use cfn_logs_destination::handler::{App, Failure};
use cfn_logs_destination::lifecycle::Origin;
use cfn_logs_destination::mode::Mode;
use cfn_logs_destination::response::{ReplySender, ResponseHosts};
use cfn_logs_destination::stacks::Stacks;
use lambda_runtime::{Config, Context, LambdaEvent};
use serde_json::Value;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A Lambda-like context: a log group, so FAILED Reasons carry the log location suffix.
fn context() -> Context {
    let config = Config {
        log_group: "/aws/lambda/cfn-logs-destination".into(),
        log_stream: "2026/11/26/[$LATEST]0123456789abcdef".into(),
        ..Config::default()
    };
    let mut context = Context::default();
    context.request_id = "invocation-1".into();
    context.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f".into();
    context.env_config = Arc::new(config);
    context
}

/// CloudWatch Logs with no destinations, answering every call and counting the writes.
pub(crate) struct Aws {
    app: App,
    writes: Vec<(&'static str, Rule)>,
}

impl Aws {
    /// The custom resource function.
    pub(crate) fn new() -> Aws {
        Aws::in_mode(Mode::CustomResource)
    }

    /// The function for `mode`'s requests.
    pub(crate) fn in_mode(mode: Mode) -> Aws {
        let reads = [
            mock!(Client::describe_destinations)
                .then_output(|| DescribeDestinationsOutput::builder().build()),
            mock!(Client::list_tags_for_resource)
                .then_output(|| ListTagsForResourceOutput::builder().build()),
        ];
        let writes = vec![
            (
                "PutDestination",
                mock!(Client::put_destination).then_compute_output(|input| {
                    let name = input.destination_name().unwrap_or_default();
                    PutDestinationOutput::builder()
                        .destination(
                            Destination::builder()
                                .destination_name(name)
                                .arn(format!(
                                    "arn:aws:logs:us-east-1:123456789012:destination:{name}"
                                ))
                                .set_target_arn(input.target_arn().map(str::to_owned))
                                .set_role_arn(input.role_arn().map(str::to_owned))
                                .build(),
                        )
                        .build()
                }),
            ),
            (
                "PutDestinationPolicy",
                mock!(Client::put_destination_policy)
                    .then_output(|| PutDestinationPolicyOutput::builder().build()),
            ),
            (
                "DeleteDestination",
                mock!(Client::delete_destination)
                    .then_output(|| DeleteDestinationOutput::builder().build()),
            ),
            (
                "TagResource",
                mock!(Client::tag_resource).then_output(|| TagResourceOutput::builder().build()),
            ),
            (
                "UntagResource",
                mock!(Client::untag_resource)
                    .then_output(|| UntagResourceOutput::builder().build()),
            ),
        ];
        let rules: Vec<&Rule> = reads.iter().chain(writes.iter().map(|(_, r)| r)).collect();
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, rules);
        // `Regions: "*"` expands to two Regions.
        let listed = mock!(aws_sdk_account::Client::list_regions).then_output(|| {
            use aws_sdk_account::types::{Region, RegionOptStatus};
            let region = |name: &str| {
                Region::builder()
                    .region_name(name)
                    .region_opt_status(RegionOptStatus::EnabledByDefault)
                    .build()
            };
            aws_sdk_account::operation::list_regions::ListRegionsOutput::builder()
                .regions(region("us-east-1"))
                .regions(region("eu-west-1"))
                .build()
        });
        let account = mock_client!(aws_sdk_account, RuleMode::MatchAny, [&listed]);
        Aws {
            app: App::new(
                (
                    Destinations::new(client),
                    EnabledRegions::from_client(account),
                ),
                unchecked(),
                // The rig's receiver listens on 127.0.0.1, listed as a local run lists it.
                Arc::new(ReplySender::with_hosts(ResponseHosts::new(
                    "us-east-1",
                    "127.0.0.1",
                ))),
            )
            .with_mode(mode),
            writes,
        }
    }

    /// Every write call made, by operation name.
    pub(crate) fn writes_made(&self) -> Vec<(&'static str, usize)> {
        self.writes
            .iter()
            .map(|(name, rule)| (*name, rule.num_calls()))
            .filter(|(_, calls)| *calls > 0)
            .collect()
    }
}

/// One receiver and one runtime for all cases of a test binary.
pub(crate) struct Rig {
    runtime: tokio::runtime::Runtime,
    pub(crate) receiver: ResponseReceiver,
    /// One invocation at a time, so that each counts only its own replies.
    turn: Mutex<()>,
}

pub(crate) fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| Rig {
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("tokio runtime: {e}")),
        receiver: ResponseReceiver::start(Behaviour::Accept),
        turn: Mutex::new(()),
    })
}

/// Runs one invocation; returns its result and the replies it PUT to the receiver.
pub(crate) fn invoke(aws: &Aws, payload: Value) -> (Result<Value, Failure>, Vec<RecordedPut>) {
    let rig = rig();
    let _turn = rig.turn.lock().unwrap_or_else(|p| p.into_inner());
    let before = rig.receiver.puts().len();
    let result = rig
        .runtime
        .block_on(aws.app.handle(LambdaEvent::new(payload, context())));
    // The reply is delivered before `handle` returns; this only gives a stray late PUT a moment
    // to show up, so that it is counted.
    let puts = rig.runtime.block_on(
        rig.receiver
            .wait_for_puts(before + 1, Duration::from_millis(5)),
    );
    (result, puts[before..].to_vec())
}

/// These properties test what the function makes of hostile input, in process: requests are
/// not checked with CloudFormation here (the tests through the binary check every request).
fn unchecked() -> Origin {
    let config = aws_sdk_cloudformation::Config::builder()
        .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .build();
    let stacks = Stacks::new(aws_sdk_cloudformation::Client::from_conf(config));
    Origin::new(stacks, false, Vec::new())
}
