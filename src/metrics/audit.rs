//! The audit's figures: one EMF line per audited Region, `Checked`, `Drifted`, `Orphaned` and
//! `Unreadable` by `Region` and without dimensions (what the template's alarms watch); and one
//! line per audit for coverage, `Uncovered` and `CoverageUnknown`, without dimensions.

use super::{namespace, now_ms, print_document};
use serde_json::{json, Value};

/// One Region's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditFigures {
    pub checked: u32,
    pub drifted: u32,
    pub orphaned: u32,
    /// 1 when the Region could not be read, wholly or in part.
    pub unreadable: u32,
}

pub fn audit_document(namespace: &str, timestamp_ms: u64, region: &str, f: AuditFigures) -> Value {
    json!({
        "_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": [{
            "Namespace": namespace,
            "Dimensions": [["Region"], []],
            "Metrics": [
                {"Name": "Checked", "Unit": "Count"},
                {"Name": "Drifted", "Unit": "Count"},
                {"Name": "Orphaned", "Unit": "Count"},
                {"Name": "Unreadable", "Unit": "Count"},
            ],
        }]},
        "Region": region,
        "Checked": f.checked,
        "Drifted": f.drifted,
        "Orphaned": f.orphaned,
        "Unreadable": f.unreadable,
    })
}

/// The coverage of one audit: resources, not destinations, so one line without dimensions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoverageFigures {
    /// Resources whose Region set includes a Region where their destination is not.
    pub uncovered: u32,
    /// Resources whose coverage could not be checked.
    pub unknown: u32,
}

pub fn coverage_document(namespace: &str, timestamp_ms: u64, f: CoverageFigures) -> Value {
    json!({
        "_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": [{
            "Namespace": namespace,
            "Dimensions": [[]],
            "Metrics": [
                {"Name": "Uncovered", "Unit": "Count"},
                {"Name": "CoverageUnknown", "Unit": "Count"},
            ],
        }]},
        "Uncovered": f.uncovered,
        "CoverageUnknown": f.unknown,
    })
}

/// Writes the coverage line.
pub fn publish_coverage(figures: CoverageFigures) {
    print_document(&coverage_document(&namespace(), now_ms(), figures));
}

/// Writes one Region's line.
pub fn publish_audit(region: &str, figures: AuditFigures) {
    print_document(&audit_document(&namespace(), now_ms(), region, figures));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_region_is_one_document_by_region_and_without_dimensions() {
        let figures = AuditFigures {
            checked: 3,
            drifted: 1,
            orphaned: 2,
            unreadable: 0,
        };
        let document = audit_document("ns", 7, "eu-west-1", figures);
        assert_eq!(document["Region"], "eu-west-1");
        assert_eq!(
            (
                &document["Checked"],
                &document["Drifted"],
                &document["Orphaned"]
            ),
            (&json!(3), &json!(1), &json!(2))
        );
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "ns");
        assert_eq!(directive["Dimensions"], json!([["Region"], []]));
        assert_eq!(document["_aws"]["Timestamp"], 7);
    }

    #[test]
    fn coverage_is_one_document_without_dimensions() {
        let figures = CoverageFigures {
            uncovered: 2,
            unknown: 1,
        };
        let document = coverage_document("ns", 7, figures);
        assert_eq!(
            (&document["Uncovered"], &document["CoverageUnknown"]),
            (&json!(2), &json!(1))
        );
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([[]]));
        assert_eq!(document.get("Region"), None);
    }
}
