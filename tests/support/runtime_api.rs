//! A local Lambda Runtime API (protocol 2018-06-01), enough for the
//! `lambda_runtime` crate: long-polled `next`, per-invocation `response` and
//! `error`, and `init/error`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::watch;

use super::http::{json_response, parse_json_lossy, read_body, serve_http, Body, ServerThread};

pub const DEFAULT_FUNCTION_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:cfn-logs-destination";

/// How long [`RuntimeApi::invoke`] waits past the deadline before giving up
/// with [`Outcome::NoAnswer`]: room for a function that answers right at it.
const GRACE: Duration = Duration::from_secs(5);

const PREFIX: &str = "/2018-06-01/runtime";

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Body of `POST /invocation/{id}/response`.
    Response(Value),
    /// Body of `POST /invocation/{id}/error`.
    Error(Value),
    /// Nothing posted for this invocation in time.
    NoAnswer,
}

#[derive(Clone, Debug)]
pub struct Invocation {
    pub request_id: String,
    pub outcome: Outcome,
    pub queued_at: Instant,
    /// When the function fetched the event with `GET next`.
    pub handed_out_at: Option<Instant>,
    /// When the outcome was posted.
    pub answered_at: Option<Instant>,
    /// The deadline the function was given, when it was a real future time
    /// (`None` for raw header values such as "0").
    pub deadline: Option<Instant>,
    /// `Lambda-Runtime-Deadline-Ms` exactly as sent.
    pub deadline_header: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimePostKind {
    Response,
    Error,
    InitError,
}

/// A POST the function made, recorded whether or not it was valid.
#[derive(Clone, Debug)]
pub struct RuntimePost {
    pub kind: RuntimePostKind,
    /// `None` for `init/error`.
    pub request_id: Option<String>,
    pub headers: HeaderMap,
    /// The body as JSON, or as a JSON string if it was not JSON.
    pub body: Value,
    pub at: Instant,
    /// The status we answered: 202, or 400 for an unknown or already
    /// answered request id (a bug in the function or the runtime crate).
    pub status: u16,
}

struct Queued {
    request_id: String,
    body: Bytes,
    deadline_header: String,
}

struct State {
    function_arn: String,
    queue: VecDeque<Queued>,
    /// (request id, when) for each event the function fetched.
    handed_out: Vec<(String, Instant)>,
    posts: Vec<RuntimePost>,
    /// Number of `GET next` requests received, answered or still waiting.
    polls: usize,
    /// request id -> (when queued, deadline header), for every queued event.
    queued: HashMap<String, (Instant, String)>,
}

/// `Lambda-Runtime-Deadline-Ms` for a deadline `after` from now.
pub fn deadline_header(after: Duration) -> String {
    (SystemTime::now() + after)
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis()
        .to_string()
}

pub struct RuntimeApi {
    state: Arc<watch::Sender<State>>,
    server: ServerThread,
}

impl RuntimeApi {
    pub fn start() -> Self {
        let state = Arc::new(watch::Sender::new(State {
            function_arn: DEFAULT_FUNCTION_ARN.to_string(),
            queue: VecDeque::new(),
            handed_out: Vec::new(),
            posts: Vec::new(),
            polls: 0,
            queued: HashMap::new(),
        }));
        let handler_state = state.clone();
        let server = ServerThread::spawn("runtime-api", move |listener| {
            serve_http(listener, move |req| handle(handler_state.clone(), req))
        });
        RuntimeApi { state, server }
    }

    /// `127.0.0.1:PORT`, the form `AWS_LAMBDA_RUNTIME_API` takes.
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    /// `Lambda-Runtime-Invoked-Function-Arn` for events queued from now on.
    pub fn set_function_arn(&self, arn: &str) {
        self.state.send_modify(|s| s.function_arn = arn.to_string());
    }

    /// Queues `event` with a deadline `deadline` from now, waits for the
    /// function's answer (at most `deadline` + 5 s) and returns it.
    pub async fn invoke(&self, event: Value, deadline: Duration) -> Invocation {
        let request_id = self.queue(event, &deadline_header(deadline));
        let mut inv = self.wait_outcome(&request_id, deadline + GRACE).await;
        inv.deadline = Some(inv.queued_at + deadline);
        inv
    }

    /// Like [`Self::invoke`] but sends `deadline_header` verbatim as
    /// `Lambda-Runtime-Deadline-Ms` ("0", a past time, garbage) and waits at
    /// most `wait` for the answer.
    pub async fn invoke_with_deadline_header(
        &self,
        event: Value,
        deadline_header: &str,
        wait: Duration,
    ) -> Invocation {
        let request_id = self.queue(event, deadline_header);
        self.wait_outcome(&request_id, wait).await
    }

    /// Queues an event without waiting; returns its request id. Pair with
    /// [`Self::wait_outcome`] to act while the function works on it.
    pub fn queue(&self, event: Value, deadline_header: &str) -> String {
        // The rig plays CloudFormation: what it delivers, CloudFormation shows in progress.
        super::cloudformation::issued(&event);
        let request_id = super::uuid_like();
        self.state.send_modify(|s| {
            s.queued.insert(
                request_id.clone(),
                (Instant::now(), deadline_header.to_string()),
            );
            s.queue.push_back(Queued {
                request_id: request_id.clone(),
                body: Bytes::from(event.to_string()),
                deadline_header: deadline_header.to_string(),
            })
        });
        request_id
    }

    /// Waits at most `timeout` for the first response/error posted for
    /// `request_id` (as returned by [`Self::queue`]).
    pub async fn wait_outcome(&self, request_id: &str, timeout: Duration) -> Invocation {
        let mut rx = self.state.subscribe();
        let _ = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| first_answer(s, request_id).is_some()),
        )
        .await;

        let s = self.state.borrow();
        let (queued_at, deadline_header) = s
            .queued
            .get(request_id)
            .cloned()
            .unwrap_or_else(|| panic!("request id {request_id} was never queued"));
        let post = first_answer(&s, request_id);
        let outcome = match post {
            Some(p) if p.kind == RuntimePostKind::Response => Outcome::Response(p.body.clone()),
            Some(p) => Outcome::Error(p.body.clone()),
            None => Outcome::NoAnswer,
        };
        Invocation {
            request_id: request_id.to_string(),
            outcome,
            queued_at,
            handed_out_at: s
                .handed_out
                .iter()
                .find(|(id, _)| id == request_id)
                .map(|(_, at)| *at),
            answered_at: post.map(|p| p.at),
            deadline: None,
            deadline_header,
        }
    }

    /// Every POST the function made, in order (including late and duplicate
    /// answers, which [`Invocation`] does not show).
    pub fn posts(&self) -> Vec<RuntimePost> {
        self.state.borrow().posts.clone()
    }

    /// Bodies of `POST /init/error`.
    pub fn init_errors(&self) -> Vec<Value> {
        self.posts()
            .into_iter()
            .filter(|p| p.kind == RuntimePostKind::InitError)
            .map(|p| p.body)
            .collect()
    }

    /// Number of `GET next` requests received so far.
    pub fn polls(&self) -> usize {
        self.state.borrow().polls
    }

    /// Waits until the function has sent `n` `GET next` requests (it sends
    /// one at start-up and one after each answer); false on timeout.
    pub async fn wait_for_polls(&self, n: usize, timeout: Duration) -> bool {
        let mut rx = self.state.subscribe();
        let polled = tokio::time::timeout(timeout, rx.wait_for(|s| s.polls >= n))
            .await
            .is_ok();
        polled
    }
}

/// The first response or error posted for `request_id`.
fn first_answer<'a>(s: &'a State, request_id: &str) -> Option<&'a RuntimePost> {
    s.posts.iter().find(|p| {
        p.request_id.as_deref() == Some(request_id)
            && matches!(p.kind, RuntimePostKind::Response | RuntimePostKind::Error)
    })
}

async fn handle(state: Arc<watch::Sender<State>>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let Some(route) = path.strip_prefix(PREFIX) else {
        return not_found();
    };
    match (method, route) {
        (Method::GET, "/invocation/next") => next_event(state).await,
        (Method::POST, "/init/error") => {
            record_post(state, RuntimePostKind::InitError, None, req).await
        }
        (Method::POST, r) => {
            let Some(rest) = r.strip_prefix("/invocation/") else {
                return not_found();
            };
            if let Some(id) = rest.strip_suffix("/response") {
                record_post(state, RuntimePostKind::Response, Some(id.to_string()), req).await
            } else if let Some(id) = rest.strip_suffix("/error") {
                record_post(state, RuntimePostKind::Error, Some(id.to_string()), req).await
            } else {
                not_found()
            }
        }
        _ => not_found(),
    }
}

/// Long poll: answers as soon as an event is queued, however long that takes
/// (the runtime client has no timeout on this call, like real Lambda).
async fn next_event(state: Arc<watch::Sender<State>>) -> Response<Body> {
    state.send_modify(|s| s.polls += 1);
    let mut rx = state.subscribe();
    loop {
        let mut taken = None;
        let mut function_arn = String::new();
        state.send_if_modified(|s| {
            taken = s.queue.pop_front();
            if let Some(q) = &taken {
                s.handed_out.push((q.request_id.clone(), Instant::now()));
                function_arn = s.function_arn.clone();
            }
            taken.is_some()
        });
        if let Some(q) = taken {
            let trace = super::uuid_like().replace('-', "");
            return Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .header("lambda-runtime-aws-request-id", &q.request_id)
                .header("lambda-runtime-deadline-ms", &q.deadline_header)
                .header("lambda-runtime-invoked-function-arn", function_arn)
                .header(
                    "lambda-runtime-trace-id",
                    format!(
                        "Root=1-{}-{};Parent={};Sampled=0",
                        &trace[..8],
                        &trace[8..32],
                        &trace[16..32]
                    ),
                )
                .body(Body::new(q.body))
                .expect("valid response");
        }
        // Another poller may win the race for the event: loop and re-check.
        if rx.wait_for(|s| !s.queue.is_empty()).await.is_err() {
            return not_found();
        }
    }
}

async fn record_post(
    state: Arc<watch::Sender<State>>,
    kind: RuntimePostKind,
    request_id: Option<String>,
    req: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = read_body(body).await;
    let mut status = StatusCode::ACCEPTED;
    state.send_modify(|s| {
        if let Some(id) = &request_id {
            let known = s.handed_out.iter().any(|(h, _)| h == id);
            let answered = s
                .posts
                .iter()
                .any(|p| p.request_id.as_ref() == Some(id) && p.kind != RuntimePostKind::InitError);
            if !known || answered {
                status = StatusCode::BAD_REQUEST;
            }
        }
        s.posts.push(RuntimePost {
            kind,
            request_id: request_id.clone(),
            headers: parts.headers.clone(),
            body: parse_json_lossy(&body),
            at: Instant::now(),
            status: status.as_u16(),
        });
    });
    if status == StatusCode::ACCEPTED {
        json_response(status, &json!({"status": "OK"}))
    } else {
        json_response(
            status,
            &json!({"errorMessage": "Invalid request ID or already answered",
                    "errorType": "InvalidRequestID"}),
        )
    }
}

fn not_found() -> Response<Body> {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"errorMessage": "Not found", "errorType": "NotFound"}),
    )
}
