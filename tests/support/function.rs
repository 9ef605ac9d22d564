//! The compiled function binary, started the way Lambda starts it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Polling interval for the log and exit waits (a child process offers no
/// async notification that works across runtimes).
const POLL: Duration = Duration::from_millis(20);

/// The function setting listing the hosts a reply may go to besides CloudFormation's.
pub const RESPONSE_URL_HOSTS: &str = "RESPONSE_URL_HOSTS";
/// The host every rig server binds ([`super::http`]): the receivers' host.
pub const RECEIVER_HOST: &str = "127.0.0.1";

/// The rig's `PASS_ROLE_ARN_PATTERNS`.
pub const TEST_ROLE_PATTERNS: &str = "arn:aws:iam::123456789012:role/*";
/// The rig's `ALLOWED_TARGET_ARNS`: the template's default for the test account.
pub const TEST_TARGET_PATTERNS: &str =
    "arn:aws:kinesis:*:123456789012:stream/*,arn:aws:firehose:*:123456789012:deliverystream/*";

pub struct FunctionBuilder {
    program: PathBuf,
    args: Vec<String>,
    env: BTreeMap<String, Option<String>>,
}

impl FunctionBuilder {
    /// Runs `program args...` instead of the function binary (the rig's own
    /// tests use this to run `lambda_runtime` against [`super::RuntimeApi`]).
    pub fn program(mut self, program: impl Into<PathBuf>, args: &[&str]) -> Self {
        self.program = program.into();
        self.args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Sets (or overrides) an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_string(), Some(value.to_string()));
        self
    }

    /// Removes a variable the rig would otherwise set.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.insert(key.to_string(), None);
        self
    }

    /// The provisioning function: `CFN_LOGS_DESTINATION_MODE=provisioning`, serving only
    /// EventBridge events (the default serves only CloudFormation's shapes).
    pub fn provisioning(self) -> Self {
        self.env("CFN_LOGS_DESTINATION_MODE", "provisioning")
    }

    /// `AWS_MAX_ATTEMPTS`: SDK attempts per call (1 = no retries).
    pub fn max_attempts(self, n: u32) -> Self {
        self.env("AWS_MAX_ATTEMPTS", &n.to_string())
    }

    pub fn spawn(self) -> Function {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        // A developer's own AWS settings must not leak into tests.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the function binary");

        let logs = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        spawn_line_reader(stdout, logs.clone());
        spawn_line_reader(stderr, logs.clone());
        Function {
            child: Mutex::new(child),
            logs,
        }
    }
}

/// Appends whole lines to `logs`; lines from stdout and stderr interleave in
/// arrival order.
fn spawn_line_reader(stream: impl Read + Send + 'static, logs: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let mut text = String::from_utf8_lossy(&line).into_owned();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            lock(&logs).push_str(&text);
            line.clear();
        }
    });
}

/// Locks even if a panicking test poisoned the mutex: Drop must still work.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running function process; killed when dropped.
pub struct Function {
    child: Mutex<Child>,
    logs: Arc<Mutex<String>>,
}

impl Function {
    /// Lambda's environment for a function reading events from `runtime_api`
    /// (`RuntimeApi::address()`) and calling AWS at `aws_endpoint` (moto, a
    /// `FaultProxy`, a `BlackHole`). Inherited `AWS_*` variables are cleared.
    pub fn builder(runtime_api: &str, aws_endpoint: &str) -> FunctionBuilder {
        let vars = [
            ("AWS_LAMBDA_RUNTIME_API", runtime_api),
            ("AWS_LAMBDA_FUNCTION_NAME", "cfn-logs-destination"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                "/aws/lambda/cfn-logs-destination",
            ),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/26/[$LATEST]test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_SESSION_TOKEN", "testing"),
            ("AWS_ENDPOINT_URL", aws_endpoint),
            // Never reach for instance metadata (a non-loopback address) or a
            // developer's ~/.aws files.
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            // The deployed template always sets the allow-lists: the rig's admit every role
            // and Kinesis or Firehose target of the test account, which is all tests use.
            ("PASS_ROLE_ARN_PATTERNS", TEST_ROLE_PATTERNS),
            ("ALLOWED_TARGET_ARNS", TEST_TARGET_PATTERNS),
            // Every receiver (ResponseReceiver, BlackHole) listens on this host, as a local
            // run lists its own: replies go nowhere else.
            (RESPONSE_URL_HOSTS, RECEIVER_HOST),
        ];
        FunctionBuilder {
            program: env!("CARGO_BIN_EXE_cfn-logs-destination").into(),
            args: Vec::new(),
            env: vars
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
        }
    }

    /// Everything the process printed so far, stdout and stderr together.
    pub fn logs(&self) -> String {
        lock(&self.logs).clone()
    }

    /// The CloudWatch Embedded Metric Format documents printed so far: the lines of the logs
    /// that are JSON objects with an `_aws` member, in order.
    pub fn metrics(&self) -> Vec<serde_json::Value> {
        self.logs()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|doc| doc.get("_aws").is_some())
            .collect()
    }

    /// Waits until at least `n` EMF documents were printed and returns them all (check the
    /// length: it is short on timeout).
    pub async fn wait_for_metrics(&self, n: usize, timeout: Duration) -> Vec<serde_json::Value> {
        let end = Instant::now() + timeout;
        loop {
            let metrics = self.metrics();
            if metrics.len() >= n || Instant::now() >= end {
                return metrics;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the logs contain `needle`; false on timeout.
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while !self.logs().contains(needle) {
            if Instant::now() >= end {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
        true
    }

    /// The exit status if the process has ended.
    pub fn exited(&self) -> Option<ExitStatus> {
        lock(&self.child).try_wait().ok().flatten()
    }

    /// Waits for the process to end; `None` if it still runs after `timeout`.
    pub async fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= end {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub fn pid(&self) -> u32 {
        lock(&self.child).id()
    }

    /// SIGKILL, as Lambda does when an invocation overruns its timeout.
    pub fn kill(&self) {
        let mut child = lock(&self.child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        self.kill();
        // A failing test shows what the function said.
        if std::thread::panicking() {
            eprintln!("---- function logs ----\n{}---- end ----", self.logs());
        }
    }
}
