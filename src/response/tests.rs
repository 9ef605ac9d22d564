//! Unit tests of [`super`]: the reply body and its 4096-byte limit, the plain-HTTP connector and
//! the redaction of the ResponseURL.

use super::*;

fn target() -> ReplyTarget {
    ReplyTarget {
        response_url: "https://example.invalid/x?sig=1".into(),
        stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
        request_id: "req".into(),
        logical_resource_id: "Destination".into(),
    }
}

fn failed(reason: String) -> Reply {
    Reply {
        status: Status::Failed,
        reason: Some(reason),
        reason_suffix: Some(" (logs: group g)".into()),
        physical_resource_id: "name".into(),
        data: BTreeMap::new(),
    }
}

#[test]
fn body_copies_the_request_fields_back() {
    let body = failed("nope".into()).body(&target());
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["Status"], "FAILED");
    assert_eq!(json["Reason"], "nope (logs: group g)");
    assert_eq!(json["PhysicalResourceId"], "name");
    assert_eq!(json["RequestId"], "req");
    assert_eq!(json["LogicalResourceId"], "Destination");
    assert_eq!(json["StackId"], target().stack_id);
}

#[test]
fn long_reasons_are_shortened_to_fit_on_a_char_boundary() {
    for reason in [
        "é".repeat(5000),
        "\"\\\n".repeat(3000),
        "x".repeat(20_000),
        "€".repeat(4000),
        "\u{1}a".repeat(3000),
    ] {
        let body = failed(reason.clone()).body(&target());
        assert!(body.len() <= MAX_BODY_BYTES, "{} bytes", body.len());
        let json: serde_json::Value = serde_json::from_slice(&body).expect("valid json");
        let kept = json["Reason"].as_str().expect("reason");
        let kept = kept
            .strip_suffix(" (logs: group g)")
            .expect("suffix kept whole");
        assert!(kept.ends_with(TRUNCATION_MARK));
        assert!(reason.starts_with(kept.trim_end_matches(TRUNCATION_MARK)));
        assert!(
            body.len() > MAX_BODY_BYTES - 8,
            "shortened more than needed: {}",
            body.len()
        );
    }
}

#[test]
fn a_reply_that_cannot_fit_becomes_a_short_failure() {
    let mut reply = failed("short".into());
    reply.status = Status::Success;
    reply.data.insert("Huge".into(), "x".repeat(5000));
    let body = reply.body(&target());
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert!(body.len() <= MAX_BODY_BYTES);
    assert_eq!(json["Status"], "FAILED");
    assert!(json["Reason"]
        .as_str()
        .expect("reason")
        .contains("4096-byte"));
}

/// Found by the property tests (tests/generated_values.rs): a hostile payload's ids alone
/// exceeded the limit, and so did the fallback.
#[test]
fn a_reply_whose_echoed_ids_are_too_long_is_cut_to_fit() {
    let mut target = target();
    target.request_id = "\u{a1}".repeat(2100);
    target.stack_id = "\"".repeat(1000);
    let mut reply = failed("short".into());
    reply.physical_resource_id = "d".repeat(3000);
    let body = reply.body(&target);
    assert!(body.len() <= MAX_BODY_BYTES, "{} bytes", body.len());
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["Status"], "FAILED");
    let request_id = json["RequestId"].as_str().expect("request id");
    assert!(target.request_id.starts_with(request_id) && !request_id.is_empty());
}

#[test]
fn a_success_without_reason_omits_the_field() {
    let mut reply = failed("unused".into());
    reply.status = Status::Success;
    reply.reason = None;
    reply.reason_suffix = None;
    let json: serde_json::Value = serde_json::from_slice(&reply.body(&target())).expect("json");
    assert_eq!(json["Status"], "SUCCESS");
    assert!(json.get("Reason").is_none(), "{json}");
}

#[test]
fn plain_http_never_waits_for_the_trust_store() {
    let sender = ReplySender::new();
    sender.connector_for("http://127.0.0.1:9/x?sig=1");
    sender.connector_for("HTTP://127.0.0.1:9/x");
    assert!(sender.plain.get().is_some());
    assert!(
        sender.connector.get().is_none(),
        "the TLS connector (and its trust store) was built for a plain HTTP URL"
    );
    sender.connector_for("https://127.0.0.1:9/x");
    assert!(sender.connector.get().is_some());
}

#[test]
fn redaction_drops_the_query_string() {
    assert_eq!(
        redacted("https://bucket.s3.amazonaws.com/path/x?X-Amz-Signature=abc"),
        "https://bucket.s3.amazonaws.com/path/x"
    );
}

#[tokio::test]
async fn a_url_the_hosts_refuse_is_never_called() {
    let sender = ReplySender::with_hosts(ResponseHosts::new("us-east-1", "localhost"));
    let until = Instant::now() + Duration::from_secs(5);
    let delivery = sender
        .send(
            "http://127.0.0.1:9/internal?sig=1",
            b"{}".to_vec(),
            until,
            MAX_ATTEMPTS,
        )
        .await;
    assert_eq!(delivery.attempts, 0);
    let error = delivery.outcome.unwrap_err().0;
    assert!(error.contains("is not CloudFormation's"), "{error}");
    assert!(sender.connector.get().is_none() && sender.plain.get().is_none());
}
