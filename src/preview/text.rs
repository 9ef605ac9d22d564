//! The preview for people: one block per resource, one line per Region with what happens
//! there, and under it what changes (a policy statement by statement), then a summary line.

use super::report::{Change, RegionChange, Report, Resource};
use std::fmt::Write as _;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    match &report.change_set {
        Some(id) => {
            let _ = writeln!(out, "Change set {id}");
        }
        None => {
            let _ = writeln!(out, "Properties given by hand");
        }
    }
    let _ = writeln!(out, "Stack {}", report.stack_id);
    if report.resources.is_empty() {
        let _ = writeln!(out, "\nNo change to a resource of this provider.");
    }
    for resource in &report.resources {
        out.push('\n');
        resource_block(&mut out, resource, "");
    }
    if !report.skipped.is_empty() || !report.notes.is_empty() {
        out.push('\n');
        for skipped in &report.skipped {
            let _ = writeln!(
                out,
                "Not previewed: {} ({}): {}",
                skipped.logical_resource_id, skipped.resource_type, skipped.why
            );
        }
        for note in &report.notes {
            let _ = writeln!(out, "Note: {note}");
        }
    }
    out.push('\n');
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn resource_block(out: &mut String, resource: &Resource, indent: &str) {
    let request = resource.request.as_deref().unwrap_or("no request");
    let mut head = format!(
        "{indent}{} ({}): {} -> {request}",
        resource.logical_resource_id, resource.resource_type, resource.change
    );
    if let Some(operation) = resource.operation.as_deref().filter(|o| *o != request) {
        let _ = write!(head, " ({})", operation.to_lowercase());
    }
    match (&resource.physical_resource_id, &resource.destination_name) {
        (Some(old), Some(new))
            if old != new && resource.operation.as_deref() == Some("Replace") =>
        {
            let _ = write!(head, ", destination {old} -> {new}");
        }
        (_, Some(name)) => {
            let _ = write!(head, ", destination {name}");
        }
        (Some(id), None) => {
            let _ = write!(head, ", id {id}");
        }
        (None, None) => {}
    }
    if resource.name_generated {
        head.push_str(" (name generated when CloudFormation sends the request)");
    }
    let _ = writeln!(out, "{head}");
    let inner = format!("{indent}  ");
    match resource.outcome {
        "Refused" => {
            let _ = writeln!(
                out,
                "{inner}! refused: {}",
                resource.reason.as_deref().unwrap_or_default()
            );
        }
        "Unknown" => {
            let _ = writeln!(
                out,
                "{inner}? unknown until CloudFormation applies the change set"
            );
        }
        _ => {}
    }
    for region in &resource.regions {
        region_lines(out, region, &inner);
    }
    if resource.outcome == "Nothing" && resource.regions.is_empty() {
        let _ = writeln!(out, "{inner}= nothing");
    }
    for note in &resource.notes {
        let _ = writeln!(out, "{inner}note: {note}");
    }
    if let Some(cleanup) = &resource.cleanup {
        let _ = writeln!(out, "{inner}then, in CloudFormation's cleanup:");
        resource_block(out, cleanup, &format!("{inner}  "));
    }
}

fn symbol(action: &str) -> &'static str {
    match action {
        "Create" | "Finish" => "+",
        "Converge" => "~",
        "Delete" => "-",
        "TakeOver" => ">",
        "Refuse" => "!",
        _ => "=",
    }
}

fn region_lines(out: &mut String, region: &RegionChange, indent: &str) {
    let action = match region.action {
        "TakeOver" => "take over".to_owned(),
        "Nothing" => "nothing".to_owned(),
        other => other.to_lowercase(),
    };
    let mut line = format!(
        "{indent}{} {action:<10} {}",
        symbol(region.action),
        region.region
    );
    if !region.aspects.is_empty() {
        let _ = write!(line, "  ({})", region.aspects.join(", "));
    }
    if let Some(old) = &region.compared_with {
        let _ = write!(line, "  compared with {old}");
    }
    let _ = writeln!(out, "{line}");
    let detail = format!("{indent}    ");
    let change = |out: &mut String, name: &str, change: &Change| {
        let _ = match &change.before {
            Some(before) => writeln!(out, "{detail}{name}: {before} -> {}", change.after),
            None => writeln!(out, "{detail}{name}: {}", change.after),
        };
    };
    if let Some(target) = &region.target_arn {
        change(out, "TargetArn", target);
    }
    if let Some(role) = &region.role_arn {
        change(out, "RoleArn", role);
    }
    if let Some(tags) = &region.tags {
        for (key, value) in &tags.set {
            change(out, &format!("Tags.{key}"), value);
        }
        for (key, value) in &tags.removed {
            let _ = writeln!(out, "{detail}Tags.{key}: {value} -> (removed)");
        }
    }
    if let Some(policy) = &region.destination_policy {
        let _ = writeln!(
            out,
            "{detail}DestinationPolicy ({} statement(s) unchanged):",
            policy.unchanged
        );
        for statement in &policy.removed {
            let _ = writeln!(out, "{detail}  - {statement}");
        }
        for changed in &policy.changed {
            let _ = writeln!(
                out,
                "{detail}  ~ statement {} ({} changed):",
                changed.sid,
                changed.members.join(", ")
            );
            let _ = writeln!(out, "{detail}      - {}", changed.before);
            let _ = writeln!(out, "{detail}      + {}", changed.after);
        }
        for statement in &policy.added {
            let _ = writeln!(out, "{detail}  + {statement}");
        }
    }
    if let Some(note) = &region.note {
        let _ = writeln!(out, "{detail}note: {note}");
    }
}

/// `Preview: 2 resource(s); in their Regions 3 to create, ...`.
fn summary(report: &Report) -> String {
    let mut counts = [0usize; 5];
    let mut count = |resource: &Resource| {
        for region in &resource.regions {
            let at = match region.action {
                "Create" | "Finish" => 0,
                "Converge" => 1,
                "Delete" => 2,
                "TakeOver" => 3,
                "Refuse" => 4,
                _ => continue,
            };
            counts[at] += 1;
        }
    };
    for resource in &report.resources {
        count(resource);
        if let Some(cleanup) = &resource.cleanup {
            count(cleanup);
        }
    }
    format!(
        "Preview: {} resource(s), {} refused, {} unknown until applied; per Region: {} to \
         create, {} to converge, {} to delete, {} to take over, {} refused",
        report.resources.len(),
        report.refused,
        report.unknown,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4]
    )
}
