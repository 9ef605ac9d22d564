//! Many stacks at once under the account's rate limits: a dozen function processes (Lambda's
//! concurrent execution environments) serve Creates and Deletes over several Regions through
//! one proxy that throttles each API in each Region to 5 calls a second, as CloudWatch Logs'
//! quotas do. Every request must be answered SUCCESS before its deadline, the Deletes must
//! leave nothing behind, and the throttled calls' retries must not run in step.
//!
//! Prints the figures `docs/performance.md` quotes (`cargo test --test load -- --nocapture`).

mod harness;
mod support;

use futures_util::future::join_all;
use harness::*;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::*;

const STACKS: usize = 12;
const CALLS_PER_SECOND: u32 = 5;
const TWO_REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The commercial Regions enabled by default (those that need no opt-in).
const SEVENTEEN_REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
];

/// One provider function with [`STACKS`] execution environments, behind one rate-limited
/// proxy (the account): each process signs with its own access key, so that the proxy can
/// tell whose call a retry is.
struct Account {
    runtime: RuntimeApi,
    receiver: ResponseReceiver,
    proxy: FaultProxy,
    _functions: Vec<Function>,
}

impl Account {
    fn start() -> Account {
        let runtime = RuntimeApi::start();
        let receiver = ResponseReceiver::start(Behaviour::Accept);
        let proxy = FaultProxy::to_moto();
        proxy.rate_limit(CALLS_PER_SECOND);
        let functions = (0..STACKS)
            .map(|i| {
                Function::builder(&runtime.address(), &proxy.endpoint())
                    .env("AWS_ACCESS_KEY_ID", &format!("environment{i}"))
                    .spawn()
            })
            .collect();
        Account {
            runtime,
            receiver,
            proxy,
            _functions: functions,
        }
    }

    /// Sends every request at once; returns each one's reply, checked: SUCCESS, answered
    /// before the deadline. Also returns how long the slowest took.
    async fn all_succeed(&self, requests: &[Value]) -> (Vec<Value>, Duration) {
        let started = Instant::now();
        let invocations = join_all(
            requests
                .iter()
                .map(|r| self.runtime.invoke(r.clone(), DEADLINE)),
        )
        .await;
        let took = started.elapsed();
        let puts = self.receiver.puts();
        let mut replies = Vec::new();
        for (request, invocation) in requests.iter().zip(invocations) {
            let reply = puts
                .iter()
                .map(RecordedPut::json)
                .find(|reply| reply["RequestId"] == request["RequestId"])
                .unwrap_or_else(|| panic!("no reply to {request}: {:?}", invocation.outcome));
            assert_eq!(reply["Status"], "SUCCESS", "{reply}");
            let answered = invocation.answered_at.expect("answered");
            assert!(answered - invocation.queued_at < DEADLINE, "{reply}");
            replies.push(reply);
        }
        (replies, took)
    }

    /// Creates [`STACKS`] destinations over `regions` at once, then deletes them at once;
    /// checks that nothing is left and returns (Create phase, Delete phase) durations.
    async fn roll_out_and_back(&self, prefix: &str, regions: &[&str]) -> (Duration, Duration) {
        let names: Vec<String> = (0..STACKS).map(|_| unique_name(prefix)).collect();
        let creates: Vec<Value> = names
            .iter()
            .map(|name| create_request(&self.receiver.url(), "Destination", fanned(name, regions)))
            .collect();
        let (_, created) = self.all_succeed(&creates).await;
        for name in &names {
            assert_complete(name, regions[regions.len() - 1]).await;
        }
        let deletes: Vec<Value> = creates
            .iter()
            .zip(&names)
            .map(|(create, name)| delete_request(create, &self.receiver.url(), name))
            .collect();
        let (_, deleted) = self.all_succeed(&deletes).await;
        for region in regions {
            let logs = client_in(region);
            for name in &names {
                assert_eq!(stored(&logs, name).await, None, "{name} left in {region}");
            }
        }
        (created, deleted)
    }
}

/// For each throttled call, how long its caller took to send the same call again.
fn retry_delays(records: &[CallRecord]) -> Vec<Duration> {
    let mut last: HashMap<(&str, &str, &str), &CallRecord> = HashMap::new();
    let mut delays = Vec::new();
    for record in records {
        let key = (
            record.caller.as_str(),
            record.op.as_str(),
            record.region.as_str(),
        );
        if let Some(previous) = last.insert(key, record) {
            if previous.throttled {
                delays.push(record.at - previous.at);
            }
        }
    }
    delays.sort();
    delays
}

fn millis(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dozen_stacks_over_several_regions_succeed_under_the_rate_limit_and_leave_nothing() {
    let account = Account::start();
    let started = Instant::now();
    let (create2, delete2) = account.roll_out_and_back("load", &TWO_REGIONS).await;
    let records = account.proxy.records();
    let throttled = records.iter().filter(|r| r.throttled).count();
    let delays = retry_delays(&records);
    let (create17, delete17) = account
        .roll_out_and_back("load17", &SEVENTEEN_REGIONS)
        .await;
    let all = account.proxy.records();
    let throttled17 = all.iter().filter(|r| r.throttled).count() - throttled;

    println!(
        "{STACKS} stacks x {} Regions at {CALLS_PER_SECOND} calls/s per API and Region: \
         {} requests, {} calls, {throttled} throttled; Creates {}, Deletes {}",
        TWO_REGIONS.len(),
        2 * STACKS,
        records.len(),
        millis(create2),
        millis(delete2),
    );
    let pick = |q: usize| millis(delays[(delays.len() - 1) * q / 100]);
    println!(
        "retry delays after a throttle ({} retries): min {}, p10 {}, median {}, p90 {}, max {}",
        delays.len(),
        pick(0),
        pick(10),
        pick(50),
        pick(90),
        pick(100),
    );
    println!(
        "{STACKS} stacks x 17 Regions: {} calls, {throttled17} throttled; Creates {}, Deletes {}; \
         whole test {}",
        all.len() - records.len(),
        millis(create17),
        millis(delete17),
        millis(started.elapsed()),
    );

    // The load reached the limit, so the test says something about it.
    assert!(throttled > 0, "nothing was throttled");
    // Jittered: the retries of calls throttled together are spread out, not in step.
    let spread = delays[delays.len() - 1] - delays[0];
    assert!(
        spread > Duration::from_millis(100),
        "retry delays {delays:?}"
    );
    let distinct: std::collections::BTreeSet<u128> =
        delays.iter().map(|d| d.as_millis() / 10).collect();
    assert!(
        distinct.len() * 2 > delays.len(),
        "retries in step: {delays:?}"
    );
}
