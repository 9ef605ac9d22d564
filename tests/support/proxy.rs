//! Failures moto never produces: [`FaultProxy`] injects AWS errors, delays
//! and hangs per operation, and in [`AwsMode::Strict`] answers as CloudWatch
//! Logs does where moto is looser; [`BlackHole`] accepts connections and says
//! nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::watch;

use super::http::{read_body, response, serve_http, Body, ServerThread};
use super::strict::{self, AwsMode};

/// Upper bound on one forwarded call, so a stuck upstream cannot hang a test.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

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
    fn matches(&self, op: &str) -> bool {
        (self.op == op || self.op == "*")
            && !matches!(
                self.action,
                Action::Fail {
                    remaining: Times::N(0),
                    ..
                }
            )
    }
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    calls: Vec<(String, Instant)>,
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
        let upstream = Upstream {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: upstream_endpoint.trim_end_matches('/').to_string(),
        };
        let state = Arc::new(watch::Sender::new(State::default()));
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

    /// Remove every rule: from now on, calls are forwarded untouched.
    pub fn clear_rules(&self) {
        self.state.send_modify(|s| s.rules.clear());
    }

    fn add(&self, op: &str, action: Action) {
        let op = op.to_string();
        self.state
            .send_modify(|s| s.rules.push(Rule { op, action }));
    }

    /// Operations called, in arrival order (`"PutDestination"`, ...).
    pub fn calls(&self) -> Vec<String> {
        self.state
            .borrow()
            .calls
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    /// Calls with their arrival time, e.g. to check retry back-off.
    pub fn calls_with_times(&self) -> Vec<(String, Instant)> {
        self.state.borrow().calls.clone()
    }

    pub fn count(&self, op: &str) -> usize {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|(o, _)| o == op)
            .count()
    }

    /// Waits until `op` was called at least `n` times; false on timeout.
    pub async fn wait_for_count(&self, op: &str, n: usize, timeout: Duration) -> bool {
        let mut rx = self.state.subscribe();
        let reached = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| s.calls.iter().filter(|(o, _)| o == op).count() >= n),
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
    // "Logs_20140328.PutDestination" -> "PutDestination".
    let op = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("<no X-Amz-Target>")
        .to_string();

    let mut action = None;
    state.send_modify(|s| {
        s.calls.push((op.clone(), Instant::now()));
        if let Some(rule) = s.rules.iter_mut().find(|r| r.matches(&op)) {
            if let Action::Fail {
                remaining: Times::N(n),
                ..
            } = &mut rule.action
            {
                *n -= 1;
            }
            action = Some(rule.action.clone());
        }
    });

    // Fault rules come first, as a failing network or service would.
    match action {
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
    let (parts, body) = req.into_parts();
    let body = read_body(body).await;
    match mode {
        AwsMode::Strict => strict::answer(&upstream, &op, &parts, body).await,
        AwsMode::Moto => upstream.forward(&parts, body).await,
    }
}

/// An error shaped like the real service's (AWS JSON 1.1 protocol).
pub(super) fn aws_error(status: u16, error_type: &str, message: &str) -> Response<Body> {
    aws_error_with(status, error_type, message, serde_json::json!({}))
}

/// [`aws_error`] with the error shape's other members (e.g. `resourceName`).
pub(super) fn aws_error_with(
    status: u16,
    error_type: &str,
    message: &str,
    members: serde_json::Value,
) -> Response<Body> {
    let mut body = serde_json::json!({"__type": error_type, "message": message});
    if let (Some(body), Some(members)) = (body.as_object_mut(), members.as_object()) {
        body.extend(members.clone());
    }
    let body = body.to_string();
    Response::builder()
        .status(StatusCode::from_u16(status).expect("valid status"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amzn-errortype", error_type)
        .header("x-amzn-requestid", super::uuid_like())
        .body(Body::new(Bytes::from(body)))
        .expect("valid response")
}

/// Hop-by-hop headers are per connection and must not be passed along.
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection" | "keep-alive" | "transfer-encoding" | "te" | "trailer" | "upgrade"
    ) || name.starts_with("proxy-")
}

/// Where the proxy sends what it does not answer itself (moto).
pub(super) struct Upstream {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Upstream {
    /// Passes the caller's request on unchanged and its answer back.
    pub(super) async fn forward(&self, parts: &Parts, body: Bytes) -> Response<Body> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut builder = Request::builder()
            .method(parts.method.clone())
            .uri(format!("{}{path}", self.base));
        // The Host header is kept as signed; moto does not check signatures.
        for (name, value) in &parts.headers {
            if !is_hop_by_hop(name.as_str()) {
                builder = builder.header(name, value);
            }
        }
        let upstream_req = builder.body(Full::new(body)).expect("valid request");
        match self.send(upstream_req).await {
            Ok((parts, body)) => {
                let mut resp = Response::builder().status(parts.status);
                for (name, value) in &parts.headers {
                    if !is_hop_by_hop(name.as_str()) {
                        resp = resp.header(name, value);
                    }
                }
                resp.body(Body::new(body)).expect("valid response")
            }
            Err(answer) => answer,
        }
    }

    /// The proxy's own call of `op` with `input`, signed as the caller's request was: moto
    /// keeps one backend per Region and picks it from the Authorization header's credential
    /// scope, so the call sees what the caller's call sees. An error comes back as the
    /// answer to give the caller.
    pub(super) async fn call(
        &self,
        caller: &HeaderMap,
        op: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, Response<Body>> {
        let mut builder = Request::builder()
            .method("POST")
            .uri(format!("{}/", self.base))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("Logs_20140328.{op}"));
        for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
            if let Some(value) = caller.get(name) {
                builder = builder.header(name, value);
            }
        }
        let request = builder
            .body(Full::new(Bytes::from(input.to_string())))
            .expect("valid request");
        let (parts, body) = self.send(request).await?;
        let value = super::http::parse_json_lossy(&body);
        if parts.status.is_success() {
            Ok(value)
        } else {
            Err(response(
                parts.status,
                "application/x-amz-json-1.1",
                value.to_string(),
            ))
        }
    }

    /// One bounded exchange with the upstream; a failure becomes the 502/504 to answer with.
    async fn send(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(hyper::http::response::Parts, Bytes), Response<Body>> {
        let result = tokio::time::timeout(UPSTREAM_TIMEOUT, async {
            let resp = self.client.request(request).await?;
            let (parts, body) = resp.into_parts();
            Ok::<_, hyper_util::client::legacy::Error>((parts, read_body(body).await))
        })
        .await;
        match result {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => Err(response(
                StatusCode::BAD_GATEWAY,
                "text/plain",
                format!("fault proxy: upstream error: {e}"),
            )),
            Err(_) => Err(response(
                StatusCode::GATEWAY_TIMEOUT,
                "text/plain",
                "fault proxy: upstream timed out",
            )),
        }
    }
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
