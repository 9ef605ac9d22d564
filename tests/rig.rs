//! Tests of the integration-test rig itself (tests/support). None of them
//! needs the function binary, so they can pass before `src/` is written.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// One raw HTTP/1.1 exchange (`Connection: close`): returns the whole answer,
/// or `None` if none came within `timeout`. Raw on purpose: the rig must work
/// with exactly the bytes a client sends (empty Content-Type and all).
async fn raw_http(addr: &str, request: &[u8], timeout: Duration) -> Option<String> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    match tokio::time::timeout(timeout, stream.read_to_end(&mut answer)).await {
        Ok(Ok(_)) if !answer.is_empty() => Some(String::from_utf8_lossy(&answer).into_owned()),
        _ => None,
    }
}

fn host_port(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    rest.split('/').next().unwrap().to_string()
}

fn path_and_query(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    rest[rest.find('/').unwrap()..].to_string()
}

#[tokio::test]
async fn fault_proxy_forwards_to_moto_and_records_operations() {
    let moto = moto_endpoint();
    let proxy = FaultProxy::start(&moto);
    let via_proxy = logs_client(&proxy.endpoint());
    let name = unique_name("rig-forward");

    via_proxy
        .put_destination()
        .destination_name(&name)
        .target_arn("arn:aws:kinesis:us-east-1:123456789012:stream/rig")
        .role_arn("arn:aws:iam::123456789012:role/rig")
        .send()
        .await
        .expect("PutDestination through the proxy");
    let found = via_proxy
        .describe_destinations()
        .destination_name_prefix(&name)
        .send()
        .await
        .expect("DescribeDestinations through the proxy");
    let names: Vec<_> = found
        .destinations()
        .iter()
        .filter_map(|d| d.destination_name())
        .collect();
    assert_eq!(names, [name.as_str()]);
    assert_eq!(proxy.calls(), ["PutDestination", "DescribeDestinations"]);
    assert_eq!(proxy.count("PutDestination"), 1);

    // The destination really is in moto, not just in the proxy's answer.
    let direct = logs_client(&moto)
        .describe_destinations()
        .destination_name_prefix(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.destinations().len(), 1);
    assert_eq!(proxy.calls().len(), 2, "direct calls bypass the proxy");
}

#[tokio::test]
async fn fault_proxy_fail_rule_answers_aws_errors_then_forwards() {
    let proxy = FaultProxy::start(&moto_endpoint());
    let client = logs_client_with_retries(&proxy.endpoint(), 1);
    proxy.fail(
        "DescribeDestinations",
        2,
        400,
        "ThrottlingException",
        "Rate exceeded",
    );

    for attempt in 1..=2 {
        let err = client
            .describe_destinations()
            .send()
            .await
            .expect_err("throttled");
        let err = err.into_service_error();
        assert_eq!(err.meta().code(), Some("ThrottlingException"), "{attempt}");
        assert_eq!(err.meta().message(), Some("Rate exceeded"));
    }
    client
        .describe_destinations()
        .send()
        .await
        .expect("third call is forwarded");
    assert_eq!(proxy.count("DescribeDestinations"), 3);

    // Other operations are untouched; "always" rules never run out.
    proxy.fail(
        "DeleteDestination",
        Times::Always,
        500,
        "ServiceUnavailableException",
        "down",
    );
    for _ in 0..3 {
        let err = client
            .delete_destination()
            .destination_name(unique_name("rig-missing"))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_service_unavailable_exception(), "{err:?}");
    }
    assert_eq!(proxy.count("DeleteDestination"), 3);
}

#[tokio::test]
async fn fault_proxy_hang_and_delay() {
    let proxy = FaultProxy::start(&moto_endpoint());
    proxy.delay("DescribeDestinations", Duration::from_millis(300));
    let client = logs_client_with_retries(&proxy.endpoint(), 1);
    let started = Instant::now();
    client.describe_destinations().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    proxy.hang("ListTagsForResource");
    let call = client
        .list_tags_for_resource()
        .resource_arn("arn:aws:logs:us-east-1:123456789012:destination:x")
        .send();
    assert!(tokio::time::timeout(Duration::from_millis(500), call)
        .await
        .is_err());
    assert!(
        proxy
            .wait_for_count("ListTagsForResource", 1, Duration::from_secs(1))
            .await
    );
}

#[tokio::test]
async fn fault_proxy_records_answer_times_and_round_trips() {
    let proxy = FaultProxy::start(&moto_endpoint());
    let hold = Duration::from_millis(50);
    proxy.delay("*", hold);
    let east = logs_client_in("us-east-1", &proxy.endpoint(), 1);
    let west = logs_client_in("us-west-2", &proxy.endpoint(), 1);

    // Two calls at once, then one sent after both answered: two round trips.
    let (a, b) = tokio::join!(
        east.describe_destinations().send(),
        west.describe_destinations().send()
    );
    a.unwrap();
    b.unwrap();
    east.describe_destinations().send().await.unwrap();

    let spans = proxy.call_spans();
    assert_eq!(spans.len(), 3);
    for span in &spans {
        let answered = span.answered.expect("every call was answered");
        assert!(answered - span.arrived >= hold, "{span:?}");
    }
    let regions: Vec<&str> = spans.iter().map(|s| s.region.as_str()).collect();
    assert!(regions[..2].contains(&"us-west-2"), "{regions:?}");
    assert_eq!(regions[2], "us-east-1");
    assert_eq!(round_trips(&spans), 2);
    let by_region = round_trips_by_region(&spans);
    assert_eq!(by_region["us-east-1"], 2);
    assert_eq!(by_region["us-west-2"], 1);

    // A held call is never answered, and ends its chain.
    proxy.clear_rules();
    proxy.hang("ListTagsForResource");
    let call = east
        .list_tags_for_resource()
        .resource_arn("arn:aws:logs:us-east-1:123456789012:destination:x")
        .send();
    assert!(tokio::time::timeout(Duration::from_millis(200), call)
        .await
        .is_err());
    let spans = proxy.call_spans();
    assert_eq!(spans.len(), 4);
    assert!(spans[3].answered.is_none());
    assert_eq!(round_trips(&spans), 3);
}

#[test]
fn round_trips_count_the_longest_chain_of_calls_that_waited_for_each_other() {
    let start = Instant::now();
    let ms = |n: u64| start + Duration::from_millis(n);
    let call = |region: &str, from: u64, to: Option<u64>| CallSpan {
        op: "DescribeDestinations".into(),
        region: region.into(),
        arrived: ms(from),
        answered: to.map(ms),
    };
    assert_eq!(round_trips(&[]), 0);
    // Overlapping calls are one round trip, in whatever order they are listed.
    assert_eq!(
        round_trips(&[call("a", 0, Some(10)), call("a", 1, Some(12))]),
        1
    );
    // Answered, then sent: sequential, also at the same instant.
    assert_eq!(
        round_trips(&[call("a", 10, Some(20)), call("a", 0, Some(10))]),
        2
    );
    // The longest chain counts, not the number of calls or of gaps: 0-10 then 11-20 then
    // 21-30 is three; 0-25 overlaps the first two and starts no chain of its own.
    let calls = [
        call("a", 0, Some(10)),
        call("a", 0, Some(25)),
        call("a", 11, Some(20)),
        call("a", 21, Some(30)),
    ];
    assert_eq!(round_trips(&calls), 3);
    // A call never answered is a round trip that nothing follows.
    assert_eq!(round_trips(&[call("a", 0, None), call("a", 5, Some(6))]), 1);
    // By Region: a chain that runs through another Region's call is not counted there.
    let calls = [
        call("a", 0, Some(10)),
        call("b", 11, Some(20)),
        call("a", 21, Some(30)),
    ];
    assert_eq!(round_trips(&calls), 3);
    let by_region = round_trips_by_region(&calls);
    assert_eq!(by_region["a"], 2);
    assert_eq!(by_region["b"], 1);
}

#[tokio::test]
async fn black_hole_accepts_and_never_answers() {
    let hole = BlackHole::start();
    let answer = raw_http(
        &hole.address(),
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(answer, None);
    assert_eq!(hole.connections(), 1);
}

#[tokio::test]
async fn receiver_fails_first_n_then_accepts_and_records_everything() {
    let receiver = ResponseReceiver::start(Behaviour::FailFirst {
        count: 1,
        status: 500,
    });
    let url = receiver.url();
    assert!(url.contains(SECRET_SIGNATURE));
    let body = r#"{"Status":"FAILED","Reason":"café ☕"}"#;
    // Empty Content-Type and a byte-counted Content-Length, as CloudFormation
    // requires of the function.
    let request = format!(
        "PUT {} HTTP/1.1\r\nHost: {}\r\nContent-Type: \r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        path_and_query(&url),
        host_port(&url),
        body.len()
    );

    let first = raw_http(&host_port(&url), request.as_bytes(), WAIT).await;
    assert!(first.unwrap().starts_with("HTTP/1.1 500"));
    let second = raw_http(&host_port(&url), request.as_bytes(), WAIT).await;
    assert!(second.unwrap().starts_with("HTTP/1.1 200"));

    let puts = receiver.wait_for_puts(2, WAIT).await;
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[0].answered, Answered::Status(500));
    assert_eq!(puts[1].answered, Answered::Status(200));
    let put = &puts[1];
    assert_eq!(put.method, "PUT");
    assert!(put.path.starts_with("/cfn-response/"));
    assert!(put.query.as_deref().unwrap().ends_with(SECRET_SIGNATURE));
    assert_eq!(put.header("content-type").as_deref(), Some(""));
    assert_eq!(put.header("content-length"), Some(body.len().to_string()));
    assert_eq!(put.body.as_ref(), body.as_bytes());
    assert_eq!(put.json()["Reason"], "café ☕");
}

#[tokio::test]
async fn receiver_hang_records_and_never_answers() {
    let receiver = ResponseReceiver::start(Behaviour::Hang);
    let url = receiver.url();
    let request = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}",
        path_and_query(&url)
    );
    let answer = raw_http(
        &host_port(&url),
        request.as_bytes(),
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(answer, None);
    let puts = receiver.wait_for_puts(1, WAIT).await;
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].answered, Answered::Hung);
    assert_eq!(puts[0].json(), json!({}));
    // A bounded wait for more returns what there is.
    assert_eq!(
        receiver
            .wait_for_puts(2, Duration::from_millis(100))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn runtime_api_hands_out_event_and_records_response() {
    let api = RuntimeApi::start();
    let addr = api.address();
    let event = cfn_request(
        "Create",
        "http://127.0.0.1:9/x",
        "Dest",
        json!({"DestinationName": "d"}),
    );

    // A bare-bones runtime: one GET next, one POST response.
    let runtime = async {
        let next = raw_http(
            &addr,
            b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            WAIT,
        )
        .await
        .expect("an event");
        let (head, body) = next.split_once("\r\n\r\n").unwrap();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or_else(|| panic!("no {name} in {head}"))
                .to_string()
        };
        let id = header("lambda-runtime-aws-request-id");
        let reply = json!({"got": serde_json::from_str::<Value>(body).unwrap()}).to_string();
        let post = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        let answer = raw_http(&addr, post.as_bytes(), WAIT).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
        (
            header("lambda-runtime-deadline-ms"),
            header("lambda-runtime-invoked-function-arn"),
            header("lambda-runtime-trace-id"),
        )
    };
    let (inv, (deadline, arn, trace)) =
        tokio::join!(api.invoke(event.clone(), Duration::from_secs(60)), runtime);

    assert_eq!(inv.outcome, Outcome::Response(json!({"got": event})));
    assert_eq!(arn, DEFAULT_FUNCTION_ARN);
    assert!(trace.starts_with("Root=1-"));
    assert_eq!(deadline, inv.deadline_header);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let deadline_ms: u64 = deadline.parse().unwrap();
    assert!(deadline_ms > now_ms + 50_000 && deadline_ms <= now_ms + 60_000);
    assert!(inv.handed_out_at.is_some());
    assert!(inv.answered_at.unwrap() < inv.deadline.unwrap());
    assert_eq!(api.polls(), 1);
    assert_eq!(api.posts().len(), 1);
}

#[tokio::test]
async fn runtime_api_reports_no_answer_in_bounded_time() {
    let api = RuntimeApi::start();
    let started = Instant::now();
    let inv = api
        .invoke_with_deadline_header(json!({}), "0", Duration::from_millis(200))
        .await;
    assert_eq!(inv.outcome, Outcome::NoAnswer);
    assert_eq!(inv.handed_out_at, None);
    assert_eq!(inv.deadline_header, "0");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Handler for [`lambda_runtime_echo_child`].
async fn echo(event: lambda_runtime::LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    if event.payload.get("fail").is_some() {
        return Err("asked to fail".into());
    }
    Ok(json!({
        "event": event.payload,
        "request_id": event.context.request_id,
        "deadline": event.context.deadline,
        "arn": event.context.invoked_function_arn,
    }))
}

/// Not a test on its own: the process that
/// `runtime_api_works_with_the_lambda_runtime_crate` starts, running the real
/// `lambda_runtime` client (keep-alive, long poll) against the RuntimeApi.
#[tokio::test]
#[ignore = "child process of runtime_api_works_with_the_lambda_runtime_crate"]
async fn lambda_runtime_echo_child() {
    if std::env::var_os("RIG_ECHO_CHILD").is_none() {
        return;
    }
    lambda_runtime::run(lambda_runtime::service_fn(echo))
        .await
        .unwrap();
}

#[tokio::test]
async fn runtime_api_works_with_the_lambda_runtime_crate() {
    let api = RuntimeApi::start();
    let child = Function::builder(&api.address(), "http://127.0.0.1:9")
        .program(
            std::env::current_exe().unwrap(),
            &[
                "--exact",
                "lambda_runtime_echo_child",
                "--ignored",
                "--nocapture",
            ],
        )
        .env("RIG_ECHO_CHILD", "1")
        .spawn();
    assert!(api.wait_for_polls(1, WAIT).await, "{}", child.logs());

    // Several events over the runtime's pooled keep-alive connection.
    for i in 0..3 {
        let inv = api.invoke(json!({"n": i}), WAIT).await;
        let Outcome::Response(v) = &inv.outcome else {
            panic!("{inv:?}\n{}", child.logs());
        };
        assert_eq!(v["event"], json!({"n": i}));
        assert_eq!(v["request_id"], json!(inv.request_id));
        assert_eq!(v["arn"], DEFAULT_FUNCTION_ARN);
        assert_eq!(v["deadline"].to_string(), inv.deadline_header);
    }

    let inv = api.invoke(json!({"fail": true}), WAIT).await;
    let Outcome::Error(err) = &inv.outcome else {
        panic!("{inv:?}");
    };
    assert_eq!(err["errorMessage"], "asked to fail");

    api.set_function_arn("arn:aws:lambda:us-east-1:123456789012:function:other");
    let inv = api
        .invoke_with_deadline_header(json!({"zero": 1}), "0", WAIT)
        .await;
    let Outcome::Response(v) = &inv.outcome else {
        panic!("{inv:?}");
    };
    assert_eq!(v["deadline"], 0);
    assert!(v["arn"].as_str().unwrap().ends_with(":other"));

    assert!(api.posts().iter().all(|p| p.status == 202));
    assert!(api.init_errors().is_empty());
    assert!(
        api.wait_for_polls(6, WAIT).await,
        "polls again after each answer"
    );
    assert_eq!(child.exited(), None);
}

#[test]
fn cfn_requests_look_like_cloudformation_ones() {
    let create = cfn_request(
        "Create",
        "http://127.0.0.1:9/r",
        "Dest",
        json!({"DestinationName": "d", "ForceUpdate": "true"}),
    );
    assert_eq!(create["ResourceType"], "Custom::LogsDestination");
    assert_eq!(
        create["ResourceProperties"]["ServiceToken"],
        create["ServiceToken"]
    );
    assert!(create["StackId"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:cloudformation:us-east-1:123456789012:stack/test-stack/"));
    assert!(create.get("PhysicalResourceId").is_none());

    let update = update_request(
        &create,
        "http://127.0.0.1:9/u",
        "d",
        json!({"DestinationName": "d2"}),
    );
    assert_eq!(update["RequestType"], "Update");
    assert_eq!(update["StackId"], create["StackId"]);
    assert_ne!(update["RequestId"], create["RequestId"]);
    assert_eq!(update["PhysicalResourceId"], "d");
    assert_eq!(
        update["OldResourceProperties"],
        create["ResourceProperties"]
    );
    assert_eq!(update["ResourceProperties"]["DestinationName"], "d2");

    let delete = delete_request(&update, "http://127.0.0.1:9/d", "d");
    assert_eq!(delete["RequestType"], "Delete");
    assert!(delete.get("OldResourceProperties").is_none());
    assert_eq!(delete["ResourceProperties"], update["ResourceProperties"]);

    let sns = sns_event(&delete);
    let message = sns["Records"][0]["Sns"]["Message"].as_str().unwrap();
    assert_eq!(serde_json::from_str::<Value>(message).unwrap(), delete);
}
