//! Failures moto never produces: [`FaultProxy`] injects AWS errors, delays
//! and hangs per operation, and in [`AwsMode::Strict`] answers as CloudWatch
//! Logs does where moto is looser; CloudFormation's, STS's and the Account API's calls go to
//! the rig's [`cloudformation`], [`sts`] and [`account`] stand-ins; [`BlackHole`] accepts
//! connections and says nothing.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::sync::watch;

use super::account::{self, RegionStatus};
use super::cloudformation;
use super::http::{read_body, serve_http, Body, ServerThread};
use super::strict::{self, AwsMode};
use super::sts;
use super::throttle::{RateLimit, RATE_EXCEEDED};
use super::upstream::{aws_error, Upstream};

/// How many calls a [`FaultProxy::fail`] rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    N(u32),
    Always,
}

impl From<u32> for Times {
    fn from(n: u32) -> Self {
        Times::N(n)
    }
}

#[derive(Clone, Debug)]
enum Action {
    Fail {
        remaining: Times,
        status: u16,
        error_type: String,
        message: String,
    },
    Delay(Duration),
    Hang,
}

#[derive(Clone, Debug)]
struct Rule {
    op: String,
    action: Action,
}

impl Rule {
    /// `op` is an operation, `"*"` (every CloudWatch Logs operation), or `REGION/operation`
    /// for calls signed for that Region.
    fn matches(&self, op: &str, region: &str) -> bool {
        let (want_region, want_op) = match self.op.split_once('/') {
            Some((r, o)) => (Some(r), o),
            None => (None, self.op.as_str()),
        };
        (want_op == op || (want_op == "*" && !is_stand_in(op)))
            && want_region.is_none_or(|r| r == region)
            && !matches!(
                self.action,
                Action::Fail {
                    remaining: Times::N(0),
                    ..
                }
            )
    }
}

/// One call as the proxy saw it: when it arrived and when its answer was ready, so that a
/// caller can tell calls that overlapped from calls that waited for each other.
#[derive(Clone, Debug)]
pub struct CallSpan {
    /// The operation (`"PutDestination"`, ...).
    pub op: String,
    /// The Region the call was signed for (empty when it was not signed).
    pub region: String,
    pub arrived: Instant,
    /// When the proxy had its answer (a fault, or moto's): `None` while it has none, and for
    /// ever for a call a [`FaultProxy::hang`] rule holds.
    pub answered: Option<Instant>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    calls: Vec<CallSpan>,
    /// Every call with who made it and whether the rate limit throttled it.
    records: Vec<CallRecord>,
    limit: Option<RateLimit>,
    /// Regions the rig's account has not enabled (strict mode).
    disabled_regions: Vec<String>,
    /// Every Region of the rig's account with its status, as ListRegions reports them.
    account_regions: BTreeMap<String, RegionStatus>,
}

/// One call as the proxy saw it.
#[derive(Clone, Debug)]
pub struct CallRecord {
    pub op: String,
    pub region: String,
    /// The access key that signed it: which function process called, when each has its own.
    pub caller: String,
    pub at: Instant,
    pub throttled: bool,
}

/// An HTTP proxy for AWS JSON 1.1 calls (CloudWatch Logs). Point the function's
/// `AWS_ENDPOINT_URL` at [`Self::endpoint`]; calls are forwarded to the
/// upstream (moto) unless a rule for their operation says otherwise. Rules
/// are checked in the order added; the first live one applies; `"*"` matches
/// every operation. Calls no rule answers go through the proxy's
/// [`AwsMode`]: as they are to moto, or through the strict-AWS layer.
pub struct FaultProxy {
    state: Arc<watch::Sender<State>>,
    mode: AwsMode,
    server: ServerThread,
}

impl FaultProxy {
    /// A proxy to `upstream_endpoint` in the rig's mode ([`AwsMode::from_env`]).
    pub fn start(upstream_endpoint: &str) -> Self {
        Self::start_in(AwsMode::from_env(), upstream_endpoint)
    }

    /// A proxy to the shared moto in the rig's mode: where every test points the function.
    pub fn to_moto() -> Self {
        Self::start(&super::moto_endpoint())
    }

    /// A proxy in `mode` whatever the rig's mode (tests of the modes themselves).
    pub fn start_in(mode: AwsMode, upstream_endpoint: &str) -> Self {
        let upstream = Upstream::new(upstream_endpoint);
        let disabled_regions = strict::disabled_regions_from_env();
        let state = Arc::new(watch::Sender::new(State {
            account_regions: account::default_regions(&disabled_regions),
            disabled_regions,
            ..State::default()
        }));
        let handler_state = state.clone();
        let server = ServerThread::spawn("fault-proxy", move |listener| {
            let upstream = Arc::new(upstream);
            serve_http(listener, move |req| {
                handle(handler_state.clone(), upstream.clone(), mode, req)
            })
        });
        FaultProxy {
            state,
            mode,
            server,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn mode(&self) -> AwsMode {
        self.mode
    }

    /// Answer the next `times` calls of `op` with an AWS JSON 1.1 error, e.g.
    /// `fail("PutDestination", 2, 400, "ThrottlingException", "Rate exceeded")`.
    pub fn fail(
        &self,
        op: &str,
        times: impl Into<Times>,
        status: u16,
        aws_error_type: &str,
        message: &str,
    ) {
        self.add(
            op,
            Action::Fail {
                remaining: times.into(),
                status,
                error_type: aws_error_type.to_string(),
                message: message.to_string(),
            },
        );
    }

    /// Sleep `duration` before forwarding each call of `op`.
    pub fn delay(&self, op: &str, duration: Duration) {
        self.add(op, Action::Delay(duration));
    }

    /// Never answer calls of `op` (the connection stays open until the proxy
    /// is dropped).
    pub fn hang(&self, op: &str) {
        self.add(op, Action::Hang);
    }

    /// Throttle each API in each Region to `per_second` calls (a token bucket holding one
    /// second's calls), as the account's quotas do: a call over it is answered 400
    /// `ThrottlingException` "Rate exceeded". Applies in both modes, after the fault rules.
    pub fn rate_limit(&self, per_second: u32) {
        self.state
            .send_modify(|s| s.limit = Some(RateLimit::new(per_second)));
    }

    /// In strict mode, `regions` answer as opt-in Regions the account has not enabled (as
    /// those the rig setting `CFN_TEST_DISABLED_REGIONS` lists do): every call gets
    /// `UnrecognizedClientException`. moto answers every Region.
    pub fn disable_regions(&self, regions: &[&str]) {
        for region in regions {
            self.set_region_status(region, RegionStatus::Disabled);
        }
    }

    /// Sets one Region's status in the rig's account (adding the Region if it has none yet):
    /// what ListRegions reports, and, in strict mode, whether CloudWatch Logs calls there
    /// answer (only ENABLED and ENABLED_BY_DEFAULT do). The account starts with every `aws`
    /// Region this build knows enabled, but those `CFN_TEST_DISABLED_REGIONS` lists.
    pub fn set_region_status(&self, region: &str, status: RegionStatus) {
        self.state.send_modify(|s| {
            s.account_regions.insert(region.to_owned(), status);
            s.disabled_regions.retain(|r| r != region);
            if !status.answers_calls() {
                s.disabled_regions.push(region.to_owned());
            }
        });
    }

    /// Makes the rig's account have exactly these Regions: the others are no longer listed
    /// (nor, in strict mode, called).
    pub fn set_account_regions(&self, regions: &[(&str, RegionStatus)]) {
        self.state.send_modify(|s| {
            let unlisted: Vec<String> = s
                .account_regions
                .keys()
                .filter(|r| !regions.iter().any(|(listed, _)| listed == r))
                .cloned()
                .collect();
            s.account_regions.clear();
            s.disabled_regions.extend(unlisted);
        });
        for (region, status) in regions {
            self.set_region_status(region, *status);
        }
    }

    /// The Account API calls (`ListRegions`), in arrival order.
    pub fn account_calls(&self) -> Vec<String> {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|c| is_account(&c.op))
            .map(|c| c.op.clone())
            .collect()
    }

    /// Every call so far with its caller and whether it was throttled.
    pub fn records(&self) -> Vec<CallRecord> {
        self.state.borrow().records.clone()
    }

    /// Remove every rule: from now on, calls are forwarded untouched.
    pub fn clear_rules(&self) {
        self.state.send_modify(|s| s.rules.clear());
    }

    fn add(&self, op: &str, action: Action) {
        let op = op.to_string();
        self.state
            .send_modify(|s| s.rules.push(Rule { op, action }));
    }

    /// CloudWatch Logs operations called, in arrival order (`"PutDestination"`, ...); the
    /// checks with CloudFormation are [`Self::cloudformation_calls`].
    pub fn calls(&self) -> Vec<String> {
        self.calls_with_times()
            .into_iter()
            .map(|(op, _)| op)
            .collect()
    }

    /// CloudWatch Logs calls with their arrival time, e.g. to check retry back-off.
    pub fn calls_with_times(&self) -> Vec<(String, Instant)> {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|c| !is_stand_in(&c.op))
            .map(|c| (c.op.clone(), c.arrived))
            .collect()
    }

    /// The CloudFormation calls (`DescribeStackResource`, `DescribeStackEvents`), in arrival order.
    pub fn cloudformation_calls(&self) -> Vec<String> {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|c| is_cloudformation(&c.op))
            .map(|c| c.op.clone())
            .collect()
    }

    /// The STS calls (`AssumeRole`), in arrival order.
    pub fn sts_calls(&self) -> Vec<String> {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|c| sts::is_sts(&c.op))
            .map(|c| c.op.clone())
            .collect()
    }

    /// Calls in arrival order with their Region and their arrival and answer times, e.g. to
    /// count the round trips a request waited for ([`super::round_trips`]).
    pub fn call_spans(&self) -> Vec<CallSpan> {
        self.state.borrow().calls.clone()
    }

    pub fn count(&self, op: &str) -> usize {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|c| c.op == op)
            .count()
    }

    /// Waits until `op` was called at least `n` times; false on timeout.
    pub async fn wait_for_count(&self, op: &str, n: usize, timeout: Duration) -> bool {
        let mut rx = self.state.subscribe();
        let reached = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| s.calls.iter().filter(|c| c.op == op).count() >= n),
        )
        .await
        .is_ok();
        reached
    }
}

async fn handle(
    state: Arc<watch::Sender<State>>,
    upstream: Arc<Upstream>,
    mode: AwsMode,
    req: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = read_body(body).await;
    // "Logs_20140328.PutDestination" -> "PutDestination"; CloudFormation's Query protocol
    // names it in the body ("Action=DescribeStackResource").
    let op = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .map(str::to_owned)
        .or_else(|| account::operation(parts.uri.path()).map(str::to_owned))
        .or_else(|| cloudformation::action(&body))
        .unwrap_or_else(|| "<no X-Amz-Target>".to_owned());
    // The signing Region is in SigV4's credential scope: Credential=KEY/DATE/REGION/logs/...
    let region = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or_default()
        .to_string();

    let caller = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .unwrap_or_default()
        .to_string();

    let mut action = None;
    let mut index = 0;
    let mut throttled = false;
    let mut enabled = true;
    let mut account_regions = BTreeMap::new();
    state.send_modify(|s| {
        let now = Instant::now();
        index = s.calls.len();
        s.calls.push(CallSpan {
            op: op.clone(),
            region: region.clone(),
            arrived: now,
            answered: None,
        });
        enabled = !s.disabled_regions.contains(&region);
        if is_account(&op) {
            account_regions = s.account_regions.clone();
        }
        if let Some(rule) = s.rules.iter_mut().find(|r| r.matches(&op, &region)) {
            if let Action::Fail {
                remaining: Times::N(n),
                ..
            } = &mut rule.action
            {
                *n -= 1;
            }
            action = Some(rule.action.clone());
        }
        // The quota counts what reaches the service: calls a fault rule stands in for do not.
        // It is CloudWatch Logs': CloudFormation's calls have quotas of their own.
        if action.is_none() && !is_stand_in(&op) {
            if let Some(limit) = &mut s.limit {
                throttled = !limit.admit(&op, &region, now);
            }
        }
        s.records.push(CallRecord {
            op: op.clone(),
            region: region.clone(),
            caller: caller.clone(),
            at: now,
            throttled,
        });
    });
    let response = if throttled {
        aws_error(400, "ThrottlingException", RATE_EXCEEDED)
    } else {
        respond(
            action,
            (&upstream, &account_regions),
            mode,
            (&op, &caller),
            (&region, enabled),
            (parts, body),
        )
        .await
    };
    // Recorded before the answer is written back, so a call the caller sends because of this
    // answer always arrives after it.
    state.send_modify(|s| s.calls[index].answered = Some(Instant::now()));
    response
}

async fn respond(
    action: Option<Action>,
    (upstream, account_regions): (&Upstream, &BTreeMap<String, RegionStatus>),
    mode: AwsMode,
    (op, caller): (&str, &str),
    (region, enabled): (&str, bool),
    (parts, body): (hyper::http::request::Parts, bytes::Bytes),
) -> Response<Body> {
    // Fault rules come first, as a failing network or service would.
    match action {
        Some(Action::Fail {
            status,
            error_type,
            message,
            ..
        }) if is_stand_in(op) && !is_account(op) => {
            let status = hyper::StatusCode::from_u16(status).expect("valid status");
            return cloudformation::error(status, &error_type, &message);
        }
        Some(Action::Fail {
            status,
            error_type,
            message,
            ..
        }) => return aws_error(status, &error_type, &message),
        Some(Action::Hang) => std::future::pending().await,
        Some(Action::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    if sts::is_sts(op) {
        return sts::answer(&body);
    }
    if is_cloudformation(op) {
        return cloudformation::answer(&sts::account_of(caller), &body);
    }
    if is_account(op) {
        return account::answer(mode, account_regions, &body);
    }
    match mode {
        AwsMode::Strict => strict::answer(upstream, op, (region, enabled), &parts, body).await,
        AwsMode::Moto => upstream.forward(&parts, body).await,
    }
}

/// The calls the rig's CloudFormation stand-in answers ([`cloudformation::answer`]).
fn is_cloudformation(op: &str) -> bool {
    matches!(
        op,
        "DescribeStackResource" | "DescribeStacks" | "DescribeStackEvents" | "DescribeChangeSet"
    )
}

/// The Account API's calls, which the rig's [`account`] stand-in answers.
fn is_account(op: &str) -> bool {
    op == account::LIST_REGIONS
}

/// The calls the rig answers itself: CloudFormation's, STS's and the Account API's, not
/// CloudWatch Logs'.
fn is_stand_in(op: &str) -> bool {
    is_cloudformation(op) || sts::is_sts(op) || is_account(op)
}

/// Accepts TCP connections and never reads or answers: the shape of a
/// firewall that drops packets after the handshake, or a stuck server.
pub struct BlackHole {
    connections: Arc<AtomicUsize>,
    server: ServerThread,
}

impl BlackHole {
    pub fn start() -> Self {
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let server = ServerThread::spawn("black-hole", move |listener| async move {
            // Sockets are kept (not dropped) so the peer sees no reset.
            let mut open = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                open.push(stream);
            }
        });
        BlackHole {
            connections,
            server,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
