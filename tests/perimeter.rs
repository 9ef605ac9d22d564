//! The function's perimeter, through the compiled binary:
//! - a reply goes only to CloudFormation's response buckets or a host listed in
//!   `RESPONSE_URL_HOSTS`: any other ResponseURL gets no request and no AWS call;
//! - a destination policy open to the world is refused before any write, unless the provider's
//!   setting allows it;
//! - a refused request costs little: it ends within its bound whatever its ResponseURL does,
//!   and the records of an SNS batch are handled side by side.
//!
//! `measure_forged_requests` prints the figures `docs/performance.md` quotes (`cargo test
//! --test perimeter -- --ignored --nocapture`).

mod harness;
mod support;

use futures_util::future::join_all;
use harness::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::cloudformation::{self, Shown};
use support::*;

/// The bound on a refused request in these tests (`CFN_LOGS_DESTINATION_TEST_REFUSED_WITHIN_MS`;
/// 55 s otherwise): short, so that the tests take seconds.
const REFUSED_WITHIN: Duration = Duration::from_secs(3);
/// What a test allows beyond a bound: process scheduling on a busy machine.
const SLACK: Duration = Duration::from_millis(1500);

/// The Lambda deadline of the measured invocations: the template's function timeout.
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(300);

/// A ResponseURL on `hole`, which accepts the connection and never answers.
fn black_hole_url(hole: &BlackHole) -> String {
    format!(
        "http://{}/cfn-response?X-Amz-Signature={SECRET_SIGNATURE}",
        hole.address()
    )
}

/// What a forged request names.
#[derive(Clone, Copy, Debug)]
enum Forged {
    /// A PhysicalResourceId that cannot name a destination (`a:b`).
    Unnamable,
    /// A resource CloudFormation does not know: the check waits for it, then refuses.
    Unknown,
    /// A resource CloudFormation shows complete: refused at once.
    Complete,
}

/// A Delete forged as `forged` says, replying to `url`.
fn forged_delete(url: &str, forged: Forged) -> Value {
    let id = match forged {
        Forged::Unnamable => "a:b".to_owned(),
        _ => unique_name("forged"),
    };
    let mut request = cfn_request("Delete", url, "Destination", props(&id));
    request["PhysicalResourceId"] = json!(id);
    let stack = request["StackId"].as_str().unwrap_or_default().to_owned();
    let shown = match forged {
        Forged::Complete => Shown::new("CREATE_COMPLETE", "CREATE_COMPLETE", &id),
        _ => Shown::new("", "", ""),
    };
    cloudformation::show(&stack, "Destination", shown);
    request
}

/// `requests` as one SNS-delivered invocation, one record each.
fn batch(requests: &[Value]) -> Value {
    let records: Vec<Value> = requests
        .iter()
        .map(|request| sns_event(request)["Records"][0].clone())
        .collect();
    json!({ "Records": records })
}

struct Rig {
    runtime: RuntimeApi,
    proxy: FaultProxy,
    hole: BlackHole,
    _function: Function,
}

impl Rig {
    fn start(configure: impl FnOnce(FunctionBuilder) -> FunctionBuilder) -> Rig {
        let runtime = RuntimeApi::start();
        let proxy = FaultProxy::to_moto();
        let hole = BlackHole::start();
        let builder = Function::builder(&runtime.address(), &proxy.endpoint())
            .env("RESPONSE_URL_HOSTS", &hole.address());
        // The binary to measure (an earlier build, for the figures before a change).
        let builder = match std::env::var("MEASURE_BINARY") {
            Ok(path) => builder.program(path, &[]),
            Err(_) => builder,
        };
        Rig {
            _function: configure(builder).spawn(),
            runtime,
            proxy,
            hole,
        }
    }

    /// Invokes `event` and returns how long the invocation took and its outcome.
    async fn time(&self, event: Value, deadline: Duration) -> (Duration, Invocation) {
        let started = Instant::now();
        let invocation = self.runtime.invoke(event, deadline).await;
        (started.elapsed(), invocation)
    }
}

/// One forged request, and a batch of five, of each kind that reaches the reply.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: up to five minutes before the bound, about a minute after"]
async fn measure_forged_requests() {
    let measure = |forged: Forged, count: usize| async move {
        let rig = Rig::start(|b| b);
        let url = black_hole_url(&rig.hole);
        let requests: Vec<Value> = (0..count).map(|_| forged_delete(&url, forged)).collect();
        let event = match count {
            1 => requests[0].clone(),
            _ => batch(&requests),
        };
        let (took, invocation) = rig.time(event, LAMBDA_TIMEOUT).await;
        let outcome = match invocation.outcome {
            Outcome::Error(error) => format!("error {}", error["errorType"]),
            other => format!("{other:?}"),
        };
        format!(
            "{forged:?} x{count}: {:.1} s, {} CloudFormation calls, {} connections to the \
             ResponseURL, {outcome}",
            took.as_secs_f64(),
            rig.proxy.cloudformation_calls().len(),
            rig.hole.connections(),
        )
    };
    let lines = join_all([
        measure(Forged::Unnamable, 1),
        measure(Forged::Unnamable, 5),
        measure(Forged::Unknown, 1),
        measure(Forged::Unknown, 5),
    ])
    .await;
    for line in lines {
        println!("{line}");
    }
}

/// The rig's account.
const ACCOUNT: &str = "123456789012";

/// `host:port` of a rig server's URL.
fn authority(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn error_type(invocation: &Invocation) -> String {
    match &invocation.outcome {
        Outcome::Error(error) => error["errorType"].as_str().unwrap_or_default().to_owned(),
        other => panic!("the invocation did not end in error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_goes_only_to_cloudformation_or_a_listed_host() {
    let runtime = RuntimeApi::start();
    let proxy = FaultProxy::to_moto();
    let listed = ResponseReceiver::start(Behaviour::Accept);
    // Another server on the same machine: an internal address nobody listed.
    let internal = ResponseReceiver::start(Behaviour::Accept);
    let function = Function::builder(&runtime.address(), &proxy.endpoint())
        .env("RESPONSE_URL_HOSTS", &authority(&listed.url()))
        .spawn();
    let internal_url = format!(
        "http://{}/internal/admin/api?anything=1",
        authority(&internal.url())
    );
    let foreign = [
        internal_url.as_str(),
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://example.com/reply?X-Amz-Signature=x",
        "https://attacker.s3.amazonaws.com/reply?X-Amz-Signature=x",
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.net/r",
    ];
    for url in foreign {
        // The finding: a Delete naming no destination was answered at once, to any URL.
        for request in [
            forged_delete(url, Forged::Unnamable),
            create_request(url, "Destination", props(&unique_name("foreign"))),
            // Malformed: still answerable, but not there.
            json!({"RequestType": "Create", "ResponseURL": url, "StackId": "x",
                   "RequestId": "r", "LogicalResourceId": "L"}),
        ] {
            let invocation = runtime.invoke(request, DEADLINE).await;
            assert_eq!(error_type(&invocation), "ResponseUrlRefused", "{url}");
        }
    }
    assert!(internal.requests().is_empty(), "{:?}", internal.requests());
    assert!(proxy.calls().is_empty(), "{:?}", proxy.calls());
    assert!(proxy.cloudformation_calls().is_empty());
    let metrics = function
        .wait_for_metrics(3 * foreign.len(), Duration::from_secs(5))
        .await;
    assert_eq!(metrics.len(), 3 * foreign.len(), "{metrics:?}");
    for metric in &metrics {
        assert_eq!(metric["Refused"], json!(1), "{metric}");
        assert_eq!(metric["Why"], "ForeignResponseUrl", "{metric}");
        assert_eq!(metric["ErrorType"], "ResponseUrlRefused", "{metric}");
    }
    let logs = function.logs();
    assert!(
        logs.contains("refused a request whose ResponseURL is not CloudFormation's"),
        "{logs}"
    );
    assert!(!logs.contains("anything=1"), "the query string was logged");

    // The listed host is answered, and in a batch a foreign record does not hold up the
    // others: the listed one is answered, the invocation fails for the foreign one.
    let answered = forged_delete(&listed.url(), Forged::Unnamable);
    let invocation = runtime.invoke(answered, DEADLINE).await;
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}",
        invocation.outcome
    );
    assert_eq!(listed.puts().len(), 1);
    let mixed = batch(&[
        forged_delete(&internal_url, Forged::Unnamable),
        forged_delete(&listed.url(), Forged::Unnamable),
    ]);
    let invocation = runtime.invoke(mixed, DEADLINE).await;
    assert_eq!(error_type(&invocation), "ResponseUrlRefused");
    assert_eq!(listed.puts().len(), 2);
    assert!(internal.requests().is_empty());
}

/// A policy whose only statement allows `principal`, limited by `condition` if any.
fn policy(name: &str, principal: Value, condition: Option<Value>) -> Value {
    let mut statement = json!({
        "Sid": "Open",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "logs:PutSubscriptionFilter",
        "Resource": format!("arn:aws:logs:us-east-1:{ACCOUNT}:destination:{name}"),
    });
    if let Some(condition) = condition {
        statement["Condition"] = condition;
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

fn open_principals() -> [Value; 3] {
    [
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": [ACCOUNT, "*"]}),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_world_open_policy_is_refused_in_each_form_and_a_limited_one_passes() {
    let stack = Stack::start();
    for principal in open_principals() {
        let name = unique_name("open");
        let properties = props_with(&name, "DestinationPolicy", policy(&name, principal, None));
        let request = create_request(&stack.url(), "Destination", properties);
        let answer = stack.fail(&request).await;
        for part in [
            "statement \"Open\"",
            "AllowPublicDestinationPolicies",
            "aws:PrincipalOrgID",
        ] {
            assert!(answer.reason().contains(part), "{part}: {}", answer.reply);
        }
        assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
        assert!(stored(&stack.logs, &name).await.is_none());
    }
    // A condition on the organization limits the caller; a StringLike "*" does not.
    let name = unique_name("limited");
    let org = json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}});
    let limited = policy(&name, json!("*"), Some(org));
    let (create, _) = stack
        .create(
            "Destination",
            props_with(&name, "DestinationPolicy", limited.clone()),
        )
        .await;
    assert_eq!(
        existing(&stack.logs, &name).await.policy,
        Some(limited.clone())
    );
    let anyone = json!({"StringLike": {"aws:PrincipalOrgID": "*"}});
    let opened = policy(&name, json!("*"), Some(anyone));
    let update = update_request(
        &create,
        &stack.url(),
        &name,
        props_with(&name, "DestinationPolicy", opened),
    );
    let answer = stack.fail(&update).await;
    assert!(
        answer.reason().contains("statement \"Open\""),
        "{}",
        answer.reply
    );
    assert!(writes(&answer.calls).is_empty(), "{:?}", answer.calls);
    assert_eq!(existing(&stack.logs, &name).await.policy, Some(limited));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_setting_lifts_the_refusal_and_provisioning_is_held_to_it() {
    let allowed = Stack::start_with(|b| b.env("ALLOW_PUBLIC_DESTINATION_POLICIES", "true"));
    for principal in open_principals() {
        let name = unique_name("public");
        let open = policy(&name, principal, None);
        allowed
            .create(
                "Destination",
                props_with(&name, "DestinationPolicy", open.clone()),
            )
            .await;
        assert_eq!(existing(&allowed.logs, &name).await.policy, Some(open));
    }
    // Provisioning: the same rule, the same setting.
    for (stack, allows) in [
        (Stack::provisioning(), false),
        (
            Stack::start_with(|b| {
                b.provisioning()
                    .env("ALLOW_PUBLIC_DESTINATION_POLICIES", "true")
            }),
            true,
        ),
    ] {
        let name = unique_name("provisioned");
        let properties = props_with(&name, "DestinationPolicy", policy(&name, json!("*"), None));
        let invocation = stack
            .runtime
            .invoke(eventbridge_event("Create", properties), DEADLINE)
            .await;
        match (&invocation.outcome, allows) {
            (Outcome::Response(result), true) => {
                assert_eq!(result["Action"], "created", "{result}")
            }
            (Outcome::Error(error), false) => assert!(
                error["errorMessage"]
                    .as_str()
                    .is_some_and(|m| m.contains("AllowPublicDestinationPolicies")),
                "{error}"
            ),
            (other, _) => panic!("allowed {allows}: {other:?}"),
        }
        assert_eq!(stored(&stack.logs, &name).await.is_some(), allows);
    }
}

/// A refused request whose ResponseURL never answers, alone and five in one SNS batch: each
/// ends within the bound, with at most two reply attempts; before the bound the single one
/// waited for the whole invocation and the batch for five of them, one after another.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_request_ends_within_its_bound_alone_and_in_a_batch() {
    let rig = Rig::start(|b| {
        b.env(
            "CFN_LOGS_DESTINATION_TEST_REFUSED_WITHIN_MS",
            &REFUSED_WITHIN.as_millis().to_string(),
        )
    });
    let url = black_hole_url(&rig.hole);
    let (took, invocation) = rig
        .time(forged_delete(&url, Forged::Complete), DEADLINE)
        .await;
    assert_eq!(error_type(&invocation), "ReplyNotDelivered");
    assert!(
        took <= REFUSED_WITHIN + SLACK,
        "one refused request took {took:?}"
    );
    assert!(
        (1..=2).contains(&rig.hole.connections()),
        "{}",
        rig.hole.connections()
    );

    let requests: Vec<Value> = (0..5)
        .map(|_| forged_delete(&url, Forged::Complete))
        .collect();
    let before = rig.hole.connections();
    let (took, invocation) = rig.time(batch(&requests), DEADLINE).await;
    assert_eq!(error_type(&invocation), "ReplyNotDelivered");
    assert!(
        took <= REFUSED_WITHIN + SLACK,
        "a batch of five took {took:?}"
    );
    let tried = rig.hole.connections() - before;
    assert!(
        (5..=10).contains(&tried),
        "{tried} reply attempts for five records"
    );
}

/// The bound is for refusals only: a genuine request (one CloudFormation shows in progress)
/// keeps every reply attempt its deadline allows.
#[tokio::test(flavor = "multi_thread")]
async fn a_genuine_request_keeps_its_reply_attempts() {
    let rig = Rig::start(|b| {
        b.env(
            "CFN_LOGS_DESTINATION_TEST_REFUSED_WITHIN_MS",
            &REFUSED_WITHIN.as_millis().to_string(),
        )
        .env("RESPONSE_URL_HOSTS", "127.0.0.1")
    });
    let receiver = ResponseReceiver::start(Behaviour::FailFirst {
        count: 3,
        status: 503,
    });
    let name = unique_name("genuine");
    let request = create_request(&receiver.url(), "Destination", props(&name));
    let (_, invocation) = rig.time(request, DEADLINE).await;
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}",
        invocation.outcome
    );
    assert_eq!(receiver.puts().len(), 4);
}
