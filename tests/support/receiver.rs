//! A stand-in for the pre-signed S3 URL CloudFormation hands out as
//! `ResponseURL`: records every request and answers per [`Behaviour`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{HeaderMap, Request, Response, StatusCode};
use tokio::sync::watch;

use super::http::{read_body, response, serve_http, Body, ServerThread};

/// The signature in every receiver URL: tests assert it never appears in the
/// function's logs (the query string is a credential).
pub const SECRET_SIGNATURE: &str = "SECRET-SIGNATURE-0123456789abcdef";

#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Answer 200 with an empty body, as S3 does.
    Accept,
    /// Answer the first `count` requests with `status`, then accept.
    FailFirst { count: usize, status: u16 },
    /// Read the request, then never answer (the connection stays open).
    Hang,
}

/// What the receiver did with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answered {
    Status(u16),
    /// Never answered ([`Behaviour::Hang`]).
    Hung,
}

#[derive(Clone, Debug)]
pub struct RecordedPut {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    /// Exactly the bytes that arrived (as delimited by Content-Length or
    /// chunking), so byte-vs-character length bugs are visible.
    pub body: Bytes,
    pub answered: Answered,
    pub received_at: Instant,
}

impl RecordedPut {
    /// The body as JSON; panics with the raw body if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response body is not JSON ({e}): {:?}", self.body_str()))
    }

    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value (first one, lossily decoded); `Some("")` if present
    /// but empty, which is what CloudFormation needs for Content-Type.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }
}

struct State {
    behaviour: Behaviour,
    requests: Vec<RecordedPut>,
}

pub struct ResponseReceiver {
    state: Arc<watch::Sender<State>>,
    path: String,
    server: ServerThread,
}

impl ResponseReceiver {
    pub fn start(behaviour: Behaviour) -> Self {
        let state = Arc::new(watch::Sender::new(State {
            behaviour,
            requests: Vec::new(),
        }));
        let handler_state = state.clone();
        let server = ServerThread::spawn("receiver", move |listener| {
            serve_http(listener, move |req| handle(handler_state.clone(), req))
        });
        ResponseReceiver {
            state,
            path: format!("/cfn-response/{}", super::unique_suffix()),
            server,
        }
    }

    /// A realistic pre-signed S3 URL pointing at this receiver. The same URL
    /// for every call; the query carries [`SECRET_SIGNATURE`].
    pub fn url(&self) -> String {
        format!(
            "http://{}{}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261126T101500Z\
             &X-Amz-SignedHeaders=host&X-Amz-Expires=7200\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261126%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Signature={SECRET_SIGNATURE}",
            self.server.addr(),
            self.path
        )
    }

    /// Changes how later requests are answered ([`Behaviour::FailFirst`]
    /// counts all requests received so far, including earlier ones).
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.state.send_modify(|s| s.behaviour = behaviour);
    }

    /// Every request received, any method, in arrival order.
    pub fn requests(&self) -> Vec<RecordedPut> {
        self.state.borrow().requests.clone()
    }

    /// The PUT requests received (answered or not), in arrival order.
    pub fn puts(&self) -> Vec<RecordedPut> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "PUT")
            .collect()
    }

    /// Waits until at least `n` PUTs arrived or `timeout` passed, and returns
    /// the PUTs received by then: check the length, it can be short.
    pub async fn wait_for_puts(&self, n: usize, timeout: Duration) -> Vec<RecordedPut> {
        let mut rx = self.state.subscribe();
        let _ = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| s.requests.iter().filter(|r| r.method == "PUT").count() >= n),
        )
        .await;
        self.puts()
    }
}

async fn handle(state: Arc<watch::Sender<State>>, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = read_body(body).await;
    let mut answered = Answered::Status(200);
    state.send_modify(|s| {
        answered = match s.behaviour {
            Behaviour::Accept => Answered::Status(200),
            Behaviour::FailFirst { count, status } if s.requests.len() < count => {
                Answered::Status(status)
            }
            Behaviour::FailFirst { .. } => Answered::Status(200),
            Behaviour::Hang => Answered::Hung,
        };
        s.requests.push(RecordedPut {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts.headers.clone(),
            body: body.clone(),
            answered,
            received_at: Instant::now(),
        });
    });
    match answered {
        Answered::Status(code) => {
            let status = StatusCode::from_u16(code).expect("valid status code");
            if status.is_success() {
                response(status, "text/plain", Bytes::new())
            } else {
                // Roughly what S3 sends, so a client logging it looks real.
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>\
                     <Message>injected by the test rig ({code})</Message></Error>"
                );
                response(status, "application/xml", xml)
            }
        }
        Answered::Hung => std::future::pending().await,
    }
}
