//! The shared moto server (AWS stand-in) and SDK clients pointed at it.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatchlogs::config::{BehaviorVersion, Credentials, Region};

const MOTO_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Kinesis streams (`REGION/NAME`, in moto's account 123456789012) that exist from the start:
/// the targets the tests, the demo's events and the benchmark point destinations at. In
/// strict mode a PutDestination whose Kinesis target moto does not have fails its test
/// message, as on AWS.
pub const RIG_STREAMS: [&str; 3] = [
    "us-east-1/central-logs",
    "us-east-1/other-logs",
    "us-east-1/rig",
];

struct Moto {
    endpoint: String,
    /// Never dropped (it lives in a static): we hold the write end of moto's
    /// stdin until this process exits, and moto stops when it sees EOF.
    _child: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// `http://127.0.0.1:PORT` of this test binary's moto server, started on first
/// use (about a second; blocks the caller meanwhile). All tests of the binary
/// share it, so they must use [`super::unique_name`] for what they create.
pub fn moto_endpoint() -> String {
    MOTO.get_or_init(start_moto).endpoint.clone()
}

fn start_moto() -> Moto {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "moto is not installed: run `scripts/setup-venv.sh` (or `scripts/test.sh`) \
         from the repository root first"
    );
    let mut child = Command::new(&python)
        .arg(root.join("scripts/moto_server.py"))
        .arg("0")
        .args(RIG_STREAMS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit()) // moto's tracebacks help when a test fails
        .spawn()
        .expect("spawn .venv/bin/python scripts/moto_server.py");

    // Read the "PORT <n>" line on a helper thread so the wait is bounded.
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = tx.send(reader.read_line(&mut line).map(|_| line));
        // Keep draining so moto can never block on a full stdout pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = match rx.recv_timeout(MOTO_START_TIMEOUT) {
        Ok(Ok(line)) => line,
        other => {
            let _ = child.kill();
            panic!("moto did not report its port within {MOTO_START_TIMEOUT:?}: {other:?}");
        }
    };
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("unexpected first line from moto_server.py: {line:?}")
        });

    // The script prints only once the socket listens; one connect proves it.
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(5))
        .expect("connect to moto");

    Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: Mutex::new(child),
    }
}

/// A CloudWatch Logs client for `endpoint` (moto, or a [`super::FaultProxy`]
/// in front of it) with the SDK's standard retries, for asserting on state.
pub fn logs_client(endpoint: &str) -> aws_sdk_cloudwatchlogs::Client {
    logs_client_with_retries(endpoint, 3)
}

/// Like [`logs_client`] with `max_attempts` attempts per call (1 = no retry),
/// so tests can see the raw answer of each attempt.
pub fn logs_client_with_retries(
    endpoint: &str,
    max_attempts: u32,
) -> aws_sdk_cloudwatchlogs::Client {
    logs_client_in("us-east-1", endpoint, max_attempts)
}

/// Like [`logs_client_with_retries`], signing for `region` (moto keeps one backend per Region,
/// chosen from the signature).
pub fn logs_client_in(
    region: &str,
    endpoint: &str,
    max_attempts: u32,
) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "rig"))
        .endpoint_url(endpoint)
        // Plain-HTTP client: the crate builds the SDK without a default one.
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts))
        // Bounded, so a hung proxy fails the test instead of stalling it.
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

/// The destinations moto holds whose names start with `prefix` (DescribeDestinations matches
/// prefixes only; compare names to find one exactly).
pub async fn destinations_named(
    logs: &aws_sdk_cloudwatchlogs::Client,
    prefix: &str,
) -> Vec<aws_sdk_cloudwatchlogs::types::Destination> {
    logs.describe_destinations()
        .destination_name_prefix(prefix)
        .send()
        .await
        .expect("DescribeDestinations on moto")
        .destinations()
        .to_vec()
}

/// Whether the shared moto holds a destination named exactly `name`.
pub async fn destination_exists(name: &str) -> bool {
    destinations_named(&logs_client(&moto_endpoint()), name)
        .await
        .iter()
        .any(|d| d.destination_name() == Some(name))
}
