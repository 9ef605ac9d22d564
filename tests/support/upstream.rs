//! The AWS side of the [`super::FaultProxy`]: moto behind it, and errors shaped as
//! CloudWatch Logs sends them.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::http::{read_body, response, Body};

/// Upper bound on one forwarded call, so a stuck upstream cannot hang a test.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

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
    pub(super) fn new(endpoint: &str) -> Self {
        Upstream {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: endpoint.trim_end_matches('/').to_string(),
        }
    }

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
        self.call_as(caller, &format!("Logs_20140328.{op}"), input)
            .await
    }

    /// [`Self::call`] of any JSON 1.1 operation (`target` is its `X-Amz-Target`, e.g.
    /// `Kinesis_20131202.DescribeStreamSummary`), signed with `caller`'s headers.
    pub(super) async fn call_as(
        &self,
        caller: &HeaderMap,
        target: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, Response<Body>> {
        let mut builder = Request::builder()
            .method("POST")
            .uri(format!("{}/", self.base))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target);
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
