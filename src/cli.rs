//! The command line: `cfn-logs-destination audit [--regions R1,R2] [--stack-region R] [--json]`,
//! the audit for people, run with the user's own credentials (the SDK's usual environment,
//! profile and Region), a table on stdout, a progress line on stderr; and
//! `cfn-logs-destination preview --change-set ARN [--json]` ([`preview`]). Without a subcommand the
//! binary is the Lambda function, which only Lambda's environment can run.

use crate::audit::{self, Home, Progress};
use crate::destinations::Destinations;
use crate::enabled_regions::EnabledRegions;
use crate::event::{region_list, regions_setting, AUDIT_REGIONS};
use crate::partitions::{partition_of, unknown_region};
use crate::response::ReplySender;
use crate::stacks::Stacks;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::BehaviorVersion;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::sync::Arc;

mod preview;
pub use preview::{preview, PreviewArgs};

/// The environment variable Lambda sets for the function's runtime.
pub const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";

const ABOUT: &str = "Custom::LogsDestination: a CloudFormation custom resource for CloudWatch \
                     Logs destinations, run by AWS Lambda.";
const AFTER_HELP: &str = "Without a subcommand, the binary is the Lambda function: it serves \
    requests only where Lambda's environment (AWS_LAMBDA_RUNTIME_API) is set, as on Lambda, \
    under `cargo lambda watch` or `sam local`.";
const AUDIT_AFTER_HELP: &str = "Credentials and Region come from the SDK's usual environment \
    (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL for an emulator).\n\n\
    Exit status: 0 nothing drifted, orphaned or uncovered; 1 something drifted, is orphaned, \
    or is uncovered (a Region it asks for has no destination); 2 the audit could not run, a \
    Region could not be read, or a resource's coverage could not be checked.";

#[derive(Debug, Parser)]
#[command(name = "cfn-logs-destination", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lists this provider's destinations that drifted from their stacks or outlived them, and
    /// resources with no destination in a Region they ask for.
    #[command(version, after_help = AUDIT_AFTER_HELP)]
    Audit(AuditArgs),
    /// Shows what executing a change set would do to this provider's destinations, per
    /// resource and Region, without writing anything.
    #[command(version, after_help = preview::PREVIEW_AFTER_HELP)]
    Preview(PreviewArgs),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Args)]
pub struct AuditArgs {
    /// Regions to read, comma-separated (default: the AUDIT_REGIONS setting, else the
    /// configured Region)
    #[arg(long, value_name = "R1,R2,...")]
    pub regions: Option<String>,
    /// Where the provider's stacks are (default: the configured Region)
    #[arg(long, value_name = "REGION")]
    pub stack_region: Option<String>,
    /// Print the report as the function returns it, instead of a table
    #[arg(long)]
    pub json: bool,
}

/// What to do when no subcommand is given outside Lambda.
pub fn usage_outside_lambda() -> String {
    format!(
        "cfn-logs-destination: without a subcommand this binary is the Lambda function, which \
         runs only where Lambda's environment ({RUNTIME_API}) is set.\n\
         Run `cfn-logs-destination audit` to audit from here, `cfn-logs-destination preview` to \
         preview a change set, or `cfn-logs-destination --help`."
    )
}

/// The Region configured in the environment or the profile, without asking instance metadata
/// (its timeouts and warnings are noise on a workstation).
pub(crate) async fn configured_region() -> Option<String> {
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::new())
        .region()
        .await
        .map(|region| region.to_string())
}

/// Runs the audit from the command line; returns the exit status.
pub async fn audit(args: AuditArgs) -> i32 {
    match prepare(&args).await {
        Ok((config, stack_region, regions)) => {
            run_audit(&args, &config, stack_region, regions).await
        }
        Err(problem) => {
            eprintln!("cfn-logs-destination audit: {problem}");
            2
        }
    }
}

async fn prepare(args: &AuditArgs) -> Result<(aws_config::SdkConfig, String, Vec<String>), String> {
    let configured = configured_region().await;
    let stack_region = match (&args.stack_region, &configured) {
        (Some(region), _) => {
            if let Some(problem) = unknown_region(region) {
                return Err(format!("--stack-region {problem}"));
            }
            region.clone()
        }
        (None, Some(region)) => {
            if let Some(problem) = unknown_region(region) {
                return Err(format!(
                    "the configured Region (AWS_REGION or the profile's) {problem}"
                ));
            }
            region.clone()
        }
        (None, None) => {
            return Err(
                "no Region configured: set AWS_REGION (or a profile's region), or pass \
                 --stack-region"
                    .into(),
            )
        }
    };
    let regions = match (&args.regions, std::env::var(AUDIT_REGIONS).ok()) {
        (Some(list), _) => region_list(list, "--regions")?,
        (None, Some(setting)) if !setting.trim().is_empty() => regions_setting(&setting)?,
        _ => vec![stack_region.clone()],
    };
    if regions.is_empty() {
        return Err("--regions names no Region".into());
    }
    let replies = Arc::new(ReplySender::new());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(replies.http_client())
        .region(aws_config::Region::new(stack_region.clone()))
        .load()
        .await;
    Ok((config, stack_region, regions))
}

async fn run_audit(
    args: &AuditArgs,
    config: &aws_config::SdkConfig,
    stack_region: String,
    regions: Vec<String>,
) -> i32 {
    let logs = Destinations::new(aws_sdk_cloudwatchlogs::Client::new(config));
    let stacks = Stacks::new(aws_sdk_cloudformation::Client::new(config)).in_region(&stack_region);
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
        enabled_regions: EnabledRegions::new(config),
    };
    let report = audit::audit(logs, stacks, home, scope).await;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    let output = if args.json {
        format!("{:#}\n", report.to_json())
    } else {
        audit::table(&report)
    };
    let _ = std::io::stdout().write_all(output.as_bytes());
    exit_status(&report)
}

/// 2 when a Region or a resource's coverage could not be read, else 1 when anything drifted,
/// is orphaned or is uncovered, else 0.
pub fn exit_status(report: &audit::Report) -> i32 {
    if !report.unreadable.is_empty() || !report.coverage_unknown.is_empty() {
        2
    } else if !report.drifted.is_empty()
        || !report.orphaned.is_empty()
        || !report.uncovered.is_empty()
    {
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
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cfn-logs-destination").chain(args.iter().copied()))
    }

    #[test]
    fn options_are_read_and_mistakes_named() {
        assert!(parse(&[]).expect("no subcommand").command.is_none());
        let Some(Command::Audit(args)) =
            parse(&["audit", "--regions", "eu-west-1,us-east-1", "--json"])
                .expect("ok")
                .command
        else {
            panic!("audit");
        };
        assert_eq!(args.regions.as_deref(), Some("eu-west-1,us-east-1"));
        assert!(args.json);
        let missing = parse(&["audit", "--regions"]).expect_err("no value");
        assert_eq!(missing.kind(), ErrorKind::InvalidValue);
        let typo = parse(&["audit", "--region", "x"]).expect_err("unknown");
        assert!(typo.to_string().contains("--regions"), "{typo}");
        let subcommand = parse(&["audti"]).expect_err("typo");
        assert!(subcommand.to_string().contains("'audit'"), "{subcommand}");
        assert_eq!(subcommand.exit_code(), 2);
    }

    #[test]
    fn help_and_version_exit_zero_at_every_level() {
        for args in [
            &["--help"][..],
            &["--version"],
            &["audit", "--help"],
            &["audit", "--version"],
        ] {
            let shown = parse(args).expect_err("help or version");
            assert_eq!(shown.exit_code(), 0, "{args:?}");
        }
    }
}
