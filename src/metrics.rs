//! Per-request figures, written as one CloudWatch Embedded Metric Format (EMF) line on stdout:
//! CloudWatch Logs turns the line into metrics, so measuring costs no API call.
//!
//! AWS calls are counted where they happen: the SDK interceptor [`AwsCallCounter`] sees every
//! HTTP attempt (the SDK's own retries included), the Region it went to and the answer, and
//! [`retrying`] marks the function's own retries. The counters of a request live in a task-local
//! scope around its work ([`Request::counting`]), so one request's figures never mix with
//! another's (an abandoned task cannot touch the next request's), and nothing is set up before
//! the first request.

use aws_config::Region;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub const DEFAULT_NAMESPACE: &str = "cfn-logs-destination";

/// The request metrics, with their EMF units, in the order they are written.
const REQUEST_METRICS: [(&str, &str); 8] = [
    ("Succeeded", "Count"),
    ("Failed", "Count"),
    ("Duration", "Milliseconds"),
    ("AwsCalls", "Count"),
    ("Retries", "Count"),
    ("ReplyAttempts", "Count"),
    ("Throttled", "Count"),
    ("Regions", "Count"),
];

/// AWS error codes that mean "slow down" (the SDK's throttling list without
/// `LimitExceededException`, which CloudWatch Logs uses for resource quotas).
const THROTTLING_CODES: [&str; 8] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
];

tokio::task_local! {
    static COUNTERS: Arc<Counters>;
}

/// What one request's AWS calls did.
#[derive(Debug, Default)]
pub struct Counters {
    /// HTTP requests sent to AWS.
    attempts: AtomicU32,
    /// Attempts that repeated a failed one: the SDK's retries and the function's own.
    retries: AtomicU32,
    /// Attempts AWS answered with a throttling error.
    throttled: AtomicU32,
    /// The distinct Regions the attempts went to.
    regions: Mutex<Vec<String>>,
    /// Why the request was refused as one CloudFormation did not send.
    refused: Mutex<Option<&'static str>>,
}

impl Counters {
    fn attempt_sent(&self, region: Option<&str>, sdk_retry: bool) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        if sdk_retry {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(region) = region {
            let mut regions = self.regions.lock().unwrap_or_else(|p| p.into_inner());
            if !regions.iter().any(|known| known == region) {
                regions.push(region.to_owned());
            }
        }
    }

    fn aws_calls(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    fn regions(&self) -> u32 {
        let regions = self.regions.lock().unwrap_or_else(|p| p.into_inner());
        u32::try_from(regions.len()).unwrap_or(u32::MAX)
    }
}

/// Runs `f` on the counters of the request whose work is running, if any.
fn with_counters(f: impl FnOnce(&Counters)) {
    let _ = COUNTERS.try_with(|counters| f(counters));
}

/// The function is about to retry a failed call (the SDK's own retries are seen by
/// [`AwsCallCounter`]).
pub fn retrying() {
    with_counters(|c| {
        c.retries.fetch_add(1, Ordering::Relaxed);
    });
}

/// The request was refused as one CloudFormation does not show; `why` is one of a fixed few.
pub fn refused(why: &'static str) {
    with_counters(|c| {
        *c.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
    });
}

/// Counts every HTTP attempt the SDK client makes, the Region it goes to and whether AWS
/// throttled it, into the counters of the request being served.
#[derive(Debug)]
pub struct AwsCallCounter;

impl Intercept for AwsCallCounter {
    fn name(&self) -> &'static str {
        "AwsCallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let region = cfg.load::<Region>().map(AsRef::as_ref);
        let sdk_retry = cfg
            .load::<RequestAttempts>()
            .is_some_and(|attempts| attempts.attempts() > 1);
        with_counters(|c| c.attempt_sent(region, sdk_retry));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_some_and(is_throttling) {
            with_counters(|c| {
                c.throttled.fetch_add(1, Ordering::Relaxed);
            });
        }
        Ok(())
    }
}

/// A throttling answer: HTTP 429, or an error whose code (AWS JSON: the `x-amzn-errortype`
/// header or the body's `__type`) is a throttling code.
fn is_throttling(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let body_code = || {
        let body: Value = serde_json::from_slice(response.body().bytes()?).ok()?;
        let code = body.get("__type").or_else(|| body.get("code"))?;
        code.as_str().map(str::to_owned)
    };
    let code = match response.headers().get("x-amzn-errortype") {
        Some(header) => header.to_owned(),
        None => match body_code() {
            Some(code) => code,
            None => return false,
        },
    };
    // "aws.protocoltests#ThrottlingException:http://..." -> "ThrottlingException".
    let code = code.split(':').next().unwrap_or_default();
    let code = code.rsplit('#').next().unwrap_or_default();
    THROTTLING_CODES.contains(&code)
}

/// Where a request came from: the `Source` dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    CloudFormation,
    Sns,
    EventBridge,
    Provider,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::CloudFormation => "CloudFormation",
            Source::Sns => "SNS",
            Source::EventBridge => "EventBridge",
            Source::Provider => "Provider",
        }
    }
}

/// One request being measured, from its arrival to its answer.
#[derive(Debug)]
pub struct Request {
    source: Source,
    started: Instant,
    counters: Arc<Counters>,
}

impl Request {
    pub fn start(source: Source) -> Request {
        Request {
            source,
            started: Instant::now(),
            counters: Arc::default(),
        }
    }

    /// `work`, with its AWS calls counted as this request's.
    pub fn counting<F: Future>(&self, work: F) -> impl Future<Output = F::Output> {
        COUNTERS.scope(Arc::clone(&self.counters), work)
    }

    /// Milliseconds since the request arrived, to the microsecond.
    pub fn duration_ms(&self) -> f64 {
        (self.started.elapsed().as_secs_f64() * 1e6).round() / 1000.0
    }

    pub fn aws_calls(&self) -> u32 {
        self.counters.aws_calls()
    }

    /// Notes that this request was refused (outside its work, which uses [`refused`]).
    pub fn refuse(&self, why: &'static str) {
        *self
            .counters
            .refused
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(why);
    }

    /// Why this request was refused, if it was.
    pub fn refused(&self) -> Option<&'static str> {
        *self
            .counters
            .refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the request's EMF line. `error` is the invocation's error type when the
    /// invocation ends in error because of this request.
    pub fn publish(
        &self,
        request_type: &str,
        succeeded: bool,
        reply_attempts: u32,
        error: Option<&'static str>,
    ) {
        let c = &self.counters;
        let figures = Figures {
            request: Some(RequestFigures {
                request_type: request_type.to_owned(),
                source: self.source,
                succeeded,
                duration_ms: self.duration_ms(),
                aws_calls: c.aws_calls(),
                retries: c.retries.load(Ordering::Relaxed),
                reply_attempts,
                throttled: c.throttled.load(Ordering::Relaxed),
                regions: c.regions(),
                refused: self.refused(),
            }),
            error,
        };
        print_line(&figures);
    }
}

/// An invocation that ended in error before any request could be made out of it
/// (`UnrecognisedEvent`).
pub fn publish_invocation_error(error: &'static str) {
    print_line(&Figures {
        request: None,
        error: Some(error),
    });
}

/// What one EMF line reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub request: Option<RequestFigures>,
    /// The invocation's error type, counted as `InvocationErrors` by `ErrorType`.
    pub error: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RequestFigures {
    pub request_type: String,
    pub source: Source,
    pub succeeded: bool,
    pub duration_ms: f64,
    pub aws_calls: u32,
    pub retries: u32,
    pub reply_attempts: u32,
    pub throttled: u32,
    pub regions: u32,
    /// The `Why` of a refused request (`Refused` metric).
    pub refused: Option<&'static str>,
}

/// The EMF document. Each metric is published by its dimensions and also without any (the
/// empty dimension set), which is what the template's alarms watch.
pub fn document(namespace: &str, timestamp_ms: u64, figures: &Figures) -> Value {
    let mut root = Map::new();
    let mut directives = Vec::new();
    if let Some(r) = &figures.request {
        let metrics: Vec<Value> = REQUEST_METRICS
            .iter()
            .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
            .collect();
        directives.push(json!({
            "Namespace": namespace,
            "Dimensions": [["RequestType", "Source"], []],
            "Metrics": metrics,
        }));
        root.insert(
            "RequestType".into(),
            json!(request_type_dimension(&r.request_type)),
        );
        root.insert("Source".into(), json!(r.source.as_str()));
        let values = [
            json!(u8::from(r.succeeded)),
            json!(u8::from(!r.succeeded)),
            json!(r.duration_ms),
            json!(r.aws_calls),
            json!(r.retries),
            json!(r.reply_attempts),
            json!(r.throttled),
            json!(r.regions),
        ];
        for ((name, _), value) in REQUEST_METRICS.iter().zip(values) {
            root.insert((*name).into(), value);
        }
        if let Some(why) = r.refused {
            directives.push(json!({
                "Namespace": namespace,
                "Dimensions": [["Why"], []],
                "Metrics": [{"Name": "Refused", "Unit": "Count"}],
            }));
            root.insert("Why".into(), json!(why));
            root.insert("Refused".into(), json!(1));
        }
    }
    if let Some(error) = figures.error {
        directives.push(json!({
            "Namespace": namespace,
            "Dimensions": [["ErrorType"], []],
            "Metrics": [{"Name": "InvocationErrors", "Unit": "Count"}],
        }));
        root.insert("ErrorType".into(), json!(error));
        root.insert("InvocationErrors".into(), json!(1));
    }
    root.insert(
        "_aws".into(),
        json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": directives}),
    );
    Value::Object(root)
}

/// The `RequestType` dimension value: one of a fixed few. The request type comes from whoever
/// invokes the function; each distinct dimension value would be a new CloudWatch metric
/// (billed) and text of the invoker's choosing in dashboards.
pub fn request_type_dimension(request_type: &str) -> &'static str {
    match request_type {
        "Create" => "Create",
        "Update" => "Update",
        "Delete" => "Delete",
        _ => "Other",
    }
}

/// `METRICS_NAMESPACE`, or the default when it is unset or blank.
fn namespace() -> String {
    std::env::var("METRICS_NAMESPACE")
        .ok()
        .filter(|ns| !ns.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
}

/// Straight to stdout as one line, with one write: the log subscriber writes there too, and a
/// line of its own is what CloudWatch Logs reads as an EMF document in both log formats.
fn print_line(figures: &Figures) {
    print_document(&document(&namespace(), now_ms(), figures));
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn print_document(document: &Value) {
    let mut line = document.to_string();
    line.push('\n');
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(line.as_bytes());
    let _ = stdout.flush();
}

mod audit;
pub use audit::{
    audit_document, coverage_document, publish_audit, publish_coverage, AuditFigures,
    CoverageFigures,
};

#[cfg(test)]
mod tests;
