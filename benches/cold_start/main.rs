//! Cold-start benchmark: what a stack waits for, measured on loopback.
//!
//! Run it with `scripts/bench.sh` (it builds the release binary, makes the TLS material and
//! passes the paths below); see docs/performance.md. Each run starts the release binary the way
//! Lambda does, against the test rig (moto behind the counting `FaultProxy`, which answers as
//! AWS does unless `CFN_TEST_AWS=moto`, and a local Runtime API) and an HTTPS ResponseURL
//! served here with rustls, and plays Create, Update in place, Update with a tag change, Update
//! with no changes and Delete; then the same for a resource over 8 Regions, and a Create and
//! Delete over 17 (peak RSS). Certificate verification stays on: the function trusts the bench
//! CA through `SSL_CERT_FILE`, a bundle of the system roots plus that CA.
//!
//! Options: `--runs N` (default 20), `--warmup N` (default 1), `--check` (exit 1 when a budget
//! is exceeded), `--tls-dir DIR` (ca-bundle.pem, server.pem, server.key), `--binary PATH`,
//! `--arm64-binary PATH` (size only), `--cert-dir DIR` (also give the function `SSL_CERT_DIR`,
//! e.g. the system's certificate directory, as a host without `SSL_CERT_FILE` would load),
//! `--latency-ms N` (also play every operation for 1 and 8 Regions with every CloudWatch Logs
//! call held N ms at the proxy before it goes to moto, as a remote endpoint's round trip would,
//! and count the round trips from those runs).
//!
//! The modules: `options` (command line), `tls` (the ResponseURLs), `scenarios` (what a run
//! plays and records), `table` (rows against budgets), `report` (what is printed).

// The integration-test rig (it allows its own unused parts).
#[path = "../../tests/support/mod.rs"]
mod support;

mod options;
mod report;
mod scenarios;
mod table;
mod tls;

use std::process::ExitCode;

use options::Options;
use report::Runs;
use scenarios::{Rig, EIGHT_REGIONS, SEVENTEEN_REGIONS};
use support::{moto_endpoint, Behaviour, FaultProxy, ResponseReceiver};
use tls::{Reply, TlsReceiver};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    // `cargo test --all-targets` runs this target too, with the test filter as arguments.
    if !std::env::args().any(|arg| arg == "--tls-dir") {
        println!("cold_start: skipped (no --tls-dir); run the benchmark with scripts/bench.sh");
        return ExitCode::SUCCESS;
    }
    let options = match options::options() {
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
    let mut runs = Runs::with_capacity(options.runs);
    for _ in 0..options.runs {
        runs.https
            .push(rig.run(Reply::Https(&rig.https), true).await?);
        runs.http
            .push(rig.run(Reply::Http(&rig.http), false).await?);
        runs.eight.push(
            rig.run_in(Reply::Https(&rig.https), true, &EIGHT_REGIONS)
                .await?,
        );
        runs.seventeen.push(
            rig.run_in(Reply::Https(&rig.https), false, &SEVENTEEN_REGIONS)
                .await?,
        );
        if let Some(latency) = options.latency {
            // Every call the function makes, whatever its operation or Region, waits here
            // before it goes to moto: Regions answered concurrently, as separate endpoints are.
            // Every operation is played, for the round trips each one waits for.
            rig.proxy.delay("*", latency);
            // "*" is every CloudWatch Logs call; CloudFormation's check is remote too.
            rig.proxy.delay("DescribeStackResource", latency);
            rig.proxy.delay("DescribeStacks", latency);
            let one = rig.run(Reply::Https(&rig.https), true).await;
            let eight = rig
                .run_in(Reply::Https(&rig.https), true, &EIGHT_REGIONS)
                .await;
            rig.proxy.clear_rules();
            runs.slow_one.push(one?);
            runs.slow_eight.push(eight?);
        }
    }

    println!(
        "cfn-logs-destination cold-start benchmark: {} runs ({} warm-up), {}, AWS mode {:?}",
        options.runs,
        options.warmup,
        options.binary.display(),
        rig.proxy.mode()
    );
    report::print(options, binary_size, &runs)
}
