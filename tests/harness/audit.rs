//! Helpers for the audit's suites (`audit`, `audit_coverage`): CloudFormation's view of a
//! stack resource, an audit invocation that must not write, and the records the function
//! prints (which the rig reads on its own thread, so they are waited for, with a bound).

use super::{writes, Stack};
use crate::support::cloudformation::{self, Shown};
use crate::support::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a record the function printed may take to reach the rig.
const RECORD_WAIT: Duration = Duration::from_secs(5);

/// The stack's resource as CloudFormation shows it once the operation finished.
pub fn show_complete(request: &Value, name: &str) {
    show(request, "CREATE_COMPLETE", name);
}

pub fn show(request: &Value, status: &str, name: &str) {
    cloudformation::show(
        request["StackId"].as_str().unwrap_or_default(),
        request["LogicalResourceId"].as_str().unwrap_or_default(),
        Shown::new(status, status, name),
    );
}

/// Runs the audit `event` (`{"Audit": {...}}`), checks that it wrote nothing, and returns
/// its result.
pub async fn audit_with(stack: &Stack, event: &Value) -> Value {
    let answer = stack.invoke(event).await;
    assert_eq!(
        writes(&answer.calls),
        Vec::<&String>::new(),
        "the audit wrote"
    );
    assert!(answer.puts.is_empty(), "the audit PUT a reply");
    match answer.invocation.outcome {
        Outcome::Response(result) => result,
        other => panic!(
            "the audit did not succeed: {other:?}\n{}",
            stack.function.logs()
        ),
    }
}

/// The newest EMF record that `matches`.
pub async fn metric_record(stack: &Stack, matches: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + RECORD_WAIT;
    loop {
        let metrics = stack.function.metrics();
        if let Some(record) = metrics.iter().rev().find(|m| matches(m)) {
            return record.clone();
        }
        assert!(Instant::now() < end, "no such record: {metrics:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The newest audit EMF record for `region`.
pub async fn region_record(stack: &Stack, region: &str) -> Value {
    metric_record(stack, |m| m["Region"] == region).await
}

/// Waits for a log line holding both `what` and `name`, and returns the logs.
pub async fn logged(stack: &Stack, what: &str, name: &str) -> (bool, String) {
    let end = Instant::now() + RECORD_WAIT;
    loop {
        let logs = stack.function.logs();
        let found = logs.lines().any(|l| l.contains(what) && l.contains(name));
        if found || Instant::now() >= end {
            return (found, logs);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The binary run by a person (`cfn-logs-destination ARGS`): credentials and Region from the
/// environment, every call through the stack's proxy, no Lambda runtime.
pub async fn audit_command(stack: &Stack, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_cfn-logs-destination"))
        .args(args)
        .env_clear()
        .envs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_ENDPOINT_URL", stack.proxy.endpoint().as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ])
        .output()
        .await
        .expect("the command runs")
}
