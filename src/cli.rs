//! The audit for people: `cfn-logs-destination audit [--regions R1,R2] [--stack-region R]
//! [--json]`, run with the user's own credentials (the SDK's usual environment, profile and
//! Region), a table on stdout, a progress line on stderr. Exit status: 0 nothing drifted or
//! orphaned; 1 something did; 2 it could not run or could not read a Region.

use crate::audit::{self, Home, Progress};
use crate::destinations::Destinations;
use crate::event::{regions_setting, AUDIT_REGIONS};
use crate::properties::partition_of;
use crate::response::ReplySender;
use crate::stacks::Stacks;
use aws_config::BehaviorVersion;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

const USAGE: &str = "usage: cfn-logs-destination audit [--regions R1,R2,...] \
                     [--stack-region REGION] [--json]\n\
    --regions       Regions to read (default: AUDIT_REGIONS, else the configured Region)\n\
    --stack-region  where the provider's stacks are (default: the configured Region)\n\
    --json          print the report as the function returns it, instead of a table";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub regions: Option<Vec<String>>,
    pub stack_region: Option<String>,
    pub json: bool,
}

/// The arguments after `audit`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--regions" => options.regions = Some(regions_setting(&value("--regions")?)?),
            "--stack-region" => options.stack_region = Some(value("--stack-region")?),
            "--json" => options.json = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// Runs the audit from the command line; returns the exit status.
pub async fn main(args: &[String]) -> i32 {
    let options = match parse(args) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("{problem}");
            return 2;
        }
    };
    let replies = Arc::new(ReplySender::new());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(replies.http_client())
        .load()
        .await;
    let Some(configured) = config.region().map(|r| r.to_string()) else {
        eprintln!("no Region configured: set AWS_REGION or a profile's region");
        return 2;
    };
    let stack_region = options.stack_region.clone().unwrap_or(configured.clone());
    let regions = match (&options.regions, std::env::var(AUDIT_REGIONS).ok()) {
        (Some(regions), _) => regions.clone(),
        (None, Some(setting)) if !setting.trim().is_empty() => match regions_setting(&setting) {
            Ok(regions) => regions,
            Err(problem) => {
                eprintln!("{problem}");
                return 2;
            }
        },
        _ => vec![configured.clone()],
    };
    let logs = Destinations::new(aws_sdk_cloudwatchlogs::Client::new(&config));
    let stacks = Stacks::new(aws_sdk_cloudformation::Client::new(&config)).in_region(&stack_region);
    // The account comes from each destination's ARN.
    let home = Home {
        partition: partition_of(&stack_region).to_owned(),
        region: stack_region,
        account: String::new(),
    };
    let progress: Progress = Arc::new(progress_line);
    // As the function has it: a stack unknown here may be another account's.
    let cross_account = std::env::var("TRUSTED_STACK_ACCOUNTS").is_ok_and(|a| !a.trim().is_empty());
    let scope = audit::Scope {
        regions,
        cross_account,
        progress: Some(progress),
        until: None,
    };
    let report = audit::audit(logs, stacks, home, scope).await;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    let output = if options.json {
        format!("{:#}\n", report.to_json())
    } else {
        audit::table(&report)
    };
    let _ = std::io::stdout().write_all(output.as_bytes());
    exit_status(&report)
}

/// 2 when a Region could not be read, else 1 when anything drifted or is orphaned, else 0.
pub fn exit_status(report: &audit::Report) -> i32 {
    if !report.unreadable.is_empty() {
        2
    } else if !report.drifted.is_empty() || !report.orphaned.is_empty() {
        1
    } else {
        0
    }
}

/// One line on stderr as each Region is read: rewritten in place on a terminal.
fn progress_line(region: &str, done: usize, total: usize, found: usize) {
    let line = format!("audit: {done}/{total} Regions read ({region}: {found} of this provider's)");
    let mut stderr = std::io::stderr().lock();
    let _ = if stderr.is_terminal() {
        write!(stderr, "\r\x1b[2K{line}")
    } else {
        writeln!(stderr, "{line}")
    };
    let _ = stderr.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn options_are_read_and_mistakes_named() {
        assert_eq!(parse(&[]), Ok(Options::default()));
        let options = parse(&args(&["--regions", "eu-west-1,us-east-1", "--json"])).expect("ok");
        assert_eq!(
            options.regions,
            Some(vec!["eu-west-1".to_owned(), "us-east-1".to_owned()])
        );
        assert!(options.json);
        assert!(parse(&args(&["--regions"]))
            .expect_err("no value")
            .contains("needs a value"));
        assert!(parse(&args(&["--region", "x"]))
            .expect_err("unknown")
            .contains("\"--region\""));
        assert!(parse(&args(&["--regions", "EU"])).is_err());
    }
}
