//! `cfn-logs-destination preview`: what executing a change set would do to this provider's
//! destinations, read with the user's own credentials; nothing is written.

use super::configured_region;
use crate::destinations::Destinations;
use crate::enabled_regions::EnabledRegions;
use crate::event::{CfnRequest, ReplyTarget, RequestKind};
use crate::lifecycle::Home;
use crate::partitions::{partition_of, unknown_region};
use crate::preview::{self, Report, Served};
use crate::response::ReplySender;
use crate::stacks::Stacks;
use aws_config::BehaviorVersion;
use clap::{ArgGroup, Args};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const PREVIEW_AFTER_HELP: &str = "Credentials come from the SDK's usual environment \
    (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_ENDPOINT_URL for an emulator); they need \
    cloudformation:DescribeChangeSet (or DescribeStacks and DescribeStackResource with \
    --stack), the CloudWatch Logs reads logs:DescribeDestinations and \
    logs:ListTagsForResource, and account:ListRegions for a resource with Regions \"*\". \
    The change set's Region and account are where the destinations are read.\n\n\
    Exit status: 0 nothing would be refused; 1 some request would fail; 2 the preview could \
    not run.";

#[derive(Clone, Debug, Default, PartialEq, Eq, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["change_set", "stack"])))]
pub struct PreviewArgs {
    /// The change set's ARN (as `aws cloudformation create-change-set` prints it)
    #[arg(long, value_name = "ARN")]
    pub change_set: Option<String>,
    /// A change not yet in a change set: the stack's name or id
    #[arg(long, value_name = "NAME", requires_all = ["logical_id", "properties"])]
    pub stack: Option<String>,
    /// With --stack: the resource's logical id
    #[arg(long, value_name = "ID", requires = "stack")]
    pub logical_id: Option<String>,
    /// With --stack: a JSON file of the resource's new properties
    #[arg(long, value_name = "FILE", requires = "stack")]
    pub properties: Option<PathBuf>,
    /// With --stack, for a resource that exists: a JSON file of the properties it was last
    /// deployed with (CloudFormation sends them with the Update)
    #[arg(long, value_name = "FILE", requires = "stack")]
    pub old_properties: Option<PathBuf>,
    /// The provider function's ARN: generic AWS::CloudFormation::CustomResource resources
    /// whose ServiceToken is this function are previewed too
    #[arg(long, value_name = "ARN")]
    pub service_token: Option<String>,
    /// Print the preview as data (JSON), instead of text
    #[arg(long)]
    pub json: bool,
}

/// Runs the preview from the command line; returns the exit status.
pub async fn preview(args: PreviewArgs) -> i32 {
    match run(&args).await {
        Ok(report) => {
            let output = if args.json {
                format!("{:#}\n", serde_json::json!(report))
            } else {
                preview::render(&report)
            };
            let _ = std::io::stdout().write_all(output.as_bytes());
            exit_status(&report)
        }
        Err(problem) => {
            eprintln!("cfn-logs-destination preview: {problem}");
            2
        }
    }
}

/// 1 when some request would be refused, else 0.
pub fn exit_status(report: &Report) -> i32 {
    i32::from(report.refused > 0)
}

/// Where an ARN the user gave or CloudFormation returned lives (an account id has 12 digits).
fn placed(arn: &str) -> Option<Home> {
    Home::of_arn(arn).filter(|home| home.account.len() == 12)
}

/// The function ARN the engine places destinations with: the stack's account and Region (a
/// stack's custom resource is served by a function in its own Region).
fn function_in(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:lambda:{region}:{account}:function:preview")
}

async fn run(args: &PreviewArgs) -> Result<Report, String> {
    let change_set = match &args.change_set {
        Some(arn) => Some(
            placed(arn)
                .filter(|_| arn.contains(":changeSet/"))
                .map(|home| (arn, home))
                .ok_or_else(|| {
                    format!(
                        "--change-set takes the change set's ARN \
                     (arn:PARTITION:cloudformation:REGION:ACCOUNT:changeSet/NAME/ID), not {arn:?}"
                    )
                })?,
        ),
        None => None,
    };
    let region = match &change_set {
        Some((_, home)) => home.region.clone(),
        None => configured_region().await.ok_or(
            "no Region configured: set AWS_REGION (or a profile's region) to the stack's Region",
        )?,
    };
    if let Some(problem) = unknown_region(&region) {
        return Err(format!("the Region {problem}"));
    }
    let replies = Arc::new(ReplySender::new());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(replies.http_client())
        .region(aws_config::Region::new(region.clone()))
        .load()
        .await;
    let logs = Destinations::new(aws_sdk_cloudwatchlogs::Client::new(&config));
    let stacks = Stacks::new(aws_sdk_cloudformation::Client::new(&config));
    // Asked only for a resource with Regions "*", as the function asks it.
    let enabled_regions = EnabledRegions::new(&config);
    let clients = (&logs, &enabled_regions);
    if let Some((arn, home)) = change_set {
        let served = Served {
            token: args.service_token.clone(),
            only_this_token: false,
            account: home.account.clone(),
        };
        let function_arn = function_in(&home.partition, &home.region, &home.account);
        return preview::of_change_set(clients, &stacks, arn, &function_arn, &served).await;
    }
    let (Some(stack), Some(logical_id), Some(file)) =
        (&args.stack, &args.logical_id, &args.properties)
    else {
        return Err("--stack needs --logical-id and --properties".into());
    };
    let properties = read_properties(file, "--properties")?;
    let stack_id = stacks
        .stack_id(stack)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "stack {stack} does not exist: for a new stack, create a change set \
                 (--change-type CREATE) and preview it with --change-set"
            )
        })?;
    let (partition, account) = placed(&stack_id).map_or_else(
        || (partition_of(&region).to_owned(), String::new()),
        |home| (home.partition, home.account),
    );
    let existing = stacks
        .resource(&stack_id, logical_id)
        .await
        .map_err(|e| e.to_string())?
        .filter(|r| !r.physical_id.is_empty());
    let kind = match (existing, &args.old_properties) {
        (None, _) => RequestKind::Create,
        (Some(resource), Some(old)) => RequestKind::Update {
            physical_resource_id: resource.physical_id,
            old_properties: read_properties(old, "--old-properties")?,
        },
        (Some(resource), None) => {
            return Err(format!(
                "{logical_id} exists (destination id {}): pass --old-properties FILE, the \
                 properties it was last deployed with, which CloudFormation sends with the \
                 Update (which Regions it leaves, which tags were the stack's)",
                resource.physical_id
            ))
        }
    };
    let request = CfnRequest {
        kind,
        target: ReplyTarget {
            response_url: String::new(),
            stack_id,
            request_id: preview::PREVIEW_REQUEST_ID.into(),
            logical_resource_id: logical_id.clone(),
        },
        properties,
        resource_type: crate::lifecycle::origin::SERVED_TYPES[0].into(),
    };
    let function_arn = function_in(&partition, &region, &account);
    Ok(preview::of_request(clients, request, &function_arn).await)
}

/// A properties file: a JSON object, as the template gives it (scalars become strings, as
/// CloudFormation sends them).
fn read_properties(file: &Path, flag: &str) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("{flag} {}: {e}", file.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{flag} {} is not JSON: {e}", file.display()))?;
    if !value.is_object() {
        return Err(format!(
            "{flag} {} must hold a JSON object of the resource's properties",
            file.display()
        ));
    }
    Ok(preview::as_sent(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_places_the_preview_and_anything_else_does_not() {
        assert_eq!(
            placed("arn:aws-cn:cloudformation:cn-north-1:123456789012:changeSet/c/1"),
            Some(Home {
                partition: "aws-cn".into(),
                region: "cn-north-1".into(),
                account: "123456789012".into(),
            })
        );
        for not_an_arn in [
            "c",
            "arn:aws:cloudformation:us-east-1:12:changeSet/c/1",
            "arn::x",
        ] {
            assert_eq!(placed(not_an_arn), None, "{not_an_arn}");
        }
        assert_eq!(
            function_in("aws", "eu-west-1", "123456789012"),
            "arn:aws:lambda:eu-west-1:123456789012:function:preview"
        );
    }

    #[test]
    fn only_a_refusal_is_exit_one() {
        let mut report = Report {
            unknown: 1,
            ..Report::default()
        };
        assert_eq!(exit_status(&report), 0);
        report.refused = 2;
        assert_eq!(exit_status(&report), 1);
    }
}
