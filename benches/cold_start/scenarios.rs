//! What each run plays against the rig: one cold process per run through Create, the Updates
//! and Delete, with what it measured.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{
    create_request, deadline_header, delete_request, round_trips, round_trips_by_region,
    unique_name, update_request, CallSpan, FaultProxy, Function, Outcome, ResponseReceiver,
    RuntimeApi,
};
use crate::tls::{Reply, TlsReceiver};

const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/central-logs";
const ROLE: &str = "arn:aws:iam::123456789012:role/central-logs-destination-role";
/// The invocation deadline handed to the function, and how long the bench waits for anything.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub const EIGHT_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
];
pub const SEVENTEEN_REGIONS: [&str; 17] = [
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

/// The operations of a full run, in the order played (a short run plays the first and last).
pub const CREATE: &str = "Create";
pub const UPDATE_IN_PLACE: &str = "Update in place, same tags";
pub const UPDATE_RETAG: &str = "Update with a tag change";
pub const UPDATE_NO_CHANGE: &str = "Update with no changes";
pub const DELETE: &str = "Delete";

/// The round trips of one operation (see `support::round_trips`).
#[derive(Clone, Copy)]
pub struct RoundTrips {
    /// The most of any one Region: what that Region's calls waited for, one after another.
    pub per_region: usize,
    /// Observing: the same for the reads (Describe*, List*) sent before the first write.
    pub observing: usize,
    /// All Regions' calls together: with one Region, the same as `per_region`; with many, an
    /// upper bound, as the emulator's queue can chain calls of different Regions.
    pub all: usize,
}

impl RoundTrips {
    fn of(calls: &[CallSpan]) -> Self {
        let is_read = |c: &CallSpan| c.op.starts_with("Describe") || c.op.starts_with("List");
        let first_write = calls
            .iter()
            .filter(|c| !is_read(c))
            .map(|c| c.arrived)
            .min();
        let reads: Vec<CallSpan> = calls
            .iter()
            .filter(|c| is_read(c) && first_write.is_none_or(|w| c.arrived < w))
            .cloned()
            .collect();
        let most = |calls: &[CallSpan]| {
            round_trips_by_region(calls)
                .into_values()
                .max()
                .unwrap_or(0)
        };
        RoundTrips {
            per_region: most(calls),
            observing: most(&reads),
            all: round_trips(calls),
        }
    }
}

/// What one run measured.
#[derive(Default)]
pub struct Run {
    pub init: Duration,
    pub cold_create: Duration,
    pub warm_update: Option<Duration>,
    pub peak_rss: Option<u64>,
    /// CloudWatch Logs calls, by operation.
    pub calls: BTreeMap<&'static str, Vec<String>>,
    /// CloudFormation calls that checked the request, by operation.
    pub checks: BTreeMap<&'static str, usize>,
    pub round_trips: BTreeMap<&'static str, RoundTrips>,
    /// Cold create, split: event handed out -> first AWS call at the proxy, first -> last AWS
    /// call, last AWS call -> reply received.
    pub phases: Option<[Duration; 3]>,
    /// Cold create: first and last arrival at the proxy of each operation's calls. With
    /// Regions, every Region's call of one round should arrive at once.
    pub arrivals: BTreeMap<String, (Instant, Instant)>,
}

impl Run {
    fn record(&mut self, operation: &'static str, calls: &[CallSpan]) {
        let (checks, logs): (Vec<&CallSpan>, Vec<&CallSpan>) = calls
            .iter()
            .partition(|c| c.op.starts_with("DescribeStack"));
        self.calls
            .insert(operation, logs.iter().map(|c| c.op.clone()).collect());
        self.checks.insert(operation, checks.len());
        self.round_trips.insert(operation, RoundTrips::of(calls));
    }
}

pub struct Rig {
    pub proxy: FaultProxy,
    pub https: TlsReceiver,
    pub http: ResponseReceiver,
    pub binary: PathBuf,
    pub ca_bundle: PathBuf,
    pub cert_dir: Option<PathBuf>,
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
    ) -> Result<(Instant, Instant, Vec<CallSpan>), String> {
        let before = self.proxy.call_spans().len();
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
        Ok((
            handed_out,
            received,
            self.proxy.call_spans()[before..].to_vec(),
        ))
    }

    /// One cold process: Create, then (when `full`) the three Updates, then Delete.
    pub async fn run(&self, reply: Reply<'_>, full: bool) -> Result<Run, String> {
        self.run_in(reply, full, &[]).await
    }

    /// [`Rig::run`] for a resource listing `regions` (none: the function's own Region).
    pub async fn run_in(
        &self,
        reply: Reply<'_>,
        full: bool,
        regions: &[&str],
    ) -> Result<Run, String> {
        let runtime = RuntimeApi::start();
        let url = reply.url();
        let name = unique_name("bench");
        let create = create_request(
            &url,
            "Destination",
            regional_properties(&name, "111122223333", "a", regions),
        );

        let before = self.proxy.call_spans().len();
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
        let calls = self.proxy.call_spans()[before..].to_vec();
        run.record(CREATE, &calls);
        if let (Some(first), Some(last), Some(handed_out)) =
            (calls.first(), calls.last(), invocation.handed_out_at)
        {
            let (first, last) = (first.arrived, last.arrived);
            run.phases = Some([first - handed_out, last - first, received - last]);
        }
        for call in &calls {
            let at = call.arrived;
            let (first, last) = run.arrivals.entry(call.op.clone()).or_insert((at, at));
            *first = (*first).min(at);
            *last = (*last).max(at);
        }

        let mut last = create;
        if full {
            // New policy (same tags), then a tag change, then the same properties again: what
            // an Update costs when there is nothing to do.
            for (op, account, team) in [
                (UPDATE_IN_PLACE, "444455556666", "a"),
                (UPDATE_RETAG, "444455556666", "b"),
                (UPDATE_NO_CHANGE, "444455556666", "b"),
            ] {
                let properties = regional_properties(&name, account, team, regions);
                let update = update_request(&last, &url, &name, properties);
                let (handed_out, received, calls) = self
                    .invoke(&runtime, &function, &reply, update.clone())
                    .await?;
                if op == UPDATE_IN_PLACE {
                    run.warm_update = Some(received - handed_out);
                }
                run.record(op, &calls);
                last = update;
            }
        }
        let delete = delete_request(&last, &url, &name);
        let (_, _, calls) = self.invoke(&runtime, &function, &reply, delete).await?;
        run.record(DELETE, &calls);
        run.peak_rss = peak_rss(function.pid());
        function.kill();
        Ok(run)
    }
}
