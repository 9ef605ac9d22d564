//! Where the function's replies go: an HTTPS ResponseURL served here with rustls (the same
//! stack as the function), or the rig's plain-HTTP `ResponseReceiver`.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

use crate::scenarios::DEADLINE;
use crate::support::ResponseReceiver;

/// One PUT received at the HTTPS ResponseURL: when its body had fully arrived, and the body.
#[derive(Clone)]
struct Put {
    at: Instant,
    body: Bytes,
}

/// The HTTPS ResponseURL: rustls with the bench's server certificate, on its own thread and
/// runtime (as the rig's servers), answering every request 200 as S3 does.
pub struct TlsReceiver {
    puts: Arc<watch::Sender<Vec<Put>>>,
    addr: std::net::SocketAddr,
}

impl TlsReceiver {
    pub fn start(tls_dir: &Path) -> Result<Self, String> {
        let read = |name: &str| {
            std::fs::read(tls_dir.join(name)).map_err(|e| format!("reading {name}: {e}"))
        };
        let certs = CertificateDer::pem_slice_iter(&read("server.pem")?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("server.pem: {e}"))?;
        let key = PrivateKeyDer::from_pem_slice(&read("server.key")?)
            .map_err(|e| format!("server.key: {e}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
            .map_err(|e| format!("TLS server configuration: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let puts = Arc::new(watch::Sender::new(Vec::new()));
        let recorder = puts.clone();
        // Detached: it serves until the bench exits.
        std::thread::Builder::new()
            .name("bench-https-receiver".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("receiver runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let _ = stream.set_nodelay(true);
                        let acceptor = acceptor.clone();
                        let recorder = recorder.clone();
                        tokio::spawn(async move {
                            let Ok(tls) = acceptor.accept(stream).await else {
                                return;
                            };
                            let service = hyper::service::service_fn(move |req| {
                                record(recorder.clone(), req)
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tls), service)
                                .await;
                        });
                    }
                });
            })
            .map_err(|e| e.to_string())?;
        Ok(TlsReceiver { puts, addr })
    }

    /// A pre-signed-looking URL on this receiver (IP literal: no DNS lookup is measured).
    pub fn url(&self) -> String {
        format!(
            "https://{}/cfn-response/bench?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Signature=bench-signature",
            self.addr
        )
    }

    pub fn count(&self) -> usize {
        self.puts.borrow().len()
    }

    /// The `n`-th PUT (1-based), waiting for it at most `DEADLINE`.
    async fn wait_put(&self, n: usize) -> Option<Put> {
        let mut rx = self.puts.subscribe();
        let _ = tokio::time::timeout(DEADLINE, rx.wait_for(|p| p.len() >= n)).await;
        self.puts.borrow().get(n - 1).cloned()
    }
}

async fn record(
    recorder: Arc<watch::Sender<Vec<Put>>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let at = Instant::now();
    recorder.send_modify(|puts| puts.push(Put { at, body }));
    Ok(Response::new(Full::new(Bytes::new())))
}

/// Where a reply goes in one run.
pub enum Reply<'a> {
    Https(&'a TlsReceiver),
    Http(&'a ResponseReceiver),
}

impl Reply<'_> {
    pub fn url(&self) -> String {
        match self {
            Reply::Https(r) => r.url(),
            Reply::Http(r) => r.url(),
        }
    }

    pub fn count(&self) -> usize {
        match self {
            Reply::Https(r) => r.count(),
            Reply::Http(r) => r.puts().len(),
        }
    }

    /// When the `n`-th PUT arrived, after checking it is a SUCCESS.
    pub async fn wait(&self, n: usize) -> Result<Instant, String> {
        let (at, body) = match self {
            Reply::Https(r) => {
                let put = r
                    .wait_put(n)
                    .await
                    .ok_or("no reply at the HTTPS ResponseURL")?;
                (put.at, put.body)
            }
            Reply::Http(r) => {
                let puts = r.wait_for_puts(n, DEADLINE).await;
                let put = puts.get(n - 1).ok_or("no reply at the HTTP ResponseURL")?;
                (put.received_at, put.body.clone())
            }
        };
        let reply: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if reply["Status"] != "SUCCESS" {
            return Err(format!("the function answered {reply}"));
        }
        Ok(at)
    }
}
