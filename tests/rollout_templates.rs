//! The rollout's two sides agree: in every Region of the partition, the destination ARN that
//! `examples/organization-senders.yaml` builds with `!Sub` (from the partition, the Region,
//! the central account and the destination's name) is the ARN the destination resource
//! returns for that Region (`Arn.REGION`) and the one CloudWatch Logs holds. Through the
//! compiled binary, both for the fan-out example's `Regions: "*"` (one resource, every Region)
//! and for listed Regions; `scripts/check-templates.sh` runs it next to the linters.

mod harness;
mod support;

use cfn_logs_destination::partitions::{partition, partition_of};
use harness::*;
use std::path::Path;
use support::*;

const SENDERS: &str = "examples/organization-senders.yaml";
/// Regions per listed-Regions resource: a list gives each ARN twice (`Arns` and `Arn.REGION`),
/// so all 34 in one list would not fit CloudFormation's 4096 bytes (the function refuses it,
/// a 6302-byte reply); 12 fit whatever the test's name.
const REGIONS_PER_RESOURCE: usize = 12;

/// Every one-line `!Sub` string of the senders template that names the central account: each
/// builds the destination's ARN. They must all be the same string (the policy's
/// `DestinationArn` and the output cannot drift apart), and there must be at least one.
fn destination_arn_pattern() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SENDERS);
    let template = std::fs::read_to_string(&path).expect("read the senders template");
    let patterns: Vec<String> = template
        .lines()
        .filter_map(|line| line.split_once("!Sub "))
        .filter(|(_, sub)| sub.contains("${CentralAccountId}"))
        .map(|(_, rest)| rest.trim().trim_matches('"').trim_matches('\'').to_owned())
        .collect();
    assert!(
        !patterns.is_empty(),
        "{SENDERS} builds no destination ARN with a one-line !Sub"
    );
    assert!(
        patterns.iter().all(|p| *p == patterns[0]),
        "{SENDERS} builds the destination ARN in different ways: {patterns:?}"
    );
    patterns[0].clone()
}

/// `pattern` with each `${NAME}` replaced by its value in `values`; a name it does not give
/// fails the test, so a template that starts to depend on something else is noticed here.
fn render(pattern: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .unwrap_or_else(|| panic!("unclosed ${{ in {pattern}"));
        let name = &after[..end];
        let value = values
            .iter()
            .find(|(key, _)| *key == name)
            .unwrap_or_else(|| panic!("{pattern} uses ${{{name}}}, which the test does not give"))
            .1;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn render_replaces_every_variable_and_refuses_unknown_ones() {
    assert_eq!(
        render("arn:${P}:x:${R}", &[("P", "aws"), ("R", "eu-west-1")]),
        "arn:aws:x:eu-west-1"
    );
    let unknown = std::panic::catch_unwind(|| render("arn:${AWS::URLSuffix}", &[]));
    assert!(unknown.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_senders_template_builds_the_arn_the_destination_returns_in_every_region() {
    let pattern = destination_arn_pattern();
    // The central account and partition are the function's: the fan-out stack's account, whose
    // id the StackSet receives as CentralAccountId.
    let function_arn: Vec<&str> = DEFAULT_FUNCTION_ARN.split(':').collect();
    let (own_partition, central_account) = (function_arn[1], function_arn[4]);
    let regions = partition(own_partition)
        .expect("the function's partition")
        .regions;
    let stack = Stack::start();
    let name = unique_name("rollout");
    let mut checked = 0;
    for (n, group) in regions.chunks(REGIONS_PER_RESOURCE).enumerate() {
        let (_, answer) = stack
            .create(&format!("Destination{n}"), fanned(&name, group))
            .await;
        let data = &answer.reply["Data"];
        for region in group {
            let built = render(
                &pattern,
                &[
                    ("AWS::Partition", partition_of(region)),
                    ("AWS::Region", region),
                    ("CentralAccountId", central_account),
                    ("DestinationName", &name),
                ],
            );
            assert_eq!(data[format!("Arn.{region}")], built.as_str(), "{region}");
            assert_eq!(existing(&client_in(region), &name).await.arn, built);
            checked += 1;
        }
    }
    assert_eq!(checked, regions.len());
}

/// The fan-out example's destination as its stack would create it: its default name, the
/// organization grant with account-level subscriptions, and `Regions: "*"`. The target and role
/// are as long as the names CloudFormation generates for that stack (a Firehose ARN is a few
/// bytes longer than the Kinesis one), so the reply's size is the example's: with every Region
/// of the partition enabled, its `Arn.REGION` attributes must all fit CloudFormation's 4096
/// bytes (the guard would refuse the Create otherwise).
fn fanout_properties() -> serde_json::Value {
    serde_json::json!({
        "DestinationName": "org-central-logs",
        "TargetArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/org-central-logs-LogStream-1A2B3C4D5E6F",
        "RoleArn": "arn:aws:iam::123456789012:role/logs-destination/org-central-logs-DestinationRole-1A2B3C4D5E6F",
        "Regions": "*",
        "AllowedOrganizations": "o-a1b2c3d4e5",
        "AllowAccountLevelSubscriptions": "true",
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn with_every_region_each_regions_arn_is_the_senders_and_all_fit_the_reply() {
    let pattern = destination_arn_pattern();
    let function_arn: Vec<&str> = DEFAULT_FUNCTION_ARN.split(':').collect();
    let (own_partition, central_account) = (function_arn[1], function_arn[4]);
    let mut every: Vec<&str> = partition(own_partition)
        .expect("the function's partition")
        .regions
        .to_vec();
    every.sort_unstable();
    let stack = Stack::start();
    let (_, answer) = stack.create("Destination", fanout_properties()).await;
    let data = &answer.reply["Data"];
    // The rig's account has every Region of the partition enabled: the StackSet's Regions.
    let regions: Vec<&str> = data["Regions"]
        .as_str()
        .expect("the Regions attribute")
        .split(',')
        .collect();
    assert_eq!(regions, every);
    for region in regions {
        let built = render(
            &pattern,
            &[
                ("AWS::Partition", partition_of(region)),
                ("AWS::Region", region),
                ("CentralAccountId", central_account),
                ("DestinationName", "org-central-logs"),
            ],
        );
        assert_eq!(data[format!("Arn.{region}")], built.as_str(), "{region}");
        assert_eq!(
            existing(&client_in(region), "org-central-logs").await.arn,
            built
        );
    }
}
