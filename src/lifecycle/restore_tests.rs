//! The engine against mocked CloudWatch Logs: a creating PutDestination looks
//! again before each retry and stops at a destination it did not make, an overwrite is caught
//! by its creation time, and a failure or an interruption puts back what existed.
use super::*;

fn test_message_failure() -> Rule {
    mock!(Client::put_destination).then_error(|| {
        PutDestinationError::InvalidParameterException(invalid_parameter(
            "Could not deliver test message to specified destination. Check if the destination is valid.",
        ))
    })
}

#[tokio::test]
async fn the_role_propagation_failure_is_retried_until_it_clears_looking_again_each_time() {
    let rules = [
        &no_destination(),
        &test_message_failure(),
        &no_destination(),
        &test_message_failure(),
        &no_destination(),
        &put_untagged(),
        &tagged_as_ours(),
    ];
    let done = run_with(
        &rules,
        &request(RequestKind::Create, properties_without_policy()),
    )
    .await
    .expect("created after retries");
    assert_all_called(&rules);
    assert_eq!(done.physical_resource_id, NAME);
}

#[tokio::test]
async fn a_destination_that_appears_before_a_retry_is_left_alone() {
    // Someone else made it between two attempts (a refused attempt creates nothing).
    let rules = [
        &no_destination(),
        &test_message_failure(),
        &described(TARGET, just_now(), None),
    ];
    // Any further PutDestination, TagResource or DeleteDestination is a call beyond the list.
    let failed = run_with(
        &rules,
        &request(RequestKind::Create, properties_without_policy()),
    )
    .await
    .expect_err("stopped");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
    assert!(
        failed
            .reason
            .contains("appeared in us-east-1 after this request found the name free")
            && failed.reason.contains("left as it is"),
        "{}",
        failed.reason
    );
}

#[tokio::test]
async fn a_creating_put_that_overwrote_a_destination_stops_and_never_deletes_it() {
    let long_ago = now_ms() - 3_600_000;
    let overwritten = mock!(Client::put_destination).then_output(move || {
        aws_sdk_cloudwatchlogs::operation::put_destination::PutDestinationOutput::builder()
            .destination(
                SdkDestination::builder()
                    .destination_name(NAME)
                    .arn(ARN)
                    .creation_time(long_ago)
                    .build(),
            )
            .build()
    });
    // No TagResource, no policy, no DeleteDestination after it.
    let rules = [&no_destination(), &overwritten];
    let failed = create_with(&rules).await.expect_err("stopped");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
    assert!(
        failed.reason.contains(&format!(
            "destination central already existed in us-east-1 (creationTime {long_ago}"
        )) && failed.reason.contains("overwrote its target and role")
            && failed
                .reason
                .contains("its owner must check its target and role"),
        "{}",
        failed.reason
    );
}

#[tokio::test]
async fn a_failed_rename_back_puts_the_original_back_as_it_was_found() {
    let rename_back = request(
        RequestKind::Update {
            physical_resource_id: "renamed".into(),
            old_properties: json!({"DestinationName": "renamed", "TargetArn": TARGET,
                                   "RoleArn": ROLE}),
        },
        properties_with_policy(),
    );
    let before = "arn:aws:kinesis:us-east-1:123456789012:stream/before";
    let old_policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"old"}]}"#;
    let repoint_refused = mock!(Client::put_destination)
        .match_requests(|r| r.target_arn() == Some(TARGET))
        .then_error(|| {
            PutDestinationError::InvalidParameterException(invalid_parameter("role not usable"))
        });
    let policy_back = mock!(Client::put_destination_policy)
        .match_requests(move |r| {
            r.access_policy() == Some(old_policy) && r.force_update() == Some(true)
        })
        .then_output(|| PutDestinationPolicyOutput::builder().build());
    // Target and policy at once; the target is refused, the policy lands and goes back (a
    // refused write changed nothing, so the target is not written again). No Delete.
    let rules = [
        &described(before, 0, Some(old_policy)),
        &owned_tags(),
        &repoint_refused,
        &policy_set(),
        &policy_back,
    ];
    let failed = run_with(&rules, &rename_back).await.expect_err("fails");
    assert_all_called(&rules);
    assert_eq!(failed.physical_resource_id, "renamed");
    assert!(
        failed
            .reason
            .contains("destination central was put back as it was found"),
        "{}",
        failed.reason
    );
}

#[tokio::test]
async fn an_interrupted_adoption_is_put_back_from_the_record_alone() {
    use crate::lifecycle::record::{Event, Undoing};
    use crate::lifecycle::writes::{Aspect, Write};
    let record = Record::default();
    record.begin(NAME);
    let theirs: std::collections::BTreeMap<String, String> =
        [("legacy".to_owned(), "yes".to_owned())].into();
    record.will_undo(Undoing {
        region: "us-east-1".into(),
        name: NAME.into(),
        arn: ARN.into(),
        found: None,
        undo: vec![vec![
            Write::Put {
                target_arn: TARGET.into(),
                role_arn: ROLE.into(),
                creates: false,
            },
            Write::Untag(vec![OWNER_TAG.into()]),
            Write::Tag(theirs),
        ]],
        keep_if_finished: false,
    });
    // The tags were changed and the repoint was still running when the watchdog fired.
    record.note("us-east-1", Event::Wrote(Aspect::Tags));
    record.note("us-east-1", Event::Wrote(Aspect::Tags));
    let untag_ours = mock!(Client::untag_resource)
        .match_requests(|r| r.tag_keys() == [OWNER_TAG])
        .then_output(|| {
            aws_sdk_cloudwatchlogs::operation::untag_resource::UntagResourceOutput::builder()
                .build()
        });
    let tag_theirs = mock!(Client::tag_resource)
        .match_requests(|r| r.tags().is_some_and(|t| t.get("legacy").is_some()))
        .then_output(|| TagResourceOutput::builder().build());
    // No PutDestination: the record shows no write to target and role.
    let rules = [&untag_ours, &tag_theirs];
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, &rules);
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let told = undo_interrupted(&Destinations::new(client), &record, until).await;
    assert_all_called(&rules);
    assert_eq!(
        told,
        ". Destination central was put back as it was found in us-east-1"
    );
}
