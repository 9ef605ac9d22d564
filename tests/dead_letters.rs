//! Issue 9, the stuck-stack runbook: `scripts/answer-dead-letters` against moto's SQS (and
//! CloudFormation, for the queue URL from the provider stack's output) and the rig's
//! ResponseURL receiver. A dry run changes nothing; `--send` answers FAILED the requests whose
//! ResponseURL is still valid (or whose expiry it cannot read), skips expired ones, and deletes
//! what it answered.

mod support;

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};
use support::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Creates, in moto, a provider stack named `stack` whose DeadLetterQueueUrl output is a new
/// queue, sends `messages` (`{"body", "error"}`) to it and returns the queue URL.
const ARRANGE: &str = r#"
import json, sys, boto3
spec = json.load(sys.stdin)
endpoint = sys.argv[1]
cfn = boto3.client("cloudformation", endpoint_url=endpoint)
template = {"Resources": {"DeadLetterQueue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"DeadLetterQueueUrl": {"Value": {"Ref": "DeadLetterQueue"}}}}
cfn.create_stack(StackName=spec["stack"], TemplateBody=json.dumps(template))
outputs = cfn.describe_stacks(StackName=spec["stack"])["Stacks"][0]["Outputs"]
url = [o["OutputValue"] for o in outputs if o["OutputKey"] == "DeadLetterQueueUrl"][0]
sqs = boto3.client("sqs", endpoint_url=endpoint)
for message in spec["messages"]:
    attributes = {"ErrorCode": {"DataType": "String", "StringValue": message["error"]}}
    sqs.send_message(QueueUrl=url, MessageBody=message["body"], MessageAttributes=attributes)
print(url)
"#;

/// Prints how many messages the queue holds: visible, then in flight.
const COUNT: &str = r#"
import sys, boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1])
a = sqs.get_queue_attributes(QueueUrl=sys.argv[2], AttributeNames=["All"])["Attributes"]
print(a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"])
"#;

fn python(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(Path::new(ROOT).join(".venv/bin/python"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        // The rig's receivers listen on this host, as a local run lists its own.
        .env("RESPONSE_URL_HOSTS", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run .venv/bin/python (scripts/setup-venv.sh installs it)");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("python output")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn succeeded(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// The script, as an operator runs it.
fn answer_dead_letters(args: &[&str]) -> String {
    let script = Path::new(ROOT).join("scripts/answer-dead-letters");
    let script = script.to_str().expect("path");
    let mut all = vec![script];
    all.extend_from_slice(args);
    let out = succeeded(python(&all, None), "answer-dead-letters");
    assert!(
        !out.contains(SECRET_SIGNATURE),
        "the ResponseURL's query string was printed:\n{out}"
    );
    out
}

fn messages_in(moto: &str, queue: &str) -> (u32, u32) {
    let out = succeeded(python(&["-c", COUNT, moto, queue], None), "count");
    let counts: Vec<u32> = out
        .split_whitespace()
        .map(|n| n.parse().expect("count"))
        .collect();
    (counts[0], counts[1])
}

/// `base` signed like S3 (SigV4): signed at `date` (`YYYYMMDDTHHMMSSZ`) for `seconds`.
fn sigv4(base: &str, date: &str, seconds: u32) -> String {
    format!(
        "{base}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={seconds}\
         &X-Amz-SignedHeaders=host&X-Amz-Signature={SECRET_SIGNATURE}"
    )
}

/// `base` signed like SigV2: valid until `expires` (epoch seconds).
fn sigv2(base: &str, expires: u64) -> String {
    format!(
        "{base}?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires={expires}&Signature={SECRET_SIGNATURE}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn stuck_requests_are_answered_failed_only_when_sent_and_still_valid() {
    let moto = moto_endpoint();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    let base = receiver.url().split('?').next().expect("base").to_owned();
    let in_an_hour = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 3600;

    let props = json!({"DestinationName": "central", "TargetArn": "arn:aws:kinesis:us-east-1:1:stream/s",
                       "RoleArn": "arn:aws:iam::1:role/r"});
    // Valid: a direct Create (SigV4, far from expiry) and an SNS-delivered Update (SigV2).
    let create = create_request(
        &sigv4(&base, "20991231T000000Z", 7200),
        "First",
        props.clone(),
    );
    let previous = create_request(&base, "Second", props.clone());
    let update = update_request(
        &previous,
        &sigv2(&base, in_an_hour),
        "central-logs",
        props.clone(),
    );
    // Expired: signed in 2020 for an hour.
    let delete = delete_request(
        &previous,
        &sigv4(&base, "20200101T000000Z", 3600),
        "central",
    );
    // No expiry in the URL: tried (S3 would refuse an expired one).
    let unsigned = create_request(&base, "Third", props.clone());
    let eventbridge =
        json!({"detail-type": "LogsDestination", "detail": {"RequestType": "Create"}});
    let messages: Vec<Value> = [
        (create.to_string(), "ReplyNotDelivered"),
        (sns_event(&update).to_string(), "ReplyNotDelivered"),
        (delete.to_string(), "ReplyNotDelivered"),
        (eventbridge.to_string(), "RequestFailed"),
        (unsigned.to_string(), "ReplyNotDelivered"),
    ]
    .into_iter()
    .map(|(body, error)| json!({"body": body, "error": error}))
    .collect();
    let stack = unique_name("provider");
    let spec = json!({"stack": stack, "messages": messages}).to_string();
    let queue = succeeded(python(&["-c", ARRANGE, &moto], Some(&spec)), "arrange")
        .trim()
        .to_owned();
    assert_eq!(messages_in(&moto, &queue), (5, 0));

    // A dry run, finding the queue through the provider stack's output: it reports and
    // changes nothing.
    let dry = answer_dead_letters(&["--stack", &stack, "--endpoint-url", &moto]);
    println!("{dry}");
    assert!(dry.contains("5 message(s)"), "{dry}");
    assert_eq!(dry.matches("would reply FAILED").count(), 3, "{dry}");
    assert_eq!(dry.matches("validity unknown").count(), 1, "{dry}");
    assert!(dry.contains(&format!(
        "PhysicalResourceId cfn-logs-destination:create-failed:{}",
        create["RequestId"].as_str().expect("id")
    )));
    assert_eq!(dry.matches("expired at").count(), 1, "{dry}");
    assert_eq!(
        dry.matches("not a CloudFormation request").count(),
        1,
        "{dry}"
    );
    assert!(receiver.puts().is_empty(), "a dry run sent a reply");
    assert_eq!(
        messages_in(&moto, &queue),
        (5, 0),
        "a dry run changed the queue"
    );

    // --send: the two valid requests are answered FAILED and their messages deleted; the
    // expired request and the EventBridge event stay, visible.
    let sent = answer_dead_letters(&[&queue, "--send", "--endpoint-url", &moto]);
    println!("{sent}");
    assert_eq!(sent.matches("replied FAILED").count(), 3, "{sent}");
    assert_eq!(sent.matches(": deleted").count(), 3, "{sent}");
    let puts = receiver.puts();
    assert_eq!(puts.len(), 3, "{sent}");
    // Matched by RequestId: SQS does not promise an order.
    let put_for = |request: &Value| {
        puts.iter()
            .find(|put| put.json()["RequestId"] == request["RequestId"])
            .unwrap_or_else(|| panic!("no reply to {}", request["RequestId"]))
    };
    for (put, request, id) in [
        (
            put_for(&create),
            &create,
            format!(
                "cfn-logs-destination:create-failed:{}",
                create["RequestId"].as_str().expect("id")
            ),
        ),
        (put_for(&update), &update, "central-logs".to_owned()),
        (
            put_for(&unsigned),
            &unsigned,
            format!(
                "cfn-logs-destination:create-failed:{}",
                unsigned["RequestId"].as_str().expect("id")
            ),
        ),
    ] {
        let reply = put.json();
        assert_eq!(reply["Status"], "FAILED", "{reply}");
        assert_eq!(reply["PhysicalResourceId"], id.as_str(), "{reply}");
        for field in ["StackId", "RequestId", "LogicalResourceId"] {
            assert_eq!(reply[field], request[field], "{field}");
        }
        let reason = reply["Reason"].as_str().expect("reason");
        assert!(
            reason.contains("provider could not process this request")
                && reason.contains("ReplyNotDelivered"),
            "{reason}"
        );
        assert!(put.body.len() <= 4096);
        assert_eq!(put.header("content-type").as_deref(), Some(""));
        assert_eq!(
            put.header("content-length"),
            Some(put.body.len().to_string())
        );
        assert_eq!(put.method, "PUT");
    }
    assert_eq!(messages_in(&moto, &queue), (2, 0), "{sent}");

    // Run again: nothing valid is left, nothing more is sent.
    let again = answer_dead_letters(&[&queue, "--send", "--endpoint-url", &moto]);
    assert!(again.contains("0 request(s) answered"), "{again}");
    assert_eq!(receiver.puts().len(), 3);

    // --delete-expired clears the expired request (nothing waits for it any more); the
    // EventBridge event is not the script's to judge and stays.
    let cleared = answer_dead_letters(&[
        &queue,
        "--send",
        "--delete-expired",
        "--endpoint-url",
        &moto,
    ]);
    assert_eq!(cleared.matches(": deleted").count(), 1, "{cleared}");
    assert_eq!(receiver.puts().len(), 3);
    assert_eq!(messages_in(&moto, &queue), (1, 0), "{cleared}");
}

/// A request whose ResponseURL is not CloudFormation's was not sent by CloudFormation: the
/// script never PUTs to it, says so, keeps the message and ends with status 1.
#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_response_url_is_refused_before_any_send() {
    let moto = moto_endpoint();
    let listed = ResponseReceiver::start(Behaviour::Accept);
    let internal = ResponseReceiver::start(Behaviour::Accept);
    let authority = |url: &str| {
        url.trim_start_matches("http://")
            .split('/')
            .next()
            .expect("host")
            .to_owned()
    };
    let internal_url = format!(
        "http://{}/internal/admin/api?X-Amz-Signature={SECRET_SIGNATURE}",
        authority(&internal.url())
    );
    let props = json!({"DestinationName": "central"});
    let foreign = create_request(&internal_url, "Foreign", props.clone());
    let outside = create_request(
        "https://attacker.s3.amazonaws.com/reply?X-Amz-Signature=x",
        "Outside",
        props.clone(),
    );
    let base = listed.url().split('?').next().expect("base").to_owned();
    let genuine = create_request(&sigv4(&base, "20991231T000000Z", 7200), "Genuine", props);
    let messages: Vec<Value> = [&foreign, &outside, &genuine]
        .into_iter()
        .map(|request| json!({"body": request.to_string(), "error": "ReplyNotDelivered"}))
        .collect();
    let spec = json!({"stack": unique_name("provider"), "messages": messages}).to_string();
    let queue = succeeded(python(&["-c", ARRANGE, &moto], Some(&spec)), "arrange")
        .trim()
        .to_owned();
    let script = Path::new(ROOT).join("scripts/answer-dead-letters");
    let hosts = authority(&listed.url());
    let run = python(
        &[
            script.to_str().expect("path"),
            &queue,
            "--send",
            "--endpoint-url",
            &moto,
            "--response-url-hosts",
            &hosts,
        ],
        None,
    );
    let out = stdout(&run);
    println!("{out}");
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert_eq!(out.matches("is not CloudFormation's").count(), 2, "{out}");
    assert!(out.contains("2 refused ResponseURL(s)"), "{out}");
    assert!(!out.contains(SECRET_SIGNATURE), "{out}");
    assert!(internal.requests().is_empty(), "{:?}", internal.requests());
    assert_eq!(listed.puts().len(), 1, "{out}");
    assert_eq!(listed.puts()[0].json()["RequestId"], genuine["RequestId"]);
    assert_eq!(messages_in(&moto, &queue), (2, 0), "{out}");
}
