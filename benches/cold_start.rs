//! Cold-start benchmark: what a stack waits for, measured on loopback.
//!
//! Run it with `scripts/bench.sh` (it builds the release binary, makes the TLS material and
//! passes the paths below); see docs/performance.md. Each run starts the release binary the way
//! Lambda does, against the test rig (moto behind the counting `FaultProxy`, which answers as
//! AWS does unless `CFN_TEST_AWS=moto`, and a local Runtime API) and an HTTPS ResponseURL served here with rustls, and plays Create, Update in place,
//! Update with a tag change and Delete; then the same for a resource over 8 Regions, and a
//! Create and Delete over 17 (peak RSS). Certificate verification stays on: the function trusts
//! the bench CA through `SSL_CERT_FILE`, a bundle of the system roots plus that CA.
//!
//! Options: `--runs N` (default 20), `--warmup N` (default 1), `--check` (exit 1 when a budget
//! is exceeded), `--tls-dir DIR` (ca-bundle.pem, server.pem, server.key), `--binary PATH`,
//! `--arm64-binary PATH` (size only), `--cert-dir DIR` (also give the function `SSL_CERT_DIR`,
//! e.g. the system's certificate directory, as a host without `SSL_CERT_FILE` would load),
//! `--latency-ms N` (also time 1- and 8-Region cold creates with every CloudWatch Logs call
//! held N ms at the proxy before it goes to moto, as a remote endpoint's round trip would).

// The integration-test rig (it allows its own unused parts).
#[path = "../tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{
    create_request, deadline_header, delete_request, moto_endpoint, unique_name, update_request,
    Behaviour, FaultProxy, Function, Outcome, ResponseReceiver, RuntimeApi,
};
use tokio::sync::watch;

const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/central-logs";
const ROLE: &str = "arn:aws:iam::123456789012:role/central-logs-destination-role";
/// The invocation deadline handed to the function, and how long the bench waits for anything.
const DEADLINE: Duration = Duration::from_secs(30);

/// The budgets (sizes in decimal megabytes). Calls: a Create with a policy and tags needs a
/// TagResource of its own (AWS refuses tags in PutDestination); an Update checks ownership first.
const BUDGET_INIT_MS: f64 = 5.0;
const BUDGET_COLD_HTTPS_MS: f64 = 15.0;
const BUDGET_RSS_BYTES: u64 = 12_000_000;
const BUDGET_BINARY_BYTES: u64 = 7_000_000;
const BUDGET_CALLS_CREATE: usize = 4;
const BUDGET_CALLS_UPDATE: usize = 3;
const BUDGET_CALLS_DELETE: usize = 2;
/// `Regions`: an 8-Region Create within 1.5x a 1-Region Create; 17 Regions within the RSS budget.
const BUDGET_REGIONS_RATIO: f64 = 1.5;
const EIGHT_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
];
const SEVENTEEN_REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "sa-east-1",
    "ca-central-1",
];

struct Options {
    runs: usize,
    warmup: usize,
    check: bool,
    tls_dir: PathBuf,
    binary: PathBuf,
    arm64_binary: Option<PathBuf>,
    cert_dir: Option<PathBuf>,
    latency: Option<Duration>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        runs: 20,
        warmup: 1,
        check: false,
        tls_dir: PathBuf::new(),
        binary: PathBuf::from(env!("CARGO_BIN_EXE_cfn-logs-destination")),
        arm64_binary: None,
        cert_dir: None,
        latency: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--runs" => {
                options.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?
            }
            "--warmup" => {
                options.warmup = value("--warmup")?
                    .parse()
                    .map_err(|e| format!("--warmup: {e}"))?
            }
            "--check" => options.check = true,
            "--tls-dir" => options.tls_dir = value("--tls-dir")?.into(),
            "--binary" => options.binary = value("--binary")?.into(),
            "--arm64-binary" => options.arm64_binary = Some(value("--arm64-binary")?.into()),
            "--cert-dir" => options.cert_dir = Some(value("--cert-dir")?.into()),
            "--latency-ms" => {
                let ms: u64 = value("--latency-ms")?
                    .parse()
                    .map_err(|e| format!("--latency-ms: {e}"))?;
                options.latency = Some(Duration::from_millis(ms));
            }
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(options)
}

/// One PUT received at the HTTPS ResponseURL: when its body had fully arrived, and the body.
#[derive(Clone)]
struct Put {
    at: Instant,
    body: Bytes,
}

/// The HTTPS ResponseURL: rustls with the bench's server certificate, on its own thread and
/// runtime (as the rig's servers), answering every request 200 as S3 does.
struct TlsReceiver {
    puts: Arc<watch::Sender<Vec<Put>>>,
    addr: std::net::SocketAddr,
}

impl TlsReceiver {
    fn start(tls_dir: &Path) -> Result<Self, String> {
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
    fn url(&self) -> String {
        format!(
            "https://{}/cfn-response/bench?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Signature=bench-signature",
            self.addr
        )
    }

    fn count(&self) -> usize {
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
enum Reply<'a> {
    Https(&'a TlsReceiver),
    Http(&'a ResponseReceiver),
}

impl Reply<'_> {
    fn url(&self) -> String {
        match self {
            Reply::Https(r) => r.url(),
            Reply::Http(r) => r.url(),
        }
    }

    fn count(&self) -> usize {
        match self {
            Reply::Https(r) => r.count(),
            Reply::Http(r) => r.puts().len(),
        }
    }

    /// When the `n`-th PUT arrived, after checking it is a SUCCESS.
    async fn wait(&self, n: usize) -> Result<Instant, String> {
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

/// What one run measured.
#[derive(Default)]
struct Run {
    init: Duration,
    cold_create: Duration,
    warm_update: Option<Duration>,
    peak_rss: Option<u64>,
    calls: BTreeMap<&'static str, Vec<String>>,
    /// Cold create, split: event handed out -> first AWS call at the proxy, first -> last AWS
    /// call, last AWS call -> reply received.
    phases: Option<[Duration; 3]>,
    /// Cold create: first and last arrival at the proxy of each operation's calls. With
    /// Regions, every Region's call of one round should arrive at once.
    arrivals: BTreeMap<String, (Instant, Instant)>,
}

struct Rig {
    proxy: FaultProxy,
    https: TlsReceiver,
    http: ResponseReceiver,
    binary: PathBuf,
    ca_bundle: PathBuf,
    cert_dir: Option<PathBuf>,
}

/// A resource's properties, with `Regions` when `regions` is not empty (none: the function's
/// own Region).
fn regional_properties(name: &str, account: &str, team: &str, regions: &[&str]) -> Value {
    // One policy goes to every Region: its Resource must name each Region's destination.
    let region = if regions.is_empty() { "us-east-1" } else { "*" };
    let mut properties = json!({
        "DestinationName": name,
        "TargetArn": TARGET,
        "RoleArn": ROLE,
        "DestinationPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": account}, "Action": "logs:PutSubscriptionFilter",
            "Resource": format!("arn:aws:logs:{region}:123456789012:destination:{name}")}]},
        "Tags": [{"Key": "team", "Value": team}],
    });
    if !regions.is_empty() {
        properties["Regions"] = json!(regions);
    }
    properties
}

/// VmHWM of a live process, in bytes.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

impl Rig {
    /// Invokes `event` on a warm function and returns (handed out, reply received, AWS calls).
    async fn invoke(
        &self,
        runtime: &RuntimeApi,
        function: &Function,
        reply: &Reply<'_>,
        event: Value,
    ) -> Result<(Instant, Instant, Vec<String>), String> {
        let before = self.proxy.calls().len();
        let replies = reply.count();
        let id = runtime.queue(event, &deadline_header(DEADLINE));
        let invocation = runtime.wait_outcome(&id, DEADLINE).await;
        if !matches!(invocation.outcome, Outcome::Response(_)) {
            return Err(format!(
                "invocation failed: {:?}\n{}",
                invocation.outcome,
                function.logs()
            ));
        }
        let received = reply.wait(replies + 1).await?;
        let handed_out = invocation
            .handed_out_at
            .ok_or("the event was never handed out")?;
        Ok((handed_out, received, self.proxy.calls()[before..].to_vec()))
    }

    /// One cold process: Create, then (when `full`) the two Updates, then Delete.
    async fn run(&self, reply: Reply<'_>, full: bool) -> Result<Run, String> {
        self.run_in(reply, full, &[]).await
    }

    /// [`Rig::run`] for a resource listing `regions` (none: the function's own Region).
    async fn run_in(&self, reply: Reply<'_>, full: bool, regions: &[&str]) -> Result<Run, String> {
        let runtime = RuntimeApi::start();
        let url = reply.url();
        let name = unique_name("bench");
        let create = create_request(
            &url,
            "Destination",
            regional_properties(&name, "111122223333", "a", regions),
        );

        let before = self.proxy.calls().len();
        let replies = reply.count();
        let id = runtime.queue(create.clone(), &deadline_header(DEADLINE));
        let spawned = Instant::now();
        let mut builder = Function::builder(&runtime.address(), &self.proxy.endpoint())
            .program(&self.binary, &[])
            .env("SSL_CERT_FILE", &self.ca_bundle.to_string_lossy());
        // Exactly this trust store, as on Lambda: no directory inherited from this machine,
        // unless `--cert-dir` asks for one.
        builder = match &self.cert_dir {
            Some(dir) => builder.env("SSL_CERT_DIR", &dir.to_string_lossy()),
            None => builder.env_remove("SSL_CERT_DIR"),
        };
        let function = builder.spawn();
        let invocation = runtime.wait_outcome(&id, DEADLINE).await;
        if !matches!(invocation.outcome, Outcome::Response(_)) {
            return Err(format!(
                "Create failed: {:?}\n{}",
                invocation.outcome,
                function.logs()
            ));
        }
        let received = reply.wait(replies + 1).await?;
        let mut run = Run {
            init: invocation.handed_out_at.ok_or("never handed out")? - spawned,
            cold_create: received - spawned,
            ..Run::default()
        };
        run.calls
            .insert("Create", self.proxy.calls()[before..].to_vec());
        let times: Vec<Instant> = self.proxy.calls_with_times()[before..]
            .iter()
            .map(|(_, at)| *at)
            .collect();
        if let (Some(first), Some(last), Some(handed_out)) =
            (times.first(), times.last(), invocation.handed_out_at)
        {
            run.phases = Some([*first - handed_out, *last - *first, received - *last]);
        }
        for (op, at) in &self.proxy.calls_with_times()[before..] {
            let (first, last) = run.arrivals.entry(op.clone()).or_insert((*at, *at));
            *first = (*first).min(*at);
            *last = (*last).max(*at);
        }

        let mut last = create;
        if full {
            let update = update_request(
                &last,
                &url,
                &name,
                regional_properties(&name, "444455556666", "a", regions),
            );
            let (handed_out, received, calls) = self
                .invoke(&runtime, &function, &reply, update.clone())
                .await?;
            run.warm_update = Some(received - handed_out);
            run.calls.insert("Update in place, same tags", calls);
            last = update;

            let retag = update_request(
                &last,
                &url,
                &name,
                regional_properties(&name, "444455556666", "b", regions),
            );
            let (_, _, calls) = self
                .invoke(&runtime, &function, &reply, retag.clone())
                .await?;
            run.calls.insert("Update with a tag change", calls);
            last = retag;
        }
        let delete = delete_request(&last, &url, &name);
        let (_, _, calls) = self.invoke(&runtime, &function, &reply, delete).await?;
        run.calls.insert("Delete", calls);
        run.peak_rss = peak_rss(function.pid());
        function.kill();
        Ok(run)
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (many Regions, one Region) cold creates in ms, from runs taken one after the other.
fn cold_pairs<'a>(runs: impl Iterator<Item = (&'a Run, &'a Run)>) -> Vec<(f64, f64)> {
    runs.map(|(one, many)| (millis(many.cold_create), millis(one.cold_create)))
        .collect()
}

struct Table {
    failed: Vec<String>,
}

impl Table {
    fn header() {
        println!(
            "{:<50} {:>10} {:>10} {:>10} {:>12}  ",
            "metric", "median", "min", "max", "budget"
        );
    }

    /// One row: the median, min and max of `values` as `show` writes them, against an
    /// optional upper budget on the median; returns the median as shown.
    fn row(
        &mut self,
        label: &str,
        values: &[f64],
        budget: Option<f64>,
        show: impl Fn(f64) -> String,
    ) -> String {
        let med = median(values.to_vec());
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (budget_text, verdict) =
            verdict(budget.map(|b| (med <= b, show(b).replace(".00", ""))));
        if verdict == "OVER" {
            self.failed.push(format!("{}: {}", label.trim(), show(med)));
        }
        println!(
            "{label:<50} {:>10} {:>10} {:>10} {budget_text:>12}  {verdict}",
            show(med),
            show(min),
            show(max)
        );
        show(med)
    }

    /// A row of millisecond figures.
    fn millis(&mut self, label: &str, values: &[f64], budget: Option<f64>) -> String {
        self.row(label, values, budget, |v| format!("{v:.2} ms"))
    }

    /// A row of sizes in bytes, shown in decimal megabytes.
    fn bytes(&mut self, label: &str, values: &[f64], budget: Option<u64>) -> String {
        self.row(label, values, budget.map(|b| b as f64), |v| {
            format!("{:.2} MB", v / 1e6)
        })
    }

    /// A row of per-run ratios (`numerator / denominator` of the same run).
    fn ratio(&mut self, label: &str, pairs: &[(f64, f64)], budget: Option<f64>) -> String {
        let ratios: Vec<f64> = pairs.iter().map(|(n, d)| n / d).collect();
        self.row(label, &ratios, budget, |v| format!("{v:.2}x"))
    }

    /// A row of AWS call counts with an optional upper budget; returns the median.
    fn calls(&mut self, label: &str, runs: &[Run], budget: Option<usize>) -> f64 {
        self.calls_in(label, runs, 1, budget)
    }

    /// The calls of operation `label` for a resource over `regions` Regions, against
    /// `budget` per Region; returns the median per Region.
    fn calls_in(
        &mut self,
        label: &str,
        runs: &[Run],
        regions: usize,
        budget: Option<usize>,
    ) -> f64 {
        let title = match regions {
            1 => label.to_string(),
            n => format!("{label}, {n} Regions"),
        };
        let counts: Vec<usize> = runs
            .iter()
            .filter_map(|r| r.calls.get(label).map(Vec::len))
            .collect();
        let max = counts.iter().copied().max().unwrap_or(0);
        let min = counts.iter().copied().min().unwrap_or(0);
        let budget = budget.map(|b| b * regions);
        let (budget_text, verdict) = verdict(budget.map(|b| (max <= b, b.to_string())));
        if verdict == "OVER" {
            self.failed.push(format!("AWS calls, {title}: {max}"));
        }
        // Counts are the same in every run unless something retried.
        let med = median(counts.iter().map(|&c| c as f64).collect());
        let per_region = med / regions as f64;
        let mut ops: Vec<&String> = runs
            .iter()
            .find_map(|r| r.calls.get(label))
            .map(|ops| ops.iter().collect())
            .unwrap_or_default();
        // Per Region the list would be long: the distinct operations say enough.
        let mut note = String::new();
        if regions > 1 {
            ops.sort();
            ops.dedup();
            note = format!("{per_region} per Region; ");
        }
        let ops = ops
            .iter()
            .map(|op| op.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{:<50} {med:>10} {min:>10} {max:>10} {budget_text:>12}  {verdict}  ({note}{ops})",
            format!("AWS calls: {title}"),
        );
        per_region
    }
}

fn verdict(check: Option<(bool, String)>) -> (String, &'static str) {
    match check {
        Some((true, budget)) => (format!("<= {budget}"), "ok"),
        Some((false, budget)) => (format!("<= {budget}"), "OVER"),
        None => ("-".into(), ""),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    // `cargo test --all-targets` runs this target too, with the test filter as arguments.
    if !std::env::args().any(|arg| arg == "--tls-dir") {
        println!("cold_start: skipped (no --tls-dir); run the benchmark with scripts/bench.sh");
        return ExitCode::SUCCESS;
    }
    let options = match options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("cold_start: {problem}");
            return ExitCode::from(2);
        }
    };
    match bench(&options).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(problem) => {
            eprintln!("cold_start: {problem}");
            ExitCode::from(2)
        }
    }
}

async fn bench(options: &Options) -> Result<bool, String> {
    let binary_size = std::fs::metadata(&options.binary)
        .map_err(|e| format!("{}: {e}", options.binary.display()))?
        .len();
    let moto = tokio::task::spawn_blocking(moto_endpoint)
        .await
        .map_err(|e| e.to_string())?;
    let rig = Rig {
        proxy: FaultProxy::start(&moto),
        https: TlsReceiver::start(&options.tls_dir)?,
        http: ResponseReceiver::start(Behaviour::Accept),
        binary: options.binary.clone(),
        ca_bundle: options.tls_dir.join("ca-bundle.pem"),
        cert_dir: options.cert_dir.clone(),
    };

    for _ in 0..options.warmup {
        rig.run(Reply::Https(&rig.https), true).await?;
        rig.run(Reply::Http(&rig.http), false).await?;
    }
    let mut https_runs = Vec::with_capacity(options.runs);
    let mut http_runs = Vec::with_capacity(options.runs);
    let mut eight_runs = Vec::with_capacity(options.runs);
    let mut seventeen_runs = Vec::with_capacity(options.runs);
    // With `--latency-ms`: 1-Region and 8-Region cold creates, every call delayed.
    let (mut slow_one, mut slow_eight) = (Vec::new(), Vec::new());
    for _ in 0..options.runs {
        https_runs.push(rig.run(Reply::Https(&rig.https), true).await?);
        http_runs.push(rig.run(Reply::Http(&rig.http), false).await?);
        eight_runs.push(
            rig.run_in(Reply::Https(&rig.https), true, &EIGHT_REGIONS)
                .await?,
        );
        seventeen_runs.push(
            rig.run_in(Reply::Https(&rig.https), false, &SEVENTEEN_REGIONS)
                .await?,
        );
        if let Some(latency) = options.latency {
            // Every call the function makes, whatever its operation or Region, waits here
            // before it goes to moto: Regions answered concurrently, as separate endpoints are.
            rig.proxy.delay("*", latency);
            let one = rig.run(Reply::Https(&rig.https), false).await;
            let eight = rig
                .run_in(Reply::Https(&rig.https), false, &EIGHT_REGIONS)
                .await;
            rig.proxy.clear_rules();
            slow_one.push(one?);
            slow_eight.push(eight?);
        }
    }

    println!(
        "cfn-logs-destination cold-start benchmark: {} runs ({} warm-up), {}, AWS mode {:?}",
        options.runs,
        options.warmup,
        options.binary.display(),
        rig.proxy.mode()
    );
    Table::header();
    let mut table = Table { failed: Vec::new() };
    let ms = |runs: &[Run], f: fn(&Run) -> Option<Duration>| -> Vec<f64> {
        runs.iter().filter_map(f).map(millis).collect()
    };
    let init = table.millis(
        "init (spawn -> first next)",
        &ms(&https_runs, |r| Some(r.init)),
        Some(BUDGET_INIT_MS),
    );
    let cold_https = table.millis(
        "cold create, HTTPS reply",
        &ms(&https_runs, |r| Some(r.cold_create)),
        Some(BUDGET_COLD_HTTPS_MS),
    );
    let one = median(ms(&https_runs, |r| Some(r.cold_create)));
    let cold_eight = table.millis(
        "cold create, 8 Regions, HTTPS reply",
        &ms(&eight_runs, |r| Some(r.cold_create)),
        Some((one * BUDGET_REGIONS_RATIO * 100.0).round() / 100.0),
    );
    let eight_ratio = table.ratio(
        "  8 Regions / 1 Region",
        &cold_pairs(https_runs.iter().zip(&eight_runs)),
        None,
    );
    // Overlap: how far apart each round's calls (one per Region) reached the proxy.
    for op in ["DescribeDestinations", "PutDestination"] {
        let spreads: Vec<f64> = eight_runs
            .iter()
            .filter_map(|r| {
                r.arrivals
                    .get(op)
                    .map(|(first, last)| millis(*last - *first))
            })
            .collect();
        table.millis(&format!("  8 x {op}, arrival spread"), &spreads, None);
    }
    let mut latency_row = None;
    if let Some(latency) = options.latency {
        let ms_each = latency.as_millis();
        let one = table.millis(
            &format!("cold create, every call +{ms_each} ms"),
            &ms(&slow_one, |r| Some(r.cold_create)),
            None,
        );
        let eight = table.millis(
            "  the same, 8 Regions",
            &ms(&slow_eight, |r| Some(r.cold_create)),
            None,
        );
        let ratio = table.ratio(
            &format!("  8 Regions / 1 Region, +{ms_each} ms"),
            &cold_pairs(slow_one.iter().zip(&slow_eight)),
            Some(BUDGET_REGIONS_RATIO),
        );
        // Overlap: the latency a Create paid, against the raw run just before it. Three rounds
        // of calls for one Region; the same three when the Regions overlap, eight times as
        // many when they do not.
        for (label, slow, raw) in [
            ("  added by the latency, 1 Region", &slow_one, &https_runs),
            (
                "  added by the latency, 8 Regions",
                &slow_eight,
                &eight_runs,
            ),
        ] {
            let added: Vec<f64> = slow
                .iter()
                .zip(raw)
                .map(|(slow, raw)| millis(slow.cold_create) - millis(raw.cold_create))
                .collect();
            table.millis(label, &added, None);
        }
        latency_row = Some((ms_each, one, eight, ratio));
    }
    let cold_http = table.millis(
        "cold create, HTTP reply",
        &ms(&http_runs, |r| Some(r.cold_create)),
        None,
    );
    for (i, phase) in [
        "  event -> first AWS call",
        "  first -> last AWS call",
        "  last AWS call -> reply",
    ]
    .iter()
    .enumerate()
    {
        let values: Vec<f64> = https_runs
            .iter()
            .filter_map(|r| r.phases.map(|p| millis(p[i])))
            .collect();
        if !values.is_empty() {
            table.millis(phase, &values, None);
        }
    }
    let warm = table.millis(
        "warm update, HTTPS reply",
        &ms(&https_runs, |r| r.warm_update),
        None,
    );
    let rss: Vec<f64> = https_runs
        .iter()
        .filter_map(|r| r.peak_rss.map(|b| b as f64))
        .collect();
    let rss = table.bytes("peak RSS (VmHWM)", &rss, Some(BUDGET_RSS_BYTES));
    let rss_17: Vec<f64> = seventeen_runs
        .iter()
        .filter_map(|r| r.peak_rss.map(|b| b as f64))
        .collect();
    let rss_17 = table.bytes("peak RSS, 17 Regions", &rss_17, Some(BUDGET_RSS_BYTES));
    let host = table.bytes(
        "release binary (host)",
        &[binary_size as f64],
        Some(BUDGET_BINARY_BYTES),
    );
    let mut arm64_size = String::from("-");
    let calls_budget =
        format!("{BUDGET_CALLS_CREATE} / {BUDGET_CALLS_UPDATE} / - / {BUDGET_CALLS_DELETE}");
    if let Some(arm64) = &options.arm64_binary {
        let size = std::fs::metadata(arm64)
            .map_err(|e| format!("{}: {e}", arm64.display()))?
            .len();
        arm64_size = table.bytes("release binary (arm64)", &[size as f64], None);
    }
    let calls = [
        table.calls("Create", &https_runs, Some(BUDGET_CALLS_CREATE)),
        table.calls(
            "Update in place, same tags",
            &https_runs,
            Some(BUDGET_CALLS_UPDATE),
        ),
        table.calls("Update with a tag change", &https_runs, None),
        table.calls("Delete", &https_runs, Some(BUDGET_CALLS_DELETE)),
    ]
    .map(|n| n.to_string())
    .join(" / ");
    // Per Region: the same budgets as for one.
    let regions = EIGHT_REGIONS.len();
    let per_region = [
        table.calls_in("Create", &eight_runs, regions, Some(BUDGET_CALLS_CREATE)),
        table.calls_in(
            "Update in place, same tags",
            &eight_runs,
            regions,
            Some(BUDGET_CALLS_UPDATE),
        ),
        table.calls_in("Update with a tag change", &eight_runs, regions, None),
        table.calls_in("Delete", &eight_runs, regions, Some(BUDGET_CALLS_DELETE)),
    ]
    .map(|n| n.to_string())
    .join(" / ");

    // The README's table, filled from this run: paste it over the one there.
    let mb = |b: u64| format!("{} MB", b / 1_000_000);
    let host_label = format!("release binary, host ({})", std::env::consts::ARCH);
    println!("\nREADME table (Performance):\n");
    println!("| Metric | Budget | Measured |\n|---|---|---|");
    for (metric, budget, measured) in [
        (
            "init: process start to the first request for work",
            format!("{BUDGET_INIT_MS} ms"),
            init,
        ),
        (
            "cold create: process start to the Create reply received over HTTPS",
            format!("{BUDGET_COLD_HTTPS_MS} ms"),
            cold_https,
        ),
        ("cold create with a plain-HTTP reply", "-".into(), cold_http),
        (
            "warm update: event handed out to reply received",
            "-".into(),
            warm,
        ),
        ("peak RSS (VmHWM)", mb(BUDGET_RSS_BYTES), rss),
        (host_label.as_str(), mb(BUDGET_BINARY_BYTES), host),
        (
            "release binary, arm64 (`cargo lambda build --release --arm64`)",
            "-".into(),
            arm64_size,
        ),
        (
            "AWS calls: Create / Update in place / Update with tag change / Delete",
            calls_budget.clone(),
            calls,
        ),
        (
            "cold create, 8 Regions (and its ratio to 1 Region)",
            format!("{BUDGET_REGIONS_RATIO}x"),
            format!("{cold_eight} ({eight_ratio})"),
        ),
        ("peak RSS, 17 Regions", mb(BUDGET_RSS_BYTES), rss_17),
        (
            "AWS calls per Region, 8 Regions: Create / Update in place / Update with tag change / Delete",
            calls_budget,
            per_region,
        ),
    ] {
        println!("| {metric} | {budget} | {measured} |");
    }
    if let Some((ms_each, one, eight, ratio)) = latency_row {
        println!(
            "| cold create, every AWS call +{ms_each} ms: 1 Region / 8 Regions (ratio) \
             | {BUDGET_REGIONS_RATIO}x | {one} / {eight} ({ratio}) |"
        );
    }
    println!();

    if table.failed.is_empty() {
        println!("all budgets hold");
        Ok(true)
    } else {
        println!("over budget: {}", table.failed.join("; "));
        Ok(!options.check)
    }
}
