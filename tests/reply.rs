//! The reply CloudFormation waits for, through the compiled binary: its HTTP shape (PUT, empty
//! Content-Type, byte-counted Content-Length, at most 4096 bytes), its retries, what happens
//! when it cannot be delivered, the fields it copies back, the signature it must never log,
//! and the requests that are answered although they are broken.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_reply_is_a_put_with_empty_content_type_and_a_length_in_bytes() {
    let stack = Stack::start();
    let name = "café:lögs";
    let request = create_request(&stack.url(), "Destination", props(name));
    let answer = stack.fail(&request).await;
    let put = &answer.puts[0];
    assert_eq!(put.method, "PUT");
    assert_eq!(put.header("content-type").as_deref(), Some(""));
    let body = put.body_str();
    assert_eq!(
        put.header("content-length"),
        Some(put.body.len().to_string()),
        "Content-Length must count bytes"
    );
    assert!(
        put.body.len() > body.chars().count(),
        "the body should hold multi-byte text: {body}"
    );
    assert!(
        answer
            .reason()
            .contains("DestinationName must not contain ':' or '*'")
            && answer.reason().contains(name),
        "{}",
        answer.reason()
    );
    // The request's query string (the signature) reaches the receiver untouched.
    assert!(put
        .query
        .as_deref()
        .unwrap_or_default()
        .ends_with(SECRET_SIGNATURE));
    assert_eq!(answer.calls, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_reason_is_shortened_to_fit_4096_bytes() {
    let stack = Stack::start();
    // 49 tags, each with a long invalid key (echoed in the Reason) and a too-long value.
    let tags: Vec<Value> = (0..49)
        .map(|i| json!({"Key": format!("{i:02}#{}", "ü".repeat(120)), "Value": "v".repeat(300)}))
        .collect();
    let request = create_request(
        &stack.url(),
        "Destination",
        props_with(&unique_name("huge-reason"), "Tags", json!(tags)),
    );
    let answer = stack.fail(&request).await;
    let put = &answer.puts[0];
    assert!(put.body.len() <= 4096, "{} bytes", put.body.len());
    assert_eq!(
        put.header("content-length"),
        Some(put.body.len().to_string())
    );
    let reason = answer.reason();
    assert!(
        reason.starts_with("Invalid resource properties: Tags[0].Key \"00#ü"),
        "{reason}"
    );
    assert!(reason.contains("[truncated]"), "{reason}");
    // Where to find the whole story survives the cut.
    assert!(reason.contains(LOG_GROUP), "{reason}");
    assert!(answer.physical_id().contains(':'), "{}", answer.reply);
    assert_eq!(answer.calls, Vec::<String>::new());
    // The whole Reason is in the function's log (read from its pipe by another thread: wait).
    assert!(
        stack
            .function
            .wait_for_log("Tags[48].Value", Duration::from_secs(5))
            .await,
        "{}",
        stack.function.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reply_is_retried_after_server_errors() {
    let stack = Stack::start();
    let receiver = ResponseReceiver::start(Behaviour::FailFirst {
        count: 2,
        status: 500,
    });
    let name = unique_name("reply-retried");
    let request = create_request(&receiver.url(), "Destination", props(&name));
    let invocation = stack.runtime.invoke(request, DEADLINE).await;
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}\n{}",
        invocation.outcome,
        stack.function.logs()
    );
    let puts = receiver.puts();
    let answered: Vec<Answered> = puts.iter().map(|p| p.answered).collect();
    assert_eq!(
        answered,
        [
            Answered::Status(500),
            Answered::Status(500),
            Answered::Status(200)
        ]
    );
    assert!(puts.iter().all(|p| p.body == puts[0].body));
    let reply = puts[2].json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    // The destination was created once, not once per delivery attempt.
    assert_eq!(stack.proxy.count("PutDestination"), 1);
    assert!(!stack.function.logs().contains(SECRET_SIGNATURE));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_that_is_refused_ends_the_invocation_in_error_so_lambda_retries() {
    let stack = Stack::start();
    let receiver = ResponseReceiver::start(Behaviour::FailFirst {
        count: usize::MAX,
        status: 403,
    });
    let name = unique_name("reply-refused");
    let request = create_request(&receiver.url(), "Destination", props(&name));
    let invocation = stack.runtime.invoke(request.clone(), DEADLINE).await;
    let Outcome::Error(error) = &invocation.outcome else {
        panic!(
            "expected an invocation error, got {:?}\n{}",
            invocation.outcome,
            stack.function.logs()
        );
    };
    assert!(error.to_string().contains("403"), "{error}");
    let puts = receiver.puts();
    assert!(!puts.is_empty() && puts.len() <= 5, "{} PUTs", puts.len());
    assert!(
        !stack.function.logs().contains(SECRET_SIGNATURE),
        "the query string was logged:\n{}",
        stack.function.logs()
    );

    // Lambda's retry of the same request, once the URL works: still one destination, and
    // the same answer a first delivery would have had.
    let mut retry = request;
    retry["ResponseURL"] = json!(stack.url());
    let answer = stack.succeed(&retry).await;
    assert_eq!(answer.physical_id(), name);
    assert_eq!(
        names_with_prefix(&stack.logs, &name).await,
        std::slice::from_ref(&name)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_that_keeps_failing_gives_up_in_bounded_time() {
    let stack = Stack::start();
    let receiver = ResponseReceiver::start(Behaviour::FailFirst {
        count: usize::MAX,
        status: 503,
    });
    let request = create_request(
        &receiver.url(),
        "Destination",
        props(&unique_name("reply-503")),
    );
    let invocation = stack.runtime.invoke(request, DEADLINE).await;
    assert!(
        matches!(invocation.outcome, Outcome::Error(_)),
        "{:?}",
        invocation.outcome
    );
    let puts = receiver.puts();
    assert!(
        puts.len() >= 3,
        "transient failures were not retried: {}",
        puts.len()
    );
    let took = invocation.answered_at.expect("answered") - invocation.queued_at;
    assert!(took < Duration::from_secs(25), "{took:?}");
    assert!(!stack.function.logs().contains(SECRET_SIGNATURE));
}

#[tokio::test(flavor = "multi_thread")]
async fn request_fields_are_copied_back_verbatim() {
    let stack = Stack::start();
    let name = unique_name("verbatim");
    let mut request = create_request(&stack.url(), "MyDestination01", props(&name));
    request["StackId"] = json!(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/Prod-Logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f"
    );
    request["RequestId"] = json!(format!("{}-\"quoted\"-é", uuid_like()));
    // Stack::send compares the three fields with the request's on every reply.
    let answer = stack.succeed(&request).await;
    assert_eq!(answer.reply["StackId"], request["StackId"]);
    assert_eq!(answer.reply["RequestId"], request["RequestId"]);
    assert_eq!(answer.reply["LogicalResourceId"], "MyDestination01");

    let delete = delete_request(&request, &stack.url(), &name);
    let answer = stack.succeed(&delete).await;
    assert_eq!(answer.reply["RequestId"], delete["RequestId"]);
    assert_ne!(delete["RequestId"], request["RequestId"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_reason_says_where_the_logs_are() {
    let stack = Stack::start();
    let request = create_request(
        &stack.url(),
        "Destination",
        props_with(&unique_name("log-location"), "ForceUpdate", json!("yes")),
    );
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().contains(&format!("log group {LOG_GROUP}")),
        "{}",
        answer.reason()
    );
    assert!(
        answer.reason().contains("2026/11/26/[$LATEST]test"),
        "the log stream is missing: {}",
        answer.reason()
    );
}

/// Creates, fails, and fails to reply, then checks the logs for the signature.
async fn assert_signature_never_logged(stack: &Stack) {
    let name = unique_name("secret");
    let (create, _) = stack.create("Destination", props(&name)).await;
    let bad = create_request(&stack.url(), "Destination", props("secret:name"));
    stack.fail(&bad).await;
    let refused = ResponseReceiver::start(Behaviour::FailFirst {
        count: usize::MAX,
        status: 403,
    });
    let delete = delete_request(&create, &refused.url(), &name);
    let invocation = stack.runtime.invoke(delete, DEADLINE).await;
    assert!(matches!(invocation.outcome, Outcome::Error(_)));
    let unreachable = ResponseReceiver::start(Behaviour::FailFirst {
        count: 1,
        status: 500,
    });
    let upsert = {
        let mut request = create_request(&unreachable.url(), "Destination", props(&name));
        request["RequestType"] = json!("Upsert");
        request
    };
    stack.runtime.invoke(upsert, DEADLINE).await;
    assert_eq!(unreachable.puts().len(), 2);

    let logs = stack.function.logs();
    assert!(!logs.is_empty());
    assert!(
        !logs.contains(SECRET_SIGNATURE) && !logs.contains("X-Amz-Credential"),
        "the ResponseURL's query string was logged:\n{logs}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_response_url_signature_is_never_logged() {
    assert_signature_never_logged(&Stack::start()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_response_url_signature_is_not_logged_at_debug_level_either() {
    // Lambda's advanced logging controls set this; users turn it up to investigate.
    let stack = Stack::start_with(|builder| builder.env("AWS_LAMBDA_LOG_LEVEL", "DEBUG"));
    assert_signature_never_logged(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_request_type_still_gets_a_failed_reply() {
    let stack = Stack::start();
    let mut request = create_request(&stack.url(), "Destination", props(&unique_name("upsert")));
    request["RequestType"] = json!("Upsert");
    let answer = stack.fail(&request).await;
    assert!(
        answer
            .reason()
            .contains("not a valid CloudFormation custom resource request"),
        "{}",
        answer.reason()
    );
    assert!(answer.physical_id().contains(':'), "{}", answer.reply);
    assert_eq!(answer.calls, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_properties_that_are_not_an_object_get_a_failed_reply() {
    let stack = Stack::start();
    let mut request = create_request(&stack.url(), "Destination", json!({}));
    request["ResourceProperties"] = json!("DestinationName=central");
    let answer = stack.fail(&request).await;
    assert!(
        answer.reason().contains("ResourceProperties"),
        "{}",
        answer.reason()
    );
    assert!(answer.physical_id().contains(':'), "{}", answer.reply);
    assert_eq!(answer.calls, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_update_keeps_its_physical_id() {
    // Answering a new id would tell CloudFormation the destination was replaced, and its
    // cleanup would delete the live one.
    let stack = Stack::start();
    let name = unique_name("malformed-update");
    let (create, _) = stack.create("Destination", props(&name)).await;
    let before = existing(&stack.logs, &name).await;
    for broken in [
        // Properties that are no object.
        json!({"ResourceProperties": "TargetArn=x"}),
        // No OldResourceProperties at all.
        json!({"OldResourceProperties": null}),
    ] {
        let mut update = update_request(&create, &stack.url(), &name, props(&name));
        for (key, value) in broken.as_object().expect("object") {
            if value.is_null() {
                update.as_object_mut().map(|o| o.remove(key));
            } else {
                update[key] = value.clone();
            }
        }
        let answer = stack.send(&update).await;
        assert_eq!(answer.physical_id(), name, "{}", answer.reply);
        if answer.status() == "FAILED" {
            assert_eq!(writes_of(&answer.calls), 0, "{:?}", answer.calls);
        }
    }
    assert_eq!(existing(&stack.logs, &name).await, before);
}

fn writes_of(calls: &[String]) -> usize {
    calls
        .iter()
        .filter(|op| !op.starts_with("Describe") && !op.starts_with("List"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswerable_payload_ends_in_error_and_the_function_keeps_serving() {
    let stack = Stack::start();
    for payload in [
        json!({"hello": "world"}),
        json!({"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
               "LogicalResourceId": "Destination"}),
        json!([1, 2, 3]),
    ] {
        let answer = stack.invoke(&payload).await;
        assert!(
            matches!(answer.invocation.outcome, Outcome::Error(_)),
            "{payload}: {:?}",
            answer.invocation.outcome
        );
        assert!(answer.puts.is_empty());
        assert_eq!(answer.calls, Vec::<String>::new());
    }
    assert_eq!(stack.function.exited(), None, "the function process ended");
    let name = unique_name("after-garbage");
    let (_, answer) = stack.create("Destination", props(&name)).await;
    assert_eq!(answer.physical_id(), name);
}

/// At TRACE, `lambda_runtime` itself would log every raw event, ResponseURL included ("raw
/// JSON event received from Lambda"); `main.rs` keeps that target at DEBUG.
#[tokio::test(flavor = "multi_thread")]
async fn the_response_url_signature_is_not_logged_at_trace_level_either() {
    let stack = Stack::start_with(|builder| builder.env("AWS_LAMBDA_LOG_LEVEL", "TRACE"));
    assert_signature_never_logged(&stack).await;
}
