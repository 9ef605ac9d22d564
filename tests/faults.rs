//! Issue 3, "Never leave a stack hanging": faults injected around the compiled binary (AWS
//! errors and hangs through the fault proxy, a failing ResponseURL, a panic, odd deadlines,
//! Lambda's retried deliveries). Every request must end in a reply CloudFormation accepts, in
//! time, and leave nothing behind that the stack does not know about.

mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::*;

const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/central-logs";
const ROLE: &str = "arn:aws:iam::123456789012:role/central-logs-destination-role";
/// The Lambda deadline of requests that are expected to finish normally.
const DEADLINE: Duration = Duration::from_secs(30);
const TEST_MESSAGE_FAILURE: &str =
    "Could not deliver test message to specified destination. Check if the destination is valid.";
const LOG_LOCATION: &str =
    " (details in CloudWatch Logs: log group /aws/lambda/cfn-logs-destination, \
     log stream 2026/11/26/[$LATEST]test)";

fn properties(name: &str) -> Value {
    json!({"DestinationName": name, "TargetArn": TARGET, "RoleArn": ROLE})
}

fn policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
           "Principal": {"AWS": "111122223333"}, "Action": "logs:PutSubscriptionFilter",
           "Resource": "*"}]})
}

fn with_policy(name: &str) -> Value {
    let mut props = properties(name);
    props["DestinationPolicy"] = policy();
    props
}

fn with_service_timeout(mut props: Value, seconds: &str) -> Value {
    props["ServiceTimeout"] = json!(seconds);
    props
}

/// The destinations the shared moto holds whose names start with `prefix`.
async fn destinations_with_prefix(prefix: &str) -> Vec<aws_sdk_cloudwatchlogs::types::Destination> {
    destinations_named(&logs_client(&moto_endpoint()), prefix).await
}

/// CloudFormation's rollback of the FAILED Create `create` (answered with `failed`, the first
/// reply of `rig`): a Delete carrying that reply's id, after which no destination `name`
/// remains.
async fn roll_back(rig: &Rig, create: &Value, failed: &Value, name: &str) {
    let id = failed["PhysicalResourceId"].as_str().expect("id");
    let delete = delete_request(create, &rig.receiver.url(), id);
    let (_, put) = rig.reply(delete, DEADLINE, 2).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert!(
        !destination_exists(name).await,
        "the failed Create left {name} behind"
    );
}

/// The function, behind a fault proxy in front of the shared moto, with its Runtime API and
/// ResponseURL; `function` has already asked for its first event, so timings start at the
/// request, not at process start-up.
struct Rig {
    runtime: RuntimeApi,
    receiver: ResponseReceiver,
    proxy: FaultProxy,
    function: Function,
}

async fn rig_with(
    receiver: Behaviour,
    configure: impl FnOnce(FunctionBuilder) -> FunctionBuilder,
) -> Rig {
    let proxy = FaultProxy::to_moto();
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(receiver);
    let function = configure(Function::builder(&runtime.address(), &proxy.endpoint())).spawn();
    assert!(
        runtime.wait_for_polls(1, Duration::from_secs(10)).await,
        "the function never asked for an event:\n{}",
        function.logs()
    );
    Rig {
        runtime,
        receiver,
        proxy,
        function,
    }
}

async fn rig() -> Rig {
    rig_with(Behaviour::Accept, |f| f).await
}

impl Rig {
    /// Invokes `event` and returns the `n`th reply (1-based) with the invocation; the
    /// invocation must have ended successfully.
    async fn reply(&self, event: Value, deadline: Duration, n: usize) -> (Invocation, RecordedPut) {
        let invocation = self.runtime.invoke(event, deadline).await;
        assert!(
            matches!(invocation.outcome, Outcome::Response(_)),
            "the invocation did not end successfully: {:?}\n{}",
            invocation.outcome,
            self.function.logs()
        );
        let puts = self.receiver.wait_for_puts(n, Duration::from_secs(5)).await;
        assert!(
            puts.len() >= n,
            "{} replies, expected {n}\n{}",
            puts.len(),
            self.function.logs()
        );
        (invocation, puts[n - 1].clone())
    }
}

fn reason(reply: &Value) -> &str {
    reply["Reason"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_on_put_destination_is_retried_until_it_succeeds() {
    // One SDK attempt per call: the retries seen are the function's own, not the SDK's.
    let rig = rig_with(Behaviour::Accept, |f| f.max_attempts(1)).await;
    let name = unique_name("fault-throttled");
    rig.proxy.fail(
        "PutDestination",
        2,
        400,
        "ThrottlingException",
        "Rate exceeded",
    );

    let create = create_request(&rig.receiver.url(), "Destination", properties(&name));
    let (_, put) = rig.reply(create, DEADLINE, 1).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    assert!(
        destination_exists(&name).await,
        "the destination was not created"
    );
    assert_eq!(
        rig.proxy.count("PutDestination"),
        3,
        "{:?}",
        rig.proxy.calls()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_role_propagation_failure_is_retried_until_it_clears() {
    let rig = rig().await;
    let name = unique_name("fault-propagating");
    rig.proxy.fail(
        "PutDestination",
        3,
        400,
        "InvalidParameterException",
        TEST_MESSAGE_FAILURE,
    );

    let create = create_request(&rig.receiver.url(), "Destination", properties(&name));
    let (_, put) = rig.reply(create, DEADLINE, 1).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    assert!(destination_exists(&name).await);
    assert_eq!(rig.proxy.count("PutDestination"), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persistent_test_message_failure_fails_within_the_service_timeout_and_explains() {
    let rig = rig().await;
    let name = unique_name("fault-undeliverable");
    rig.proxy.fail(
        "PutDestination",
        Times::Always,
        400,
        "InvalidParameterException",
        TEST_MESSAGE_FAILURE,
    );
    let service_timeout = Duration::from_secs(6);

    let create = create_request(
        &rig.receiver.url(),
        "Destination",
        with_service_timeout(properties(&name), "6"),
    );
    let (invocation, put) = rig.reply(create, Duration::from_secs(60), 1).await;
    let took = put.received_at - invocation.queued_at;
    println!("FAILED reply {took:?} after the request (ServiceTimeout {service_timeout:?})");
    assert!(took < service_timeout, "replied after {took:?}");
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    let reason = reason(&reply);
    assert!(
        reason.starts_with(&format!(
            "Timed out while PutDestination for destination {name}"
        )),
        "{reason}"
    );
    // Interrupted before the retry window ended: the checks in order, without the ARNs.
    for cause in [
        TEST_MESSAGE_FAILURE,
        "(1) the target (TargetArn) exists",
        "(2) if it is encrypted, the role (RoleArn) may use its KMS key (kms:GenerateDataKey)",
        "(3) the role's trust policy lets logs.amazonaws.com assume it",
        "(4) a role created moments ago may still be propagating in IAM",
    ] {
        assert!(reason.contains(cause), "{cause:?} missing from {reason}");
    }
    assert!(reason.ends_with(LOG_LOCATION), "{reason}");
    let id = reply["PhysicalResourceId"].as_str().expect("id");
    assert!(
        id.contains(':'),
        "the rollback Delete could name a destination: {id}"
    );
    assert!(
        rig.proxy.count("PutDestination") >= 3,
        "{:?}",
        rig.proxy.calls()
    );
    assert!(!destination_exists(&name).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_aws_endpoint_still_gets_a_failed_reply_before_the_lambda_deadline() {
    let hole = BlackHole::start();
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    let function = Function::builder(&runtime.address(), &hole.endpoint()).spawn();
    assert!(runtime.wait_for_polls(1, Duration::from_secs(10)).await);
    let name = unique_name("fault-black-hole");

    let create = create_request(&receiver.url(), "Destination", properties(&name));
    let invocation = runtime.invoke(create, Duration::from_secs(4)).await;
    let deadline = invocation.deadline.expect("a real deadline");
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}\n{}",
        invocation.outcome,
        function.logs()
    );
    assert!(invocation.answered_at.expect("answered") < deadline);
    let puts = receiver.wait_for_puts(1, Duration::from_secs(1)).await;
    assert_eq!(puts.len(), 1, "{}", function.logs());
    println!(
        "FAILED reply {:?} before the deadline, invocation answered {:?} before it",
        deadline.saturating_duration_since(puts[0].received_at),
        deadline.saturating_duration_since(invocation.answered_at.expect("answered"))
    );
    assert!(
        puts[0].received_at < deadline,
        "the reply arrived {:?} after the deadline",
        puts[0].received_at - deadline
    );
    let reply = puts[0].json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    assert!(
        reason(&reply).starts_with(&format!(
            "Timed out while DescribeDestinations for destination {name}"
        )),
        "{reply}"
    );
    assert!(hole.connections() >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_timeout_shorter_than_the_lambda_deadline_is_honoured() {
    let rig = rig().await;
    let name = unique_name("fault-hang");
    rig.proxy.hang("DescribeDestinations");

    let create = create_request(
        &rig.receiver.url(),
        "Destination",
        with_service_timeout(properties(&name), "3"),
    );
    let (invocation, put) = rig.reply(create, Duration::from_secs(60), 1).await;
    let took = put.received_at - invocation.queued_at;
    println!("FAILED reply {took:?} after the request (ServiceTimeout 3s)");
    assert!(took < Duration::from_secs(3), "replied after {took:?}");
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    assert!(
        reason(&reply).starts_with("Timed out while DescribeDestinations"),
        "{reply}"
    );
    assert!(reply["PhysicalResourceId"]
        .as_str()
        .expect("id")
        .contains(':'));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_response_url_is_retried_until_it_accepts() {
    let rig = rig_with(
        Behaviour::FailFirst {
            count: 2,
            status: 500,
        },
        |f| f,
    )
    .await;
    let name = unique_name("fault-reply-500");

    let create = create_request(&rig.receiver.url(), "Destination", properties(&name));
    let (_, put) = rig.reply(create, DEADLINE, 3).await;
    assert_eq!(put.answered, Answered::Status(200));
    let puts = rig.receiver.puts();
    assert_eq!(puts.len(), 3, "a reply was sent after one was accepted");
    assert_eq!(puts[0].answered, Answered::Status(500));
    assert_eq!(puts[1].answered, Answered::Status(500));
    assert_eq!(puts[0].body, put.body, "the retried reply changed");
    let reply = put.json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_becomes_a_failed_reply_and_the_process_keeps_serving() {
    let doomed = unique_name("fault-panic");
    let rig = rig_with(Behaviour::Accept, |f| {
        f.env("CFN_LOGS_DESTINATION_TEST_PANIC_ON", &doomed)
    })
    .await;
    let pid = rig.function.pid();

    let create = create_request(&rig.receiver.url(), "Destination", properties(&doomed));
    let (_, put) = rig.reply(create, DEADLINE, 1).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    assert!(
        reason(&reply).starts_with(&format!(
            "An internal error occurred: injected test fault while handling {doomed}"
        )),
        "{reply}"
    );
    assert!(reply["PhysicalResourceId"]
        .as_str()
        .expect("id")
        .contains(':'));
    assert!(!destination_exists(&doomed).await);

    let fine = unique_name("fault-after-panic");
    let create = create_request(&rig.receiver.url(), "Destination", properties(&fine));
    let (_, put) = rig.reply(create, DEADLINE, 2).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert!(destination_exists(&fine).await);
    assert_eq!(rig.function.exited(), None, "the process died");
    assert_eq!(rig.function.pid(), pid);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_aws_error_message_still_fits_the_reply() {
    let rig = rig().await;
    let name = unique_name("fault-huge-error");
    // Multi-byte and escaped characters too: the limit is on the bytes of the JSON body.
    let message = format!("Role is not valid: {}", "é\"x\\".repeat(5_000));
    assert!(message.chars().count() > 20_000);
    rig.proxy.fail(
        "PutDestination",
        Times::Always,
        400,
        "InvalidParameterException",
        &message,
    );

    let create = create_request(&rig.receiver.url(), "Destination", properties(&name));
    let (_, put) = rig.reply(create, DEADLINE, 1).await;
    assert!(put.body.len() <= 4096, "{} bytes", put.body.len());
    assert_eq!(
        put.header("content-length"),
        Some(put.body.len().to_string())
    );
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    let reason = reason(&reply);
    assert!(
        reason.starts_with(&format!(
            "PutDestination for destination {name} failed: InvalidParameterException: Role is not valid: é\"x\\"
        )),
        "{reason}"
    );
    assert!(
        reason.ends_with(&format!(" [truncated]{LOG_LOCATION}")),
        "{reason}"
    );
    assert!(reply["PhysicalResourceId"]
        .as_str()
        .expect("id")
        .contains(':'));
    assert_eq!(
        rig.proxy.count("PutDestination"),
        1,
        "a permanent error was retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_policy_failure_leaves_nothing_after_the_rollback() {
    let rig = rig().await;
    let name = unique_name("fault-policy");
    rig.proxy.fail(
        "PutDestinationPolicy",
        Times::Always,
        400,
        "InvalidParameterException",
        "Invalid principal in policy",
    );

    let create = create_request(&rig.receiver.url(), "Destination", with_policy(&name));
    let (_, put) = rig.reply(create.clone(), DEADLINE, 1).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    assert!(
        reason(&reply).starts_with(&format!(
            "PutDestinationPolicy for destination {name} failed: InvalidParameterException: \
             Invalid principal in policy"
        )),
        "{reply}"
    );
    assert_eq!(rig.proxy.count("PutDestination"), 1);

    roll_back(&rig, &create, &reply, &name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_past_deadlines_do_not_fail_the_request() {
    let rig = rig().await;
    let an_hour_ago = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .saturating_sub(Duration::from_secs(3600))
        .as_millis()
        .to_string();
    for (n, header) in ["0", an_hour_ago.as_str()].into_iter().enumerate() {
        let name = unique_name("fault-deadline");
        let create = create_request(&rig.receiver.url(), "Destination", properties(&name));
        let invocation = rig
            .runtime
            .invoke_with_deadline_header(create, header, DEADLINE)
            .await;
        assert!(
            matches!(invocation.outcome, Outcome::Response(_)),
            "deadline {header}: {:?}\n{}",
            invocation.outcome,
            rig.function.logs()
        );
        let puts = rig
            .receiver
            .wait_for_puts(n + 1, Duration::from_secs(5))
            .await;
        let reply = puts[n].json();
        assert_eq!(reply["Status"], "SUCCESS", "deadline {header}: {reply}");
        assert!(destination_exists(&name).await);
    }
}

/// A logical id no other test uses, so generated names can be counted by prefix.
fn unique_logical_id() -> String {
    let suffix: String = unique_name("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("Retried{suffix}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_delivered_twice_creates_one_destination() {
    let rig = rig().await;
    let logical_id = unique_logical_id();
    // No DestinationName: the generated one must be the same for both deliveries.
    let create = create_request(
        &rig.receiver.url(),
        &logical_id,
        json!({"TargetArn": TARGET, "RoleArn": ROLE, "DestinationPolicy": policy()}),
    );
    let (_, first) = rig.reply(create.clone(), DEADLINE, 1).await;
    let (_, second) = rig.reply(create, DEADLINE, 2).await;
    let (first, second) = (first.json(), second.json());
    assert_eq!(first["Status"], "SUCCESS", "{first}");
    assert_eq!(second["Status"], "SUCCESS", "{second}");
    assert_eq!(first["PhysicalResourceId"], second["PhysicalResourceId"]);
    let id = first["PhysicalResourceId"].as_str().expect("id");
    assert!(id.starts_with(&format!("test-stack-{logical_id}-")), "{id}");
    let found = destinations_with_prefix(&format!("test-stack-{logical_id}-")).await;
    assert_eq!(found.len(), 1, "{found:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_reply_was_lost_succeeds_when_lambda_retries_it() {
    let rig = rig_with(
        Behaviour::FailFirst {
            count: 1,
            status: 403,
        },
        |f| f,
    )
    .await;
    let name = unique_name("fault-lost-reply");
    let create = create_request(&rig.receiver.url(), "Destination", with_policy(&name));

    let first = rig.runtime.invoke(create.clone(), DEADLINE).await;
    assert!(
        matches!(first.outcome, Outcome::Error(_)),
        "an undelivered reply must fail the invocation so that Lambda retries it: {:?}",
        first.outcome
    );
    assert!(destination_exists(&name).await);

    let (_, put) = rig.reply(create, DEADLINE, 2).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    assert_eq!(destinations_with_prefix(&name).await.len(), 1);
}

/// A ResponseURL that never answers: the invocation must end in error before Lambda's deadline
/// (rather than be killed as timed out), so that Lambda retries the request on a live process.
#[tokio::test(flavor = "multi_thread")]
async fn a_hung_response_url_ends_the_invocation_in_error_before_the_deadline() {
    let rig = rig_with(Behaviour::Hang, |f| f).await;
    let name = unique_name("fault-reply-hang");
    let create = create_request(&rig.receiver.url(), "Destination", properties(&name));
    let invocation = rig.runtime.invoke(create, Duration::from_secs(4)).await;
    let deadline = invocation.deadline.expect("a real deadline");
    assert!(
        matches!(invocation.outcome, Outcome::Error(_)),
        "{:?}\n{}",
        invocation.outcome,
        rig.function.logs()
    );
    let answered = invocation.answered_at.expect("answered");
    assert!(
        answered < deadline,
        "the invocation ended {:?} after its deadline",
        answered - deadline
    );
    println!(
        "invocation error {:?} before the deadline",
        deadline - answered
    );
    assert!(!rig.receiver.puts().is_empty(), "no reply was attempted");
    assert_eq!(rig.function.exited(), None);
}

/// The first delivery dies (a Lambda timeout or crash) after PutDestination; Lambda retries.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_killed_after_put_destination_succeeds_when_lambda_retries_it() {
    let rig = rig().await;
    let name = unique_name("fault-killed");
    rig.proxy.hang("PutDestinationPolicy");
    let create = create_request(&rig.receiver.url(), "Destination", with_policy(&name));
    rig.runtime
        .queue(create.clone(), &deadline_header(DEADLINE));
    assert!(
        rig.proxy
            .wait_for_count("PutDestinationPolicy", 1, Duration::from_secs(10))
            .await,
        "{}",
        rig.function.logs()
    );
    rig.function.kill();
    assert!(destination_exists(&name).await);
    assert!(rig.receiver.puts().is_empty());

    rig.proxy.clear_rules();
    let retry = Function::builder(&rig.runtime.address(), &rig.proxy.endpoint()).spawn();
    let invocation = rig.runtime.invoke(create, DEADLINE).await;
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}\n{}",
        invocation.outcome,
        retry.logs()
    );
    let puts = rig.receiver.wait_for_puts(1, Duration::from_secs(5)).await;
    let reply = puts[0].json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    let found = destinations_with_prefix(&name).await;
    assert_eq!(found.len(), 1);
    assert!(
        found[0].access_policy().is_some(),
        "the retry did not set the policy"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_policy_failures_are_retried_until_they_clear() {
    let rig = rig_with(Behaviour::Accept, |f| f.max_attempts(1)).await;
    for (n, (status, error)) in [
        (503, "ServiceUnavailableException"),
        (400, "OperationAbortedException"),
    ]
    .into_iter()
    .enumerate()
    {
        let name = unique_name("fault-transient");
        let before = rig.proxy.count("PutDestinationPolicy");
        rig.proxy
            .fail("PutDestinationPolicy", 2, status, error, "try again later");
        let create = create_request(&rig.receiver.url(), "Destination", with_policy(&name));
        let (_, put) = rig.reply(create, DEADLINE, n + 1).await;
        let reply = put.json();
        assert_eq!(reply["Status"], "SUCCESS", "{error}: {reply}");
        assert_eq!(
            rig.proxy.count("PutDestinationPolicy") - before,
            3,
            "{error}"
        );
        let found = destinations_with_prefix(&name).await;
        assert_eq!(found.len(), 1, "{error}");
        assert!(found[0].access_policy().is_some(), "{error}: no policy");
    }
}

/// A Create abandoned at its budget after PutDestination succeeded must not leave the new
/// destination to nobody: the rollback Delete must remove it.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_timed_out_after_put_destination_leaves_nothing_after_the_rollback() {
    let rig = rig().await;
    let name = unique_name("fault-orphan");
    rig.proxy.hang("PutDestinationPolicy");
    let create = create_request(
        &rig.receiver.url(),
        "Destination",
        with_service_timeout(with_policy(&name), "3"),
    );
    let started = Instant::now();
    let (_, put) = rig.reply(create.clone(), Duration::from_secs(60), 1).await;
    assert!(started.elapsed() < Duration::from_secs(4));
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    assert!(
        reason(&reply).starts_with(&format!(
            "Timed out while PutDestinationPolicy for destination {name}"
        )),
        "{reply}"
    );

    rig.proxy.clear_rules();
    roll_back(&rig, &create, &reply, &name).await;
}

/// A replacing Update abandoned after the new destination was created keeps the old id (as a
/// FAILED Update must), so no rollback removes the new one: the Reason names it.
#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_replacement_names_the_destination_it_may_have_created() {
    let rig = rig().await;
    let old_name = unique_name("fault-replaced");
    let new_name = unique_name("fault-replacement");
    let create = create_request(&rig.receiver.url(), "Destination", properties(&old_name));
    let (_, put) = rig.reply(create.clone(), DEADLINE, 1).await;
    assert_eq!(put.json()["Status"], "SUCCESS");

    rig.proxy.hang("PutDestinationPolicy");
    let update = update_request(
        &create,
        &rig.receiver.url(),
        &old_name,
        with_service_timeout(with_policy(&new_name), "3"),
    );
    let (_, put) = rig.reply(update, Duration::from_secs(60), 2).await;
    let reply = put.json();
    assert_eq!(reply["Status"], "FAILED", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], old_name.as_str());
    assert!(
        reason(&reply).contains(&format!(
            "Destination {new_name} may have been created by this update"
        )),
        "{reply}"
    );
}
