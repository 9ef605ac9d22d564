//! What the benchmark prints: the figures against their budgets, the round trips of each
//! operation, and docs/performance.md's table filled from the run.

use std::time::Duration;

use crate::options::Options;
use crate::scenarios::{
    Run, CREATE, DELETE, EIGHT_REGIONS, UPDATE_IN_PLACE, UPDATE_NO_CHANGE, UPDATE_RETAG,
};
use crate::table::{median, Table};

/// The budgets (sizes in decimal megabytes). Calls: a Create with a policy and tags needs a
/// TagResource of its own (AWS refuses tags in PutDestination); an Update checks ownership first,
/// and one that changes what is requested also rewrites the fingerprint tag (what the audit
/// compares against), in the same round trip as its other writes.
const BUDGET_INIT_MS: f64 = 5.0;
const BUDGET_COLD_HTTPS_MS: f64 = 15.0;
const BUDGET_RSS_BYTES: u64 = 12_000_000;
const BUDGET_BINARY_BYTES: u64 = 8_100_000;
const BUDGET_CALLS_CREATE: usize = 4;
const BUDGET_CALLS_UPDATE: usize = 4;
const BUDGET_CALLS_UPDATE_NO_CHANGE: usize = 2;
const BUDGET_CALLS_DELETE: usize = 2;
/// Calls per operation, in the order played (per Region over many Regions).
const BUDGET_CALLS: [(&str, Option<usize>); 5] = [
    (CREATE, Some(BUDGET_CALLS_CREATE)),
    (UPDATE_IN_PLACE, Some(BUDGET_CALLS_UPDATE)),
    (UPDATE_RETAG, None),
    (UPDATE_NO_CHANGE, Some(BUDGET_CALLS_UPDATE_NO_CHANGE)),
    (DELETE, Some(BUDGET_CALLS_DELETE)),
];
/// `Regions`: an 8-Region Create within 1.5x a 1-Region Create; 17 Regions within the RSS budget.
const BUDGET_REGIONS_RATIO: f64 = 1.5;
/// Round trips per Region (issue 18): every call costs one against AWS, and a deploy waits for
/// the calls that wait for each other. (operation, all its calls, observing before any write)
const BUDGET_ROUND_TRIPS: [(&str, usize, usize); 5] = [
    (CREATE, 3, 1),
    (UPDATE_IN_PLACE, 2, 1),
    (UPDATE_RETAG, 2, 1),
    (UPDATE_NO_CHANGE, 1, 1),
    (DELETE, 2, 1),
];

/// Every run of the benchmark, by kind.
pub struct Runs {
    /// One Region, HTTPS reply: every operation.
    pub https: Vec<Run>,
    /// One Region, plain-HTTP reply: Create and Delete.
    pub http: Vec<Run>,
    /// 8 Regions, every operation.
    pub eight: Vec<Run>,
    /// 17 Regions, Create and Delete (peak RSS).
    pub seventeen: Vec<Run>,
    /// With `--latency-ms`: every operation, every call held at the proxy, 1 and 8 Regions.
    pub slow_one: Vec<Run>,
    pub slow_eight: Vec<Run>,
}

impl Runs {
    pub fn with_capacity(runs: usize) -> Self {
        Runs {
            https: Vec::with_capacity(runs),
            http: Vec::with_capacity(runs),
            eight: Vec::with_capacity(runs),
            seventeen: Vec::with_capacity(runs),
            slow_one: Vec::new(),
            slow_eight: Vec::new(),
        }
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

/// Prints every figure; false when a budget is exceeded and `--check` was given.
pub fn print(options: &Options, binary_size: u64, runs: &Runs) -> Result<bool, String> {
    let (https_runs, http_runs) = (&runs.https, &runs.http);
    let (eight_runs, seventeen_runs) = (&runs.eight, &runs.seventeen);
    let (slow_one, slow_eight) = (&runs.slow_one, &runs.slow_eight);
    Table::header();
    let mut table = Table { failed: Vec::new() };
    let ms = |runs: &[Run], f: fn(&Run) -> Option<Duration>| -> Vec<f64> {
        runs.iter().filter_map(f).map(millis).collect()
    };
    let init = table.millis(
        "init (spawn -> first next)",
        &ms(https_runs, |r| Some(r.init)),
        Some(BUDGET_INIT_MS),
    );
    let cold_https = table.millis(
        "cold create, HTTPS reply",
        &ms(https_runs, |r| Some(r.cold_create)),
        Some(BUDGET_COLD_HTTPS_MS),
    );
    let one = median(ms(https_runs, |r| Some(r.cold_create)));
    let cold_eight = table.millis(
        "cold create, 8 Regions, HTTPS reply",
        &ms(eight_runs, |r| Some(r.cold_create)),
        Some((one * BUDGET_REGIONS_RATIO * 100.0).round() / 100.0),
    );
    let eight_ratio = table.ratio(
        "  8 Regions / 1 Region",
        &cold_pairs(https_runs.iter().zip(eight_runs)),
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
            &ms(slow_one, |r| Some(r.cold_create)),
            None,
        );
        let eight = table.millis(
            "  the same, 8 Regions",
            &ms(slow_eight, |r| Some(r.cold_create)),
            None,
        );
        let ratio = table.ratio(
            &format!("  8 Regions / 1 Region, +{ms_each} ms"),
            &cold_pairs(slow_one.iter().zip(slow_eight)),
            Some(BUDGET_REGIONS_RATIO),
        );
        // Overlap: the latency a Create paid, against the raw run just before it. Three rounds
        // of calls for one Region; the same three when the Regions overlap, eight times as
        // many when they do not.
        for (label, slow, raw) in [
            ("  added by the latency, 1 Region", slow_one, https_runs),
            ("  added by the latency, 8 Regions", slow_eight, eight_runs),
        ] {
            let added: Vec<f64> = slow
                .iter()
                .zip(raw)
                .map(|(slow, raw)| millis(slow.cold_create) - millis(raw.cold_create))
                .collect();
            table.millis(label, &added, None);
        }
        // What a warm in-place Update waits for when every call is a round trip.
        table.millis(
            &format!("warm update, every call +{ms_each} ms"),
            &ms(slow_one, |r| r.warm_update),
            None,
        );
        latency_row = Some((ms_each, one, eight, ratio));
    }
    let cold_http = table.millis(
        "cold create, HTTP reply",
        &ms(http_runs, |r| Some(r.cold_create)),
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
        &ms(https_runs, |r| r.warm_update),
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
    // docs/performance.md lists the no-change Update in a row of its own, after the others.
    let [create, in_place, retag, no_change, delete] =
        BUDGET_CALLS.map(|(op, budget)| table.calls(op, https_runs, budget));
    let calls = [create, in_place, retag, delete]
        .map(|n| n.to_string())
        .join(" / ");
    // Per Region: the same budgets as for one.
    let regions = EIGHT_REGIONS.len();
    let [create, in_place, retag, no_change_8, delete] =
        BUDGET_CALLS.map(|(op, budget)| table.calls_in(op, eight_runs, regions, budget));
    let per_region = [create, in_place, retag, delete]
        .map(|n| n.to_string())
        .join(" / ");
    let no_change = format!("{no_change} / {no_change_8}");
    // The check with CloudFormation: one call per request, whatever the Regions.
    let checks = BUDGET_CALLS
        .map(|(op, _)| {
            let most = https_runs.iter().filter_map(|r| r.checks.get(op)).max();
            most.copied().unwrap_or(0).to_string()
        })
        .join(" / ");
    println!(
        "{:<50} {checks}",
        "CloudFormation checks: Create / 3 Updates / Delete"
    );

    // Round trips, from the runs with every call held when there are any: there each call
    // costs a round trip, as against AWS, and the waves stand apart.
    let (one_runs, many_runs, source) = match options.latency {
        Some(latency) => (
            slow_one,
            slow_eight,
            format!("every call +{} ms", latency.as_millis()),
        ),
        None => (https_runs, eight_runs, "no added latency".to_string()),
    };
    println!(
        "round trips per Region ({source}): the longest chain of AWS calls each sent after \
         the one before it was answered; observing = the reads before the first write"
    );
    let mut round_trips = Vec::new();
    for (runs, regions) in [(one_runs, 1), (many_runs, regions)] {
        let mut row = Vec::new();
        for (op, all, observing) in BUDGET_ROUND_TRIPS {
            let trips = table.round_trips(op, false, runs, regions, all);
            let observed = table.round_trips(op, true, runs, regions, observing);
            if let (Some(trips), Some(observed)) = (trips, observed) {
                row.push(format!("{trips} ({observed})"));
            }
        }
        round_trips.push(row.join(" / "));
    }
    let round_trips_budget = BUDGET_ROUND_TRIPS
        .map(|(_, all, observing)| format!("{all} ({observing})"))
        .join(" / ");

    // docs/performance.md's table, filled from this run: paste it over the one there.
    let mb = |b: u64| format!("{} MB", b as f64 / 1e6);
    let host_label = format!("release binary, host ({})", std::env::consts::ARCH);
    println!("\nTable for docs/performance.md (Today's figures):\n");
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
            "CloudFormation checks (DescribeStackResource, sent with the first look): Create / \
             Update in place / with tag change / with no changes / Delete",
            "-".into(),
            checks,
        ),
        (
            "AWS calls, Update with no changes: 1 Region / per Region over 8",
            format!("{BUDGET_CALLS_UPDATE_NO_CHANGE} / {BUDGET_CALLS_UPDATE_NO_CHANGE}"),
            no_change,
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
        (
            "round trips (observing): Create / Update in place / Update with tag change / \
             Update with no changes / Delete",
            round_trips_budget.clone(),
            round_trips[0].clone(),
        ),
        (
            "round trips (observing) per Region over 8 Regions, same order",
            round_trips_budget,
            round_trips[1].clone(),
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
