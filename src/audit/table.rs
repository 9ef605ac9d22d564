//! The report as a table, for the local command.

use super::report::{Entry, Report, ResourceEntry};

/// One row per drifted, orphaned and unverifiable destination, one per uncovered resource
/// (its missing Regions in the Region column) and per resource whose coverage is unknown, then
/// a summary line.
pub fn table(report: &Report) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "STATUS".into(),
        "REGION".into(),
        "DESTINATION".into(),
        "STACK RESOURCE".into(),
        "DETAIL".into(),
    ]];
    let row = |status: &str, e: &Entry, detail: String| {
        [
            status.to_owned(),
            e.region.clone(),
            e.name.clone(),
            resource(&e.stack_id, &e.logical_id),
            detail,
        ]
    };
    let resource_row = |status: &str, e: &ResourceEntry, detail: String| {
        let regions = match e.regions.is_empty() {
            true => "-".to_owned(),
            false => e.regions.join(","),
        };
        [
            status.to_owned(),
            regions,
            e.name.clone(),
            resource(&e.stack_id, &e.logical_id),
            detail,
        ]
    };
    rows.extend(
        report
            .drifted
            .iter()
            .map(|e| row("Drifted", e, e.detail.join(", "))),
    );
    rows.extend(
        report
            .orphaned
            .iter()
            .map(|e| row("Orphaned", e, e.detail.join("; "))),
    );
    rows.extend(
        report
            .unverifiable
            .iter()
            .map(|e| row("Unverifiable", e, e.detail.join("; "))),
    );
    rows.extend(
        report
            .uncovered
            .iter()
            .map(|e| resource_row("Uncovered", e, format!("{}; fix: {}", e.reason, e.fix))),
    );
    rows.extend(
        report
            .coverage_unknown
            .iter()
            .map(|e| resource_row("CoverageUnknown", e, e.reason.clone())),
    );
    let mut out = String::new();
    if rows.len() > 1 {
        let widths: Vec<usize> = (0..4)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        for r in &rows {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                line.push_str(&format!("{:<width$}  ", r[i]));
            }
            line.push_str(&r[4]);
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    for (region, why) in &report.unreadable {
        out.push_str(&format!("Unreadable  {region}  {why}\n"));
    }
    out.push_str(&format!(
        "{} checked in {} Region(s): {} in sync, {} drifted, {} orphaned, {} unverifiable, {} \
         uncovered{}{}\n",
        report.checked(),
        report.regions.len(),
        report.in_sync,
        report.drifted.len(),
        report.orphaned.len(),
        report.unverifiable.len(),
        report.uncovered.len(),
        match report.coverage_unknown.len() {
            0 => String::new(),
            n => format!(", {n} with coverage unknown"),
        },
        match report.unreadable.len() {
            0 => String::new(),
            n => format!(", {n} Region(s) unreadable"),
        }
    ));
    out
}

/// `STACK/LogicalId`, the stack alone when the logical id is lost, `-` for provisioning.
fn resource(stack_id: &Option<String>, logical_id: &Option<String>) -> String {
    match (stack_id, logical_id) {
        (Some(stack), Some(logical)) => format!("{}/{logical}", stack_name(stack)),
        (Some(stack), None) => stack_name(stack).to_owned(),
        _ => "-".into(),
    }
}

/// `arn:...:stack/NAME/UUID` → NAME.
fn stack_name(stack_id: &str) -> &str {
    stack_id.split('/').nth(1).unwrap_or(stack_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::report::Counts;

    fn entry(name: &str, detail: &[&str]) -> Entry {
        Entry {
            name: name.into(),
            region: "eu-west-1".into(),
            stack_id: Some("arn:aws:cloudformation:us-east-1:1:stack/app/u".into()),
            logical_id: Some("Destination".into()),
            detail: detail.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn rows_line_up_and_the_summary_counts_everything() {
        let report = Report {
            in_sync: 2,
            drifted: vec![entry("central", &["DestinationPolicy", "Tags"])],
            orphaned: vec![entry(
                "a-much-longer-name",
                &["its stack resource is DELETE_COMPLETE"],
            )],
            regions: [(
                "eu-west-1".to_owned(),
                Counts {
                    checked: 4,
                    drifted: 1,
                    orphaned: 1,
                },
            )]
            .into(),
            unreadable: [(
                "me-south-1".to_owned(),
                "UnrecognizedClientException".to_owned(),
            )]
            .into(),
            ..Report::default()
        };
        let text = table(&report);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("STATUS"), "{text}");
        assert!(
            lines[1].starts_with("Drifted ") && lines[1].ends_with("DestinationPolicy, Tags"),
            "{text}"
        );
        // Columns line up: the stack resource starts at the same place on every row.
        let at = |line: &str| line.find("app/Destination");
        assert_eq!(at(lines[1]), at(lines[2]), "{text}");
        assert!(lines[3].contains("me-south-1"), "{text}");
        assert_eq!(
            lines[4],
            "4 checked in 1 Region(s): 2 in sync, 1 drifted, 1 orphaned, 0 unverifiable, 0 \
             uncovered, 1 Region(s) unreadable"
        );
    }

    #[test]
    fn an_uncovered_resource_names_its_missing_regions_and_the_fix() {
        let uncovered = ResourceEntry {
            name: "central".into(),
            stack_id: Some("arn:aws:cloudformation:us-east-1:1:stack/app/u".into()),
            logical_id: Some("Destination".into()),
            requested: None,
            regions: vec!["ap-east-1".into(), "eu-west-1".into()],
            reason: "its destination is not in ap-east-1, eu-west-1".into(),
            fix: "deploy its stack with a new Revision".into(),
        };
        let report = Report {
            in_sync: 1,
            uncovered: vec![uncovered],
            regions: [("us-east-1".to_owned(), Counts::default())].into(),
            ..Report::default()
        };
        let text = table(&report);
        let lines: Vec<&str> = text.lines().collect();
        let row: Vec<&str> = lines[1]
            .split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .collect();
        assert_eq!(
            row,
            [
                "Uncovered",
                "ap-east-1,eu-west-1",
                "central",
                "app/Destination",
                "its destination is not in ap-east-1, eu-west-1; fix: deploy its stack with a \
                 new Revision"
            ],
            "{text}"
        );
        assert!(lines[2].ends_with("0 unverifiable, 1 uncovered"), "{text}");
    }
}
