//! Unit tests of [`super`]: the EMF document, throttling detection and the per-request counters.

use super::*;

fn request(succeeded: bool) -> RequestFigures {
    RequestFigures {
        request_type: "Create".into(),
        source: Source::Sns,
        succeeded,
        duration_ms: 12.346,
        aws_calls: 4,
        retries: 1,
        reply_attempts: 2,
        throttled: 1,
        regions: 1,
        refused: None,
    }
}

fn directive(document: &Value, n: usize) -> &Value {
    &document["_aws"]["CloudWatchMetrics"][n]
}

/// Every metric a directive names must be a number at the root, and every dimension a
/// string there: CloudWatch drops a document that breaks either rule.
fn assert_valid_emf(document: &Value) {
    let directives = document["_aws"]["CloudWatchMetrics"]
        .as_array()
        .expect("directives");
    assert!(!directives.is_empty());
    assert!(document["_aws"]["Timestamp"].is_u64());
    for d in directives {
        for metric in d["Metrics"].as_array().expect("metrics") {
            let name = metric["Name"].as_str().expect("name");
            assert!(document[name].is_number(), "{name} in {document}");
        }
        for set in d["Dimensions"].as_array().expect("dimension sets") {
            for key in set.as_array().expect("dimension set") {
                let key = key.as_str().expect("dimension name");
                assert!(document[key].is_string(), "{key} in {document}");
            }
        }
    }
}

#[test]
fn a_request_is_one_directive_by_request_type_and_source_and_without_dimensions() {
    let figures = Figures {
        request: Some(request(true)),
        error: None,
    };
    let doc = document("ns", 1_700_000_000_000, &figures);
    assert_valid_emf(&doc);
    assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000u64);
    assert_eq!(
        doc["_aws"]["CloudWatchMetrics"].as_array().map(Vec::len),
        Some(1)
    );
    let d = directive(&doc, 0);
    assert_eq!(d["Namespace"], "ns");
    assert_eq!(d["Dimensions"], json!([["RequestType", "Source"], []]));
    let names: Vec<&str> = d["Metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .filter_map(|m| m["Name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Succeeded",
            "Failed",
            "Duration",
            "AwsCalls",
            "Retries",
            "ReplyAttempts",
            "Throttled",
            "Regions"
        ]
    );
    assert_eq!(
        d["Metrics"][2],
        json!({"Name": "Duration", "Unit": "Milliseconds"})
    );
    assert_eq!(doc["RequestType"], "Create");
    assert_eq!(doc["Source"], "SNS");
    assert_eq!(doc["Succeeded"], 1);
    assert_eq!(doc["Failed"], 0);
    assert_eq!(doc["Duration"], 12.346);
    assert_eq!(doc["AwsCalls"], 4);
    assert_eq!(doc["Retries"], 1);
    assert_eq!(doc["ReplyAttempts"], 2);
    assert_eq!(doc["Throttled"], 1);
    assert_eq!(doc["Regions"], 1);
    assert!(doc.get("ErrorType").is_none());
}

#[test]
fn a_failed_request_that_ends_the_invocation_in_error_counts_both() {
    let figures = Figures {
        request: Some(request(false)),
        error: Some("ReplyNotDelivered"),
    };
    let doc = document("ns", 1, &figures);
    assert_valid_emf(&doc);
    assert_eq!(doc["Succeeded"], 0);
    assert_eq!(doc["Failed"], 1);
    let errors = directive(&doc, 1);
    assert_eq!(errors["Dimensions"], json!([["ErrorType"], []]));
    assert_eq!(
        errors["Metrics"],
        json!([{"Name": "InvocationErrors", "Unit": "Count"}])
    );
    assert_eq!(doc["ErrorType"], "ReplyNotDelivered");
    assert_eq!(doc["InvocationErrors"], 1);
}

#[test]
fn an_unrecognised_event_has_only_the_error_directive() {
    let figures = Figures {
        request: None,
        error: Some("UnrecognisedEvent"),
    };
    let doc = document("ns", 1, &figures);
    assert_valid_emf(&doc);
    assert_eq!(
        doc["_aws"]["CloudWatchMetrics"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(doc["ErrorType"], "UnrecognisedEvent");
    assert!(doc.get("RequestType").is_none() && doc.get("Succeeded").is_none());
}

fn response(status: u16, header: Option<&str>, body: &str) -> HttpResponse {
    let mut response = HttpResponse::new(
        status.try_into().expect("status"),
        aws_smithy_types::body::SdkBody::from(body.to_owned()),
    );
    if let Some(header) = header {
        response
            .headers_mut()
            .insert("x-amzn-errortype", header.to_owned());
    }
    response
}

#[test]
fn throttling_is_told_by_status_header_or_body() {
    assert!(is_throttling(&response(429, None, "")));
    assert!(is_throttling(&response(
        400,
        Some("ThrottlingException:http://internal.amazon.com/coral/"),
        ""
    )));
    assert!(is_throttling(&response(
        400,
        None,
        r#"{"__type":"com.amazonaws.logs#ThrottlingException","message":"Rate exceeded"}"#
    )));
    assert!(!is_throttling(&response(
        400,
        None,
        r#"{"__type":"LimitExceededException","message":"too many destinations"}"#
    )));
    assert!(!is_throttling(&response(
        400,
        Some("InvalidParameterException"),
        ""
    )));
    assert!(!is_throttling(&response(200, None, "{}")));
    assert!(!is_throttling(&response(500, None, "not json")));
}

#[tokio::test]
async fn counters_belong_to_the_request_whose_work_runs() {
    let first = Request::start(Source::CloudFormation);
    let second = Request::start(Source::CloudFormation);
    first
        .counting(async {
            with_counters(|c| c.attempt_sent(Some("us-east-1"), false));
            retrying();
            with_counters(|c| c.attempt_sent(Some("us-east-1"), true));
            with_counters(|c| c.attempt_sent(Some("eu-west-1"), false));
        })
        .await;
    // Outside any request: not counted anywhere.
    with_counters(|c| c.attempt_sent(Some("us-east-1"), false));
    assert_eq!(first.aws_calls(), 3);
    assert_eq!(first.counters.retries.load(Ordering::Relaxed), 2);
    assert_eq!(first.counters.regions(), 2);
    assert_eq!(second.aws_calls(), 0);
    assert_eq!(second.counters.regions(), 0);
}

#[test]
fn only_the_three_request_types_are_dimension_values() {
    for (sent, shown) in [
        ("Create", "Create"),
        ("Update", "Update"),
        ("Delete", "Delete"),
        ("create", "Other"),
        ("Upsert", "Other"),
        ("", "Other"),
        ("Unknown", "Other"),
    ] {
        let mut figures = request(false);
        figures.request_type = sent.into();
        let doc = document(
            "ns",
            1,
            &Figures {
                request: Some(figures),
                error: None,
            },
        );
        assert_eq!(doc["RequestType"], shown, "{sent:?}");
    }
}

#[test]
fn a_refused_request_is_counted_by_why() {
    let mut refused = request(false);
    refused.refused = Some("WrongPhysicalId");
    let document = document(
        "ns",
        1,
        &Figures {
            request: Some(refused),
            error: None,
        },
    );
    assert_valid_emf(&document);
    assert_eq!(directive(&document, 1)["Dimensions"], json!([["Why"], []]));
    assert_eq!(directive(&document, 1)["Metrics"][0]["Name"], "Refused");
    assert_eq!(document["Why"], "WrongPhysicalId");
    assert_eq!(document["Refused"], 1);
    let accepted = document_of(request(true));
    assert!(accepted.get("Refused").is_none(), "{accepted}");
}

fn document_of(figures: RequestFigures) -> Value {
    document(
        "ns",
        1,
        &Figures {
            request: Some(figures),
            error: None,
        },
    )
}
