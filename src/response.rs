//! The reply to CloudFormation: a JSON body of at most 4096 bytes, PUT to the pre-signed
//! ResponseURL with an empty Content-Type, retried while the failure is transient.

use crate::event::ReplyTarget;
use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

mod hosts;

pub use hosts::{ResponseHosts, RESPONSE_URL_HOSTS};

/// CloudFormation rejects larger replies.
pub const MAX_BODY_BYTES: usize = 4096;
const TRUNCATION_MARK: &str = " [truncated]";
/// Each of the four echoed ids, as JSON, in a reply that must be cut to fit: four of them and
/// the fallback Reason stay under [`MAX_BODY_BYTES`].
const MAX_ECHOED_ID_BYTES: usize = 900;

/// Delivery attempts, each bounded by timeouts, with doubling pauses in between.
pub const MAX_ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Bounds every TCP connect, to the ResponseURL and (through [`ReplySender::http_client`]) to AWS.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Bounds each reply attempt as a whole: connect, TLS handshake, request and answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
        }
    }
}

/// What we tell CloudFormation about one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: Status,
    pub reason: Option<String>,
    /// Appended to the Reason and kept whole when a long Reason is shortened.
    pub reason_suffix: Option<String>,
    pub physical_resource_id: String,
    pub data: BTreeMap<String, String>,
}

impl Reply {
    /// The JSON body, never over 4096 bytes: a long Reason is shortened on a UTF-8 boundary, and
    /// if even that cannot make it fit, the reply becomes a short FAILED without Data.
    pub fn body(&self, target: &ReplyTarget) -> Vec<u8> {
        let body = self.serialise(target);
        if body.len() <= MAX_BODY_BYTES {
            return body;
        }
        if let Some(reason) = &self.reason {
            let overhead = body.len() - json_len(reason);
            if let Some(room) = MAX_BODY_BYTES.checked_sub(overhead + TRUNCATION_MARK.len()) {
                let mut shortened = self.clone();
                shortened.reason = Some(format!("{}{TRUNCATION_MARK}", json_prefix(reason, room)));
                let body = shortened.serialise(target);
                if body.len() <= MAX_BODY_BYTES {
                    return body;
                }
            }
        }
        let fallback = Reply {
            status: Status::Failed,
            reason: Some(format!(
                "The reply would exceed CloudFormation's {MAX_BODY_BYTES}-byte limit; \
                 shorten the property values"
            )),
            reason_suffix: None,
            physical_resource_id: self.physical_resource_id.clone(),
            data: BTreeMap::new(),
        };
        let body = fallback.serialise(target);
        if body.len() <= MAX_BODY_BYTES {
            return body;
        }
        // The echoed ids alone are too long. CloudFormation never sends such ids (its own are
        // well under a kilobyte each), so this request came from elsewhere; a reply cut to fit
        // is still better than one that cannot be stored.
        let cut = |text: &str| json_prefix(text, MAX_ECHOED_ID_BYTES).to_owned();
        let fallback = Reply {
            physical_resource_id: cut(&fallback.physical_resource_id),
            ..fallback
        };
        let target = ReplyTarget {
            response_url: String::new(),
            stack_id: cut(&target.stack_id),
            request_id: cut(&target.request_id),
            logical_resource_id: cut(&target.logical_resource_id),
        };
        fallback.serialise(&target)
    }

    /// The body's size before any shortening, to check ahead of the work that it will fit.
    pub fn unshortened_len(&self, target: &ReplyTarget) -> usize {
        self.serialise(target).len()
    }

    fn serialise(&self, target: &ReplyTarget) -> Vec<u8> {
        let mut response = CloudFormationCustomResourceResponse::default();
        response.status = match self.status {
            Status::Success => CloudFormationCustomResourceResponseStatus::Success,
            Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
        };
        response.reason = match (&self.reason, &self.reason_suffix) {
            (Some(reason), Some(suffix)) => Some(format!("{reason}{suffix}")),
            (reason, _) => reason.clone(),
        };
        response.physical_resource_id = self.physical_resource_id.clone();
        response.stack_id = target.stack_id.clone();
        response.request_id = target.request_id.clone();
        response.logical_resource_id = target.logical_resource_id.clone();
        response.data = self
            .data
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Serialising plain strings and maps cannot fail. A SUCCESS without a Reason omits the
        // field rather than sending null.
        let mut json = serde_json::to_value(&response).unwrap_or_default();
        if let Some(fields) = json.as_object_mut() {
            fields.retain(|_, value| !value.is_null());
        }
        serde_json::to_vec(&json).unwrap_or_default()
    }
}

/// Bytes `c` takes inside a JSON string: quotes, backslashes and control characters are escaped.
fn json_char_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
        c if c < ' ' => 6,
        c => c.len_utf8(),
    }
}

fn json_len(text: &str) -> usize {
    text.chars().map(json_char_len).sum()
}

/// The longest prefix of `text`, cut between characters, that takes at most `room` bytes of JSON.
fn json_prefix(text: &str, room: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += json_char_len(c);
        if used > room {
            return &text[..at];
        }
    }
    text
}

/// The ResponseURL without its query string: the signature is a credential and never logged.
pub fn redacted(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

#[derive(Debug)]
pub struct DeliveryError(pub String);

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeliveryError {}

/// How a reply went: the outcome, and the attempts it took (the `ReplyAttempts` metric).
#[derive(Debug)]
pub struct Delivery {
    pub attempts: u32,
    pub outcome: Result<(), DeliveryError>,
}

/// Sends replies over the SDK's own HTTP stack (hyper + rustls, system trust store, which
/// honours `SSL_CERT_FILE` and `SSL_CERT_DIR`), so the function carries one TLS implementation.
///
/// The same connector serves the SDK ([`ReplySender::http_client`]): the trust store is loaded
/// and parsed once per process, not once per client and again for the reply, and building it
/// can start in the background at process start ([`ReplySender::warm_up_in_background`]).
#[derive(Debug, Default)]
pub struct ReplySender {
    /// Where a reply may go: nowhere else is ever called.
    hosts: ResponseHosts,
    connector: OnceLock<Connector>,
    /// For `http://` URLs only (local emulators and tests): it needs no trust store, so plain
    /// HTTP calls never wait for one to load. It holds no root certificate, so should an
    /// `https://` URL ever reach it, certificate verification fails closed.
    plain: OnceLock<Connector>,
}

impl ReplySender {
    /// Replies to the hosts the environment allows ([`ResponseHosts::from_env`]).
    pub fn new() -> Self {
        Self::with_hosts(ResponseHosts::from_env())
    }

    pub fn with_hosts(hosts: ResponseHosts) -> Self {
        ReplySender {
            hosts,
            ..Self::default()
        }
    }

    /// Whether a reply may be sent to `url` at all; `Err` says why not.
    pub fn admits(&self, url: &str) -> Result<(), String> {
        self.hosts.admits(url)
    }

    /// Builds the HTTPS connector; loading and parsing the trust store is its costly part, so
    /// it is done once and can be started ahead of the first call. A caller arriving while
    /// another thread builds it waits for that build.
    pub fn warm_up(&self) -> &Connector {
        self.connector
            .get_or_init(|| connector(TlsContext::default()))
    }

    /// The connector for `url`: the TLS one unless `url` is plain `http://`.
    fn connector_for(&self, url: &str) -> &Connector {
        let plain_http = url
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
        if !plain_http {
            return self.warm_up();
        }
        self.plain.get_or_init(|| {
            let no_roots = TlsContext::builder()
                .with_trust_store(TrustStore::empty())
                .build()
                .unwrap_or_default();
            connector(no_roots)
        })
    }

    /// Starts [`Self::warm_up`] on its own thread and returns at once, so that the trust store
    /// loads while the runtime fetches the first event. Should the thread not start, the first
    /// call builds the connector itself.
    pub fn warm_up_in_background(self: &Arc<Self>) {
        let sender = Arc::clone(self);
        let started = std::thread::Builder::new()
            .name("tls-warm-up".into())
            .spawn(move || {
                sender.warm_up();
            });
        if let Err(error) = started {
            tracing::debug!(%error, "no background TLS warm-up");
        }
    }

    /// This sender's connector as the SDK's HTTP client: one trust store and one connection
    /// pool for AWS and the reply. The connect timeout is [`CONNECT_TIMEOUT`]; the SDK's own
    /// attempt and operation timeouts still apply.
    pub fn http_client(self: &Arc<Self>) -> SharedHttpClient {
        let connector = SharedHttpConnector::new(SharedConnector(Arc::clone(self)));
        http_client_fn(move |_settings, _components| connector.clone())
    }

    /// PUTs `body` to `url`, retrying network errors, 5xx and 429 with backoff, never past
    /// `deadline` and at most `max_attempts` times. A URL [`Self::admits`] refuses is never
    /// called.
    pub async fn send(
        &self,
        url: &str,
        body: Vec<u8>,
        deadline: Instant,
        max_attempts: u32,
    ) -> Delivery {
        let mut attempts = 0;
        let outcome = match self.admits(url) {
            Ok(()) => {
                self.try_send(url, body, deadline, max_attempts, &mut attempts)
                    .await
            }
            Err(refused) => Err(DeliveryError(refused)),
        };
        Delivery { attempts, outcome }
    }

    async fn try_send(
        &self,
        url: &str,
        body: Vec<u8>,
        deadline: Instant,
        max_attempts: u32,
        attempts: &mut u32,
    ) -> Result<(), DeliveryError> {
        let connector = self.connector_for(url);
        let mut backoff = FIRST_BACKOFF;
        let mut last_error = String::from("no attempt was made before the deadline");
        for attempt in 1..=max_attempts {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            let request = put_request(url, &body)?;
            *attempts = attempt;
            let outcome =
                tokio::time::timeout(remaining.min(ATTEMPT_TIMEOUT), connector.call(request)).await;
            let retryable = match outcome {
                Ok(Ok(response)) => {
                    let status = response.status().as_u16();
                    if response.status().is_success() {
                        tracing::debug!(attempt, status, url = redacted(url), "reply delivered");
                        return Ok(());
                    }
                    last_error = format!("the ResponseURL answered HTTP {status}");
                    status >= 500 || status == 429
                }
                Ok(Err(error)) => {
                    last_error = format!("the ResponseURL could not be reached: {error}");
                    true
                }
                Err(_) => {
                    last_error = "the ResponseURL did not answer in time".into();
                    true
                }
            };
            tracing::warn!(attempt, url = redacted(url), error = %last_error, "reply not delivered");
            if !retryable || attempt == max_attempts {
                break;
            }
            let pause = backoff.min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(pause).await;
            backoff *= 2;
        }
        Err(DeliveryError(last_error))
    }
}

/// rustls with ring, trusting `trust` (the default: the system trust store, honouring
/// `SSL_CERT_FILE` and `SSL_CERT_DIR`). No read timeout: each reply attempt is bounded as a
/// whole (ATTEMPT_TIMEOUT), each AWS call by the SDK's attempt and operation timeouts.
fn connector(trust: TlsContext) -> Connector {
    Connector::builder()
        .connector_settings(
            HttpConnectorSettings::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        )
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(trust)
        .build()
}

/// Hands every call to the sender's connectors, built on first use (or by the warm-up).
#[derive(Debug)]
struct SharedConnector(Arc<ReplySender>);

impl HttpConnector for SharedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.0.connector_for(request.uri()).call(request)
    }
}

fn put_request(url: &str, body: &[u8]) -> Result<HttpRequest, DeliveryError> {
    let mut request = HttpRequest::new(SdkBody::from(body.to_vec()));
    request
        .set_method("PUT")
        .map_err(|e| DeliveryError(format!("cannot build the reply request: {e}")))?;
    request.set_uri(url).map_err(|_| {
        DeliveryError(format!(
            "the ResponseURL {} is not a valid URL",
            redacted(url)
        ))
    })?;
    // The URL is signed without a Content-Type: sending one invalidates the signature.
    request.headers_mut().insert("content-type", "");
    request
        .headers_mut()
        .insert("content-length", body.len().to_string());
    Ok(request)
}

#[cfg(test)]
mod tests;
