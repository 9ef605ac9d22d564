//! The demo: sample events played through the compiled binary against the local emulator,
//! printing each answer. `scripts/demo.sh [EVENT.json ...]` runs it with output; without
//! arguments (and under `cargo test`) it plays events/create.json, update.json, delete.json
//! and checks that they succeed.
//!
//! The demo's own output goes to stderr, so that the script can drop the test runner's lines
//! (on stdout) and show only the answers. An event whose file name contains `fail` is meant
//! to be refused (events/create-fails.json); any other event answered FAILED, or not at all,
//! makes the demo exit 1.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::*;

const DEFAULT_EVENTS: [&str; 3] = ["create.json", "update.json", "delete.json"];

/// The events to play: `DEMO_EVENTS` (paths separated by newlines, set by the script), or the
/// default three.
fn events() -> (Vec<String>, bool) {
    match std::env::var("DEMO_EVENTS") {
        Ok(list) if !list.trim().is_empty() => (
            list.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
            false,
        ),
        _ => (
            DEFAULT_EVENTS
                .iter()
                .map(|f| format!("{}/events/{f}", env!("CARGO_MANIFEST_DIR")))
                .collect(),
            true,
        ),
    }
}

/// The event in `path`; a file that cannot be read or is not JSON ends the demo with one line
/// (scripts/demo.sh checks the files first, so this is for direct runs).
fn load(path: &str) -> Value {
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}")));
    parsed.unwrap_or_else(|problem| {
        eprintln!("demo: {path}: {problem}");
        std::process::exit(2)
    })
}

/// An EventBridge provisioning event: only the provisioning function serves it.
fn is_eventbridge(event: &Value) -> bool {
    event.get("detail-type").is_some() && event.get("detail").is_some()
}

/// Whether the event in `path` is meant to be refused (its file name says `fail`).
fn meant_to_fail(path: &str) -> bool {
    std::path::Path::new(path)
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains("fail"))
}

/// Points every ResponseURL of `event` (a request, or the requests in SNS records) at the
/// local receiver.
fn point_at(event: &mut Value, response_url: &str) {
    if event.get("ResponseURL").is_some() {
        event["ResponseURL"] = Value::String(response_url.to_owned());
    }
    if let Some(records) = event.get_mut("Records").and_then(Value::as_array_mut) {
        for record in records {
            let message = &mut record["Sns"]["Message"];
            if let Some(mut request) = message
                .as_str()
                .and_then(|m| serde_json::from_str::<Value>(m).ok())
            {
                point_at(&mut request, response_url);
                *message = Value::String(request.to_string());
            }
        }
    }
}

/// What the event is about, for the heading: its type and destination name.
fn about(event: &Value) -> String {
    if let Some(audit) = event.get("Audit") {
        return match audit["Regions"].as_array() {
            Some(regions) => format!("audit of {}", pretty_list(regions)),
            None => "audit".into(),
        };
    }
    let request = match event["Records"][0]["Sns"]["Message"].as_str() {
        Some(message) => serde_json::from_str(message).unwrap_or_default(),
        None if event.get("detail").is_some() => event["detail"].clone(),
        None => event.clone(),
    };
    format!(
        "{} {}",
        request["RequestType"].as_str().unwrap_or("?"),
        request["ResourceProperties"]["DestinationName"]
            .as_str()
            .unwrap_or_default()
    )
}

fn pretty_list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| v.as_str().unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_create_update_delete_from_the_sample_events() {
    let moto = moto_endpoint();
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    // The function's calls go through the rig's AWS mode (strict unless CFN_TEST_AWS=moto).
    let aws = FaultProxy::to_moto();
    // Each run is an instance of its own, as on Lambda: Reasons name this run's log stream.
    let stream = format!(
        "demo/[$LATEST]{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.as_millis())
    );
    let _function = Function::builder(&runtime.address(), &aws.endpoint())
        .env("AWS_LAMBDA_LOG_STREAM_NAME", &stream)
        .spawn();
    let logs = logs_client(&moto);
    let (events, default) = events();
    // EventBridge events go to the provisioning function, as deployed (the custom resource
    // function refuses them).
    let provisioning_runtime = RuntimeApi::start();
    let _provisioning = events
        .iter()
        .any(|path| is_eventbridge(&load(path)))
        .then(|| {
            Function::builder(&provisioning_runtime.address(), &aws.endpoint())
                .provisioning()
                .env("AWS_LAMBDA_LOG_STREAM_NAME", &stream)
                .spawn()
        });
    let mut unexpected = Vec::new();

    for path in &events {
        let mut event = load(path);
        point_at(&mut event, &receiver.url());
        let shown = path
            .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/"))
            .unwrap_or(path);
        let before = receiver.puts().len();
        let serving = if is_eventbridge(&event) {
            &provisioning_runtime
        } else {
            &runtime
        };
        let invocation = serving.invoke(event.clone(), Duration::from_secs(30)).await;
        let replies: Vec<Value> = receiver.puts()[before..]
            .iter()
            .map(RecordedPut::json)
            .collect();
        eprintln!("\n== {shown} ({})", about(&event));
        for reply in &replies {
            eprintln!("-> CloudFormation reply:\n{}", pretty(reply));
        }
        match &invocation.outcome {
            // A CloudFormation request's invocation result is only a summary: the reply is
            // what counts, and it is shown above.
            Outcome::Response(_) if !replies.is_empty() => {}
            Outcome::Response(result) => eprintln!("-> invocation result:\n{}", pretty(result)),
            Outcome::Error(error) => eprintln!("-> invocation error:\n{}", pretty(error)),
            Outcome::NoAnswer => eprintln!("-> the function did not answer"),
        }
        let failed = matches!(invocation.outcome, Outcome::Error(_) | Outcome::NoAnswer)
            || replies.iter().any(|reply| reply["Status"] != "SUCCESS");
        if failed != meant_to_fail(path) {
            let what = if failed {
                "failed"
            } else {
                "succeeded, but is meant to fail"
            };
            unexpected.push(format!("{shown} {what}"));
        }
        if default {
            let reply = replies.last().expect("a reply");
            assert_eq!(reply["Status"], "SUCCESS", "{reply}");
            let present = destinations_named(&logs, "central-logs").await.len();
            eprintln!("   destinations named central-logs in the emulator: {present}");
            assert_eq!(present, usize::from(!path.ends_with("delete.json")));
        }
    }
    if !unexpected.is_empty() {
        eprintln!("\ndemo: {}", unexpected.join("; "));
        // The script's exit status (a test failure would add a backtrace to the demo).
        std::process::exit(1);
    }
}

#[test]
fn headings_name_what_each_sample_event_is_about() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/events");
    for entry in std::fs::read_dir(dir).expect("events/") {
        let path = entry.expect("an entry").path();
        let heading = about(&load(&path.to_string_lossy()));
        assert!(
            !heading.contains('?') && !heading.trim().is_empty(),
            "{}: {heading:?}",
            path.display()
        );
    }
    assert_eq!(about(&serde_json::json!({"Audit": {}})), "audit");
}

#[test]
fn events_meant_to_fail_are_marked_by_file_name() {
    assert!(meant_to_fail("events/create-fails.json"));
    assert!(!meant_to_fail("events/create.json"));
    assert!(!meant_to_fail("/tmp/failures/create.json"));
}
