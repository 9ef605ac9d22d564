//! The report's rows: median, min and max of each figure against its budget, flagged when
//! over.

use crate::scenarios::{RoundTrips, Run};

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

pub struct Table {
    pub failed: Vec<String>,
}

impl Table {
    pub fn header() {
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
    pub fn millis(&mut self, label: &str, values: &[f64], budget: Option<f64>) -> String {
        self.row(label, values, budget, |v| format!("{v:.2} ms"))
    }

    /// A row of sizes in bytes, shown in decimal megabytes.
    pub fn bytes(&mut self, label: &str, values: &[f64], budget: Option<u64>) -> String {
        self.row(label, values, budget.map(|b| b as f64), |v| {
            format!("{:.2} MB", v / 1e6)
        })
    }

    /// A row of per-run ratios (`numerator / denominator` of the same run).
    pub fn ratio(&mut self, label: &str, pairs: &[(f64, f64)], budget: Option<f64>) -> String {
        let ratios: Vec<f64> = pairs.iter().map(|(n, d)| n / d).collect();
        self.row(label, &ratios, budget, |v| format!("{v:.2}x"))
    }

    /// A row of AWS call counts with an optional upper budget; returns the median.
    pub fn calls(&mut self, label: &str, runs: &[Run], budget: Option<usize>) -> f64 {
        self.calls_in(label, runs, 1, budget)
    }

    /// The calls of operation `label` for a resource over `regions` Regions, against
    /// `budget` per Region; returns the median per Region.
    pub fn calls_in(
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

    /// A row of the round trips of operation `op` (or of its observing reads), the most of any
    /// one Region, against `budget` per Region, checked on the worst run. Over many Regions
    /// the note gives the chain through all Regions' calls too. Returns the median.
    pub fn round_trips(
        &mut self,
        op: &str,
        observing: bool,
        runs: &[Run],
        regions: usize,
        budget: usize,
    ) -> Option<f64> {
        let trips: Vec<RoundTrips> = runs
            .iter()
            .filter_map(|r| r.round_trips.get(op).copied())
            .collect();
        if trips.is_empty() {
            return None;
        }
        let counts: Vec<usize> = trips
            .iter()
            .map(|t| if observing { t.observing } else { t.per_region })
            .collect();
        let max = counts.iter().copied().max().unwrap_or(0);
        let min = counts.iter().copied().min().unwrap_or(0);
        let (budget_text, verdict) = verdict(Some((max <= budget, budget.to_string())));
        let mut title = match regions {
            1 => op.to_string(),
            n => format!("{op}, {n} Regions"),
        };
        if observing {
            title.push_str(": observing");
        }
        if verdict == "OVER" {
            self.failed.push(format!("round trips, {title}: {max}"));
        }
        let med = median(counts.iter().map(|&c| c as f64).collect());
        let mut note = String::new();
        if regions > 1 && !observing {
            let all: Vec<usize> = trips.iter().map(|t| t.all).collect();
            let (lo, hi) = (
                all.iter().copied().min().unwrap_or(0),
                all.iter().copied().max().unwrap_or(0),
            );
            note = format!("  (per Region; all Regions' calls chained: {lo}-{hi})");
        }
        println!(
            "{:<50} {med:>10} {min:>10} {max:>10} {budget_text:>12}  {verdict}{note}",
            format!("  {title}"),
        );
        Some(med)
    }
}

fn verdict(check: Option<(bool, String)>) -> (String, &'static str) {
    match check {
        Some((true, budget)) => (format!("<= {budget}"), "ok"),
        Some((false, budget)) => (format!("<= {budget}"), "OVER"),
        None => ("-".into(), ""),
    }
}
