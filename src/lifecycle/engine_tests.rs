//! The engine end to end against mocked CloudWatch Logs that answers as AWS does (no tags in
//! PutDestination, ResourceNotFoundException for what does not exist): the exact calls each
//! request makes, in order (sequential mocks fail the test on any call out of order or beyond
//! the list), and how failures are undone.
use super::*;
use crate::destinations::tests::{created, invalid_parameter};
use crate::enabled_regions::EnabledRegions;
use crate::event::ReplyTarget;
use crate::lifecycle::authority::{now_ms, UNFINISHED_WINDOW};
use crate::lifecycle::fingerprint::FINGERPRINT_TAG;
use crate::lifecycle::names::created_id;
use aws_sdk_cloudwatchlogs::error::ErrorMetadata;
use aws_sdk_cloudwatchlogs::operation::delete_destination::{
    DeleteDestinationError, DeleteDestinationOutput,
};
use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput;
use aws_sdk_cloudwatchlogs::operation::list_tags_for_resource::{
    ListTagsForResourceError, ListTagsForResourceOutput,
};
use aws_sdk_cloudwatchlogs::operation::put_destination::PutDestinationError;
use aws_sdk_cloudwatchlogs::operation::put_destination_policy::{
    PutDestinationPolicyError, PutDestinationPolicyOutput,
};
use aws_sdk_cloudwatchlogs::operation::tag_resource::{TagResourceError, TagResourceOutput};
use aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException;
use aws_sdk_cloudwatchlogs::types::Destination as SdkDestination;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use serde_json::{json, Value};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
const NAME: &str = "central";
const ARN: &str = "arn:aws:logs:us-east-1:123456789012:destination:central";
const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
const ROLE: &str = "arn:aws:iam::123456789012:role/r";
pub(crate) const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/central-logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f";
const OWNER: &str = "central-logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f/Destination";

pub(crate) fn target(stack_id: &str, logical: &str, request: &str) -> ReplyTarget {
    ReplyTarget {
        response_url: String::new(),
        stack_id: stack_id.into(),
        request_id: request.into(),
        logical_resource_id: logical.into(),
    }
}

fn request(kind: RequestKind, properties: Value) -> CfnRequest {
    CfnRequest {
        kind,
        target: target(STACK, "Destination", "r1"),
        properties,
        resource_type: "Custom::LogsDestination".into(),
    }
}

fn properties_with_policy() -> Value {
    json!({
        "DestinationName": NAME,
        "TargetArn": TARGET,
        "RoleArn": ROLE,
        "DestinationPolicy": {"Version": "2012-10-17", "Statement": []},
        "Tags": [{"Key": "team", "Value": "observability"}],
    })
}

fn properties_without_policy() -> Value {
    let mut properties = properties_with_policy();
    properties
        .as_object_mut()
        .map(|p| p.remove("DestinationPolicy"));
    properties
}

fn update(properties: Value) -> CfnRequest {
    request(
        RequestKind::Update {
            physical_resource_id: NAME.into(),
            old_properties: properties_with_policy(),
        },
        properties,
    )
}

fn delete_request() -> CfnRequest {
    request(
        RequestKind::Delete {
            physical_resource_id: NAME.into(),
        },
        properties_with_policy(),
    )
}

async fn run_with(rules: &[&Rule], request: &CfnRequest) -> Result<Done, Failed> {
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, rules);
    // No request here asks for every Region: the Account API is never called.
    let regions = EnabledRegions::new(&aws_config::SdkConfig::builder().build());
    run(
        (&Destinations::new(client), &regions),
        &super::origin::unchecked(),
        request,
        FUNCTION,
        &Record::default(),
    )
    .await
}

async fn create_with(rules: &[&Rule]) -> Result<Done, Failed> {
    run_with(
        rules,
        &request(RequestKind::Create, properties_with_policy()),
    )
    .await
}

fn assert_all_called(rules: &[&Rule]) {
    for (i, rule) in rules.iter().enumerate() {
        assert!(
            rule.num_calls() >= 1,
            "call {} of the sequence was not made",
            i + 1
        );
    }
}

/// As DescribeDestinations reports `central`.
fn described(target: &str, created_ms: i64, policy: Option<&str>) -> Rule {
    let destination = SdkDestination::builder()
        .destination_name(NAME)
        .arn(ARN)
        .target_arn(target)
        .role_arn(ROLE)
        .creation_time(created_ms)
        .set_access_policy(policy.map(str::to_owned))
        .build();
    mock!(Client::describe_destinations)
        .match_requests(|r| r.destination_name_prefix() == Some(NAME))
        .then_output(move || {
            DescribeDestinationsOutput::builder()
                .destinations(destination.clone())
                .build()
        })
}

fn no_destination() -> Rule {
    mock!(Client::describe_destinations)
        .then_output(|| DescribeDestinationsOutput::builder().build())
}

fn tags_are(tags: &[(&str, &str)]) -> Rule {
    let tags: Vec<(String, String)> = tags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    mock!(Client::list_tags_for_resource)
        .match_requests(|r| r.resource_arn() == Some(ARN))
        .then_output(move || {
            let mut output = ListTagsForResourceOutput::builder();
            for (key, value) in &tags {
                output = output.tags(key, value);
            }
            output.build()
        })
}

/// The fingerprint tag of `central` written from `properties_with_policy()`.
pub(crate) fn fingerprint_with_policy() -> String {
    use crate::lifecycle::fingerprint::{Fingerprint, RequestedRegions};
    let team = [("team".to_owned(), "observability".to_owned())].into();
    let policy = json!({"Version": "2012-10-17", "Statement": []});
    Fingerprint::of(TARGET, ROLE, Some(&policy), &team)
        .with_regions(RequestedRegions::listed(&["us-east-1".to_owned()]))
        .tag_value()
}

fn owned_tags() -> Rule {
    let print = fingerprint_with_policy();
    tags_are(&[
        (OWNER_TAG, OWNER),
        (FINGERPRINT_TAG, &print),
        ("team", "observability"),
    ])
}

fn not_found() -> Rule {
    mock!(Client::list_tags_for_resource).then_error(|| {
        let meta = ErrorMetadata::builder()
            .code("ResourceNotFoundException")
            .message("The specified resource does not exist.")
            .build();
        ListTagsForResourceError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("The specified resource does not exist.")
                .meta(meta)
                .build(),
        )
    })
}

/// PutDestination as AWS accepts it: without tags.
fn put_untagged() -> Rule {
    mock!(Client::put_destination)
        .match_requests(|r| r.tags().is_none() && r.destination_name() == Some(NAME))
        .then_output(created)
}

/// TagResource setting the ownership tag, the fingerprint and the user's tag in one call.
fn tagged_as_ours() -> Rule {
    mock!(Client::tag_resource)
        .match_requests(|r| {
            let tags = r.tags().cloned().unwrap_or_default();
            r.resource_arn() == Some(ARN)
                && tags.get(OWNER_TAG).map(String::as_str) == Some(OWNER)
                && tags.get("team").map(String::as_str) == Some("observability")
                && tags.contains_key(FINGERPRINT_TAG)
                && tags.len() == 3
        })
        .then_output(|| TagResourceOutput::builder().build())
}

fn policy_set() -> Rule {
    mock!(Client::put_destination_policy)
        .then_output(|| PutDestinationPolicyOutput::builder().build())
}

fn policy_rejected() -> Rule {
    mock!(Client::put_destination_policy).then_error(|| {
        PutDestinationPolicyError::InvalidParameterException(invalid_parameter("bad principal"))
    })
}

fn deleted() -> Rule {
    mock!(Client::delete_destination)
        .match_requests(|r| r.destination_name() == Some(NAME))
        .then_output(|| DeleteDestinationOutput::builder().build())
}

fn just_now() -> i64 {
    now_ms() - 1_000
}

#[tokio::test]
async fn create_is_describe_put_without_tags_tag_then_policy() {
    let rules = [
        &no_destination(),
        &put_untagged(),
        &tagged_as_ours(),
        &policy_set(),
    ];
    let done = create_with(&rules).await.expect("created");
    assert_all_called(&rules);
    assert_eq!(done.physical_resource_id, NAME);
}

#[tokio::test]
async fn a_tag_failure_after_creation_removes_the_new_destination() {
    let refused = mock!(Client::tag_resource).then_error(|| {
        TagResourceError::InvalidParameterException(invalid_parameter("tagging denied"))
    });
    // The policy goes out at the same time as the tags.
    let rules = [
        &no_destination(),
        &put_untagged(),
        &refused,
        &policy_set(),
        &deleted(),
    ];
    let failed = create_with(&rules).await.expect_err("the create must fail");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
    assert!(
        failed
            .reason
            .contains("TagResource for destination central failed"),
        "{}",
        failed.reason
    );
}

#[tokio::test]
async fn a_policy_failure_after_creation_removes_the_new_destination() {
    let rules = [
        &no_destination(),
        &put_untagged(),
        &tagged_as_ours(),
        &policy_rejected(),
        &deleted(),
    ];
    let failed = create_with(&rules).await.expect_err("the create must fail");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
    assert!(failed.reason.contains("PutDestinationPolicy for destination central failed: InvalidParameterException: bad principal"), "{}", failed.reason);
}

#[tokio::test]
async fn when_cleanup_fails_too_the_reply_names_the_destination_for_the_rollback() {
    let delete_refused = mock!(Client::delete_destination).then_error(|| {
        DeleteDestinationError::InvalidParameterException(invalid_parameter("denied"))
    });
    let rules = [
        &no_destination(),
        &put_untagged(),
        &tagged_as_ours(),
        &policy_rejected(),
        &delete_refused,
    ];
    let failed = create_with(&rules).await.expect_err("the create must fail");
    assert_eq!(failed.physical_resource_id, NAME);
    assert!(
        failed.reason.contains("so that the rollback deletes it"),
        "{}",
        failed.reason
    );
}

#[tokio::test]
async fn a_redelivered_create_finishes_its_own_untagged_destination() {
    // The first delivery died between PutDestination and TagResource.
    let rules = [
        &described(TARGET, just_now(), None),
        &tags_are(&[]),
        &tagged_as_ours(),
        &policy_set(),
    ];
    let done = create_with(&rules).await.expect("taken over");
    assert_all_called(&rules);
    assert_eq!(done.physical_resource_id, NAME);
}

#[tokio::test]
async fn create_changes_nothing_of_an_untagged_destination_that_is_not_its_own() {
    let old = now_ms() - UNFINISHED_WINDOW.as_millis() as i64 - 60_000;
    for found in [
        described(TARGET, old, None),
        described(
            "arn:aws:kinesis:us-east-1:123456789012:stream/other",
            just_now(),
            None,
        ),
        described(TARGET, just_now(), Some(r#"{"Version":"2012-10-17"}"#)),
    ] {
        let rules = [&found, &tags_are(&[])];
        let failed = create_with(&rules).await.expect_err("not ours");
        assert_all_called(&rules);
        assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
        assert!(
            failed.reason.contains("already exists"),
            "{}",
            failed.reason
        );
    }
}

const CONSENT: &str = crate::lifecycle::names::ADOPTABLE_BY_TAG;

#[tokio::test]
async fn a_failed_adoption_puts_back_target_role_and_tags_in_that_order() {
    let mut adopting = properties_with_policy();
    adopting["AdoptExisting"] = json!(true);
    let other = "arn:aws:kinesis:us-east-1:123456789012:stream/other";
    let untag_theirs = mock!(Client::untag_resource)
        .match_requests(|r| r.tag_keys() == [CONSENT, "legacy"])
        .then_output(|| {
            aws_sdk_cloudwatchlogs::operation::untag_resource::UntagResourceOutput::builder()
                .build()
        });
    let repoint = mock!(Client::put_destination)
        .match_requests(|r| r.target_arn() == Some(TARGET) && r.tags().is_none())
        .then_output(created);
    let repoint_back = mock!(Client::put_destination)
        .match_requests(move |r| r.target_arn() == Some(other))
        .then_output(created);
    let untag_ours = mock!(Client::untag_resource)
        .match_requests(|r| {
            let mut keys = r.tag_keys().to_vec();
            keys.sort();
            keys == [FINGERPRINT_TAG, OWNER_TAG, "team"]
        })
        .then_output(|| {
            aws_sdk_cloudwatchlogs::operation::untag_resource::UntagResourceOutput::builder()
                .build()
        });
    let tag_theirs_back = mock!(Client::tag_resource)
        .match_requests(|r| {
            // The owner's consent comes back with its other tags: it may adopt again.
            r.tags().is_some_and(|t| {
                t.len() == 2
                    && t.get("legacy").map(String::as_str) == Some("yes")
                    && t.get(CONSENT).map(String::as_str) == Some("central-logs")
            })
        })
        .then_output(|| TagResourceOutput::builder().build());
    let rules = [
        &described(other, 0, None),
        &tags_are(&[("legacy", "yes"), (CONSENT, "central-logs")]),
        &untag_theirs,
        &tagged_as_ours(),
        &repoint,
        &policy_rejected(),
        &repoint_back,
        &untag_ours,
        &tag_theirs_back,
    ];
    let failed = run_with(&rules, &request(RequestKind::Create, adopting))
        .await
        .expect_err("the adoption fails");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
    assert!(failed.reason.contains("was put back"), "{}", failed.reason);
}

#[tokio::test]
async fn update_in_place_checks_ownership_and_writes_only_what_changed() {
    let mut changed = properties_with_policy();
    changed["TargetArn"] = json!("arn:aws:kinesis:us-east-1:123456789012:stream/other");
    let put = mock!(Client::put_destination)
        .match_requests(|r| {
            r.tags().is_none()
                && r.target_arn() == Some("arn:aws:kinesis:us-east-1:123456789012:stream/other")
        })
        .then_output(created);
    let same_policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    // The fingerprint follows the new target, in the same round trip.
    let fingerprint = mock!(Client::tag_resource)
        .match_requests(|r| {
            let tags = r.tags().cloned().unwrap_or_default();
            tags.len() == 1
                && tags
                    .get(FINGERPRINT_TAG)
                    .is_some_and(|print| *print != fingerprint_with_policy())
        })
        .then_output(|| TagResourceOutput::builder().build());
    let rules = [
        &described(TARGET, 0, Some(same_policy)),
        &owned_tags(),
        &put,
        &fingerprint,
    ];
    let done = run_with(&rules, &update(changed)).await.expect("updated");
    assert_all_called(&rules);
    assert_eq!(done.physical_resource_id, NAME);
}

#[tokio::test]
async fn update_in_place_writes_nothing_to_a_destination_it_no_longer_owns() {
    let rules = [
        &described(TARGET, 0, None),
        &tags_are(&[(OWNER_TAG, "someone-else/uuid/Destination")]),
    ];
    let failed = run_with(&rules, &update(properties_with_policy()))
        .await
        .expect_err("not ours any more");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, NAME);
    assert!(
        failed
            .reason
            .contains("no longer managed by this stack resource"),
        "{}",
        failed.reason
    );
}

#[tokio::test]
async fn update_recreates_a_vanished_destination_through_the_create_path() {
    let rules = [
        &no_destination(),
        &not_found(),
        &put_untagged(),
        &tagged_as_ours(),
        &policy_set(),
    ];
    let done = run_with(&rules, &update(properties_with_policy()))
        .await
        .expect("recreated");
    assert_all_called(&rules);
    assert_eq!(done.physical_resource_id, NAME);
}

#[tokio::test]
async fn delete_of_ours_is_list_tags_then_delete() {
    let rules = [&owned_tags(), &deleted()];
    let done = run_with(&rules, &delete_request()).await.expect("deleted");
    assert_all_called(&rules);
    assert_eq!(done.warning, None);
}

#[tokio::test]
async fn delete_removes_this_resources_own_untagged_destination_only_by_its_creation_time() {
    // The Create was abandoned between PutDestination and TagResource, and answered with an
    // id naming the destination and the creation time it saw, so that this rollback Delete
    // removes it.
    let created = just_now();
    let rollback = |id: String| {
        request(
            RequestKind::Delete {
                physical_resource_id: id,
            },
            properties_with_policy(),
        )
    };
    let id = created_id(NAME, created, created).expect("fits");
    let rules = [
        &tags_are(&[]),
        &described(TARGET, created, None),
        &deleted(),
    ];
    let done = run_with(&rules, &rollback(id.clone()))
        .await
        .expect("deleted");
    assert_all_called(&rules);
    assert_eq!(done.warning, None);
    assert_eq!(done.physical_resource_id, id);

    // Another creation time, or a plain Delete of the name: someone else's, left alone.
    for id in [
        created_id(NAME, created + 1, created + 1).expect("fits"),
        NAME.to_owned(),
    ] {
        let rules = [&tags_are(&[]), &described(TARGET, created, None)];
        let done = run_with(&rules, &rollback(id)).await.expect("succeeds");
        assert_all_called(&rules);
        assert!(done.warning.expect("warning").contains("left untouched"));
    }
}

#[tokio::test]
async fn delete_of_a_missing_destination_stops_at_resource_not_found() {
    let rules = [&not_found()];
    let done = run_with(&rules, &delete_request())
        .await
        .expect("nothing to do");
    assert_all_called(&rules);
    assert_eq!(done.warning, None);
}

#[tokio::test]
async fn delete_leaves_a_destination_without_our_tag_alone() {
    for tags in [
        tags_are(&[(OWNER_TAG, "another-stack/uuid/Destination")]),
        tags_are(&[("team", "observability")]),
    ] {
        let rules = [&tags];
        let done = run_with(&rules, &delete_request())
            .await
            .expect("a delete of something not ours still succeeds");
        assert!(done.warning.expect("warning").contains("left untouched"));
    }
    let old = described(TARGET, 0, None);
    let rules = [&tags_are(&[]), &old];
    let done = run_with(&rules, &delete_request()).await.expect("succeeds");
    assert_all_called(&rules);
    assert!(done.warning.expect("warning").contains("left untouched"));
}

#[tokio::test]
async fn other_invalid_parameters_are_not_retried_and_explain_themselves() {
    let put = mock!(Client::put_destination).then_error(|| {
        PutDestinationError::InvalidParameterException(invalid_parameter("Role ARN is malformed"))
    });
    let rules = [&no_destination(), &put];
    let failed = create_with(&rules).await.expect_err("fails");
    assert_eq!(put.num_calls(), 1);
    assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
    assert!(failed.reason.contains("PutDestination for destination central failed: InvalidParameterException: Role ARN is malformed"), "{}", failed.reason);
}

#[test]
fn a_persistent_test_message_failure_lists_the_likely_causes() {
    let error = crate::destinations::AwsError {
        operation: "PutDestination",
        destination: NAME.into(),
        code: Some("InvalidParameterException".into()),
        message: "Could not deliver test message to specified destination.".into(),
    };
    let text = error.to_string();
    assert!(
        text.contains("logs.amazonaws.com") && text.contains("KMS"),
        "{text}"
    );
}

#[tokio::test]
async fn an_update_that_changes_nothing_is_two_reads_in_one_round_trip() {
    let same_policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let rules = [&described(TARGET, 0, Some(same_policy)), &owned_tags()];
    let done = run_with(&rules, &update(properties_with_policy()))
        .await
        .expect("nothing to do");
    assert_all_called(&rules);
    assert_eq!(done.physical_resource_id, NAME);
}

#[tokio::test]
async fn a_failed_rename_back_to_a_name_it_still_owns_deletes_nothing() {
    // The rollback of a rename: CloudFormation has not yet deleted the original destination.
    let rename_back = request(
        RequestKind::Update {
            physical_resource_id: "renamed".into(),
            old_properties: json!({"DestinationName": "renamed", "TargetArn": TARGET,
                                   "RoleArn": ROLE}),
        },
        properties_with_policy(),
    );
    let refused = mock!(Client::put_destination).then_error(|| {
        PutDestinationError::InvalidParameterException(invalid_parameter("Role ARN is malformed"))
    });
    let same_policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    // Any DeleteDestination would be a call beyond the list.
    let rules = [
        &described(
            "arn:aws:kinesis:us-east-1:123456789012:stream/before",
            0,
            Some(same_policy),
        ),
        &owned_tags(),
        &refused,
    ];
    let failed = run_with(&rules, &rename_back).await.expect_err("fails");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, "renamed");
    assert!(
        !failed.reason.contains("delete destination"),
        "{}",
        failed.reason
    );
}

#[path = "restore_tests.rs"]
mod restore_tests;
