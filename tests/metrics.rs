//! Issue 9, metrics: the Embedded Metric Format line the compiled binary prints after each
//! request, checked against what happened (the AWS calls the proxy saw, the replies the
//! receiver got, the faults injected).

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;
use support::*;

const WAIT: Duration = Duration::from_secs(10);

/// The EMF document the `n`th request (1-based) of `stack` printed.
async fn nth_metrics(stack: &Stack, n: usize) -> Value {
    let metrics = stack.function.wait_for_metrics(n, WAIT).await;
    assert!(
        metrics.len() >= n,
        "{} EMF lines, expected {n}\n{}",
        metrics.len(),
        stack.function.logs()
    );
    metrics[n - 1].clone()
}

/// The namespace and dimension sets of the request directive, as the template's alarms and
/// docs/operations.md expect them.
fn assert_request_directive(doc: &Value, namespace: &str) {
    let directive = &doc["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], namespace, "{doc}");
    assert_eq!(
        directive["Dimensions"],
        json!([["RequestType", "Source"], []]),
        "{doc}"
    );
    assert!(doc["_aws"]["Timestamp"].is_u64(), "{doc}");
    assert!(doc["Duration"].as_f64().is_some_and(|ms| ms > 0.0), "{doc}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_successful_create_counts_the_calls_the_proxy_saw() {
    let stack = Stack::start_with(|f| f.env("METRICS_NAMESPACE", "team/cfn-destinations"));
    let name = unique_name("metrics-create");
    let (_, answer) = stack.create("Destination", props(&name)).await;
    let doc = nth_metrics(&stack, 1).await;

    assert_request_directive(&doc, "team/cfn-destinations");
    assert_eq!(doc["RequestType"], "Create");
    assert_eq!(doc["Source"], "CloudFormation");
    assert_eq!(doc["Succeeded"], 1);
    assert_eq!(doc["Failed"], 0);
    assert!(!answer.calls.is_empty());
    assert_eq!(doc["AwsCalls"], answer.aws_calls(), "{:?}", answer.calls);
    assert_eq!(answer.checks, ["DescribeStackResource"]);
    assert_eq!(doc["Retries"], 0);
    assert_eq!(doc["Throttled"], 0);
    assert_eq!(doc["ReplyAttempts"], 1);
    assert_eq!(doc["Regions"], 1);
    assert!(doc.get("ErrorType").is_none(), "{doc}");

    // The per-request log record carries the same figures.
    assert!(
        stack
            .function
            .wait_for_log("replied to CloudFormation", WAIT)
            .await
    );
    let logs = stack.function.logs();
    let record = logs
        .lines()
        .find(|line| line.contains("replied to CloudFormation"))
        .expect("the per-request log record");
    assert!(
        record.contains(&format!("aws_calls={}", answer.aws_calls())),
        "{record}"
    );
    assert!(record.contains("duration_ms="), "{record}");
}

/// A Create whose first two PutDestination calls AWS throttles: its answer and metrics.
async fn throttled_create(stack: &Stack) -> (Answer, Value) {
    stack.proxy.fail(
        "PutDestination",
        2,
        400,
        "ThrottlingException",
        "Rate exceeded",
    );
    let name = unique_name("metrics-throttled");
    let (_, answer) = stack.create("Destination", props(&name)).await;
    let doc = nth_metrics(stack, 1).await;
    let puts = answer.calls.iter().filter(|c| *c == "PutDestination");
    assert_eq!(puts.count(), 3, "{:?}", answer.calls);
    assert_eq!(doc["Succeeded"], 1, "{doc}");
    assert_eq!(doc["Throttled"], 2, "{doc}");
    assert_eq!(doc["Retries"], 2, "{doc}");
    assert_eq!(
        doc["AwsCalls"],
        answer.aws_calls(),
        "every attempt counts: {:?}",
        answer.calls
    );
    (answer, doc)
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_calls_retried_by_the_sdk_are_counted() {
    // The SDK's own retries are on (the default): its retries must be seen too.
    throttled_create(&Stack::start()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_calls_retried_by_the_function_are_counted() {
    // One SDK attempt per call: the retries are the function's.
    throttled_create(&Stack::start_with(|f| f.max_attempts(1))).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_create_before_any_call_counts_one_failure_and_no_calls() {
    let stack = Stack::start();
    let request = create_request(
        &stack.url(),
        "Destination",
        json!({"DestinationName": unique_name("metrics-invalid"), "TargetArn": "not-an-arn"}),
    );
    stack.fail(&request).await;
    let doc = nth_metrics(&stack, 1).await;
    assert_request_directive(&doc, "cfn-logs-destination");
    assert_eq!(doc["Failed"], 1, "{doc}");
    assert_eq!(doc["Succeeded"], 0);
    assert_eq!(doc["AwsCalls"], 0);
    assert_eq!(doc["Regions"], 0);
    assert_eq!(doc["ReplyAttempts"], 1);
    // A delivered FAILED reply is not an invocation error.
    assert!(doc.get("ErrorType").is_none(), "{doc}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_retried_after_a_server_error_counts_two_attempts() {
    let stack = Stack::start();
    stack.receiver.set_behaviour(Behaviour::FailFirst {
        count: 1,
        status: 500,
    });
    let name = unique_name("metrics-reply-retry");
    let answer = stack
        .invoke(&create_request(&stack.url(), "Destination", props(&name)))
        .await;
    assert!(matches!(answer.invocation.outcome, Outcome::Response(_)));
    assert_eq!(answer.puts.len(), 2);
    assert_eq!(answer.status(), "SUCCESS");
    let doc = nth_metrics(&stack, 1).await;
    assert_eq!(doc["ReplyAttempts"], 2, "{doc}");
    assert_eq!(doc["Succeeded"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undelivered_reply_is_an_invocation_error() {
    let stack = Stack::start();
    stack.receiver.set_behaviour(Behaviour::FailFirst {
        count: 100,
        status: 503,
    });
    let request = create_request(
        &stack.url(),
        "Destination",
        json!({"TargetArn": "not-an-arn"}),
    );
    let answer = stack.invoke(&request).await;
    assert!(matches!(answer.invocation.outcome, Outcome::Error(_)));
    let doc = nth_metrics(&stack, 1).await;
    assert_eq!(doc["ErrorType"], "ReplyNotDelivered", "{doc}");
    assert_eq!(doc["InvocationErrors"], 1);
    assert_eq!(doc["ReplyAttempts"], answer.puts.len(), "{doc}");
    let errors = &doc["_aws"]["CloudWatchMetrics"][1];
    assert_eq!(errors["Dimensions"], json!([["ErrorType"], []]), "{doc}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unrecognised_event_is_counted_as_an_invocation_error() {
    let stack = Stack::start();
    let answer = stack.invoke(&json!({"hello": "world"})).await;
    assert!(matches!(answer.invocation.outcome, Outcome::Error(_)));
    let doc = nth_metrics(&stack, 1).await;
    assert_eq!(doc["ErrorType"], "UnrecognisedEvent", "{doc}");
    assert_eq!(doc["InvocationErrors"], 1);
    assert!(doc.get("RequestType").is_none(), "{doc}");
    let directives = doc["_aws"]["CloudWatchMetrics"].as_array().expect("array");
    assert_eq!(directives.len(), 1, "{doc}");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_sns_record_and_each_source_is_a_request_of_its_own() {
    let stack = Stack::start();
    let first = create_request(&stack.url(), "First", props(&unique_name("metrics-sns")));
    let second = create_request(&stack.url(), "Second", json!({"TargetArn": "not-an-arn"}));
    let mut event = sns_event(&first);
    let record = sns_event(&second)["Records"][0].clone();
    event["Records"]
        .as_array_mut()
        .expect("records")
        .push(record);
    let answer = stack.invoke(&event).await;
    assert!(matches!(answer.invocation.outcome, Outcome::Response(_)));
    let metrics = stack.function.wait_for_metrics(2, WAIT).await;
    assert_eq!(metrics.len(), 2, "{metrics:?}");
    // The records are answered side by side: their lines come in the order they finish.
    let line = |outcome: &str| {
        metrics
            .iter()
            .find(|doc| doc[outcome] == 1)
            .unwrap_or_else(|| panic!("no {outcome} line: {metrics:?}"))
    };
    let (succeeded, failed) = (line("Succeeded"), line("Failed"));
    assert_eq!(succeeded["Source"], "SNS");
    assert_eq!(succeeded["AwsCalls"], answer.aws_calls());
    assert_eq!(failed["Source"], "SNS");
    assert_eq!(failed["AwsCalls"], 0);

    // Provisioning has a function of its own.
    let provisioning = Stack::provisioning();
    let name = unique_name("metrics-eventbridge");
    let event = eventbridge_event("Create", props(&name));
    let answer = provisioning.invoke(&event).await;
    assert!(matches!(answer.invocation.outcome, Outcome::Response(_)));
    let doc = nth_metrics(&provisioning, 1).await;
    assert_eq!(doc["Source"], "EventBridge", "{doc}");
    assert_eq!(doc["RequestType"], "Create");
    assert_eq!(doc["Succeeded"], 1);
    assert_eq!(doc["AwsCalls"], answer.calls.len());
    assert_eq!(doc["ReplyAttempts"], 0);

    let mut provider = create_request(&stack.url(), "Provided", json!({"TargetArn": "x"}));
    provider
        .as_object_mut()
        .expect("object")
        .remove("ResponseURL");
    let answer = stack.invoke(&provider).await;
    assert!(matches!(answer.invocation.outcome, Outcome::Error(_)));
    let doc = nth_metrics(&stack, 3).await;
    assert_eq!(doc["Source"], "Provider", "{doc}");
    assert_eq!(doc["Failed"], 1);
    assert_eq!(doc["ErrorType"], "RequestFailed");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_lines_stay_whole_in_json_log_mode() {
    let stack = Stack::start_with(|f| f.env("AWS_LAMBDA_LOG_FORMAT", "JSON"));
    stack
        .create("Destination", props(&unique_name("metrics-json")))
        .await;
    let doc = nth_metrics(&stack, 1).await;
    assert_eq!(doc["Succeeded"], 1);
    // Every stdout line is one JSON object: the log records and the EMF line.
    for line in stack
        .function
        .logs()
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(
            parsed.is_ok_and(|v| v.is_object()),
            "not a JSON line: {line}"
        );
    }
}

/// Anyone who may invoke the function chooses the RequestType. Written as a
/// dimension value, each new text would be a new CloudWatch metric (billed monthly) and an
/// injection into dashboards; only the three request types CloudFormation sends are kept.
#[tokio::test(flavor = "multi_thread")]
async fn a_free_text_request_type_never_becomes_a_dimension_value() {
    let stack = Stack::start();
    let free_text = unique_name("Upsert");
    let mut request = create_request(&stack.url(), "Destination", props("never-created"));
    request["RequestType"] = json!(free_text);
    stack.fail(&request).await;
    let doc = nth_metrics(&stack, 1).await;
    assert_eq!(doc["RequestType"], "Other", "{doc}");
    assert!(!doc.to_string().contains(&free_text), "{doc}");
}
