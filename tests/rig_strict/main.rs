//! The rig's strict-AWS mode, pinned with raw SDK calls through the fault proxy: each rule of
//! docs/fidelity.md, and where plain moto answers differently. These tests pick
//! their mode explicitly, so they check the same thing whatever `CFN_TEST_AWS` says.

mod account;
#[path = "../harness/mod.rs"]
mod harness;
mod model;
mod service;
#[path = "../support/mod.rs"]
mod support;

use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use aws_sdk_cloudwatchlogs::Client;
use harness::{tags, ROLE, TARGET};
use std::time::Duration;
use support::*;

fn proxy(mode: AwsMode) -> FaultProxy {
    FaultProxy::start_in(mode, &moto_endpoint())
}

/// One attempt per call, so each answer is the proxy's own.
fn client(proxy: &FaultProxy) -> Client {
    logs_client_with_retries(&proxy.endpoint(), 1)
}

/// A client whose calls go through a proxy in `mode`, kept alive with it.
struct Via {
    _proxy: FaultProxy,
    logs: Client,
}

impl std::ops::Deref for Via {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.logs
    }
}

fn via(mode: AwsMode) -> Via {
    let proxy = proxy(mode);
    let logs = client(&proxy);
    Via {
        _proxy: proxy,
        logs,
    }
}

/// Straight to moto: what is really stored.
fn moto() -> Client {
    logs_client(&moto_endpoint())
}

/// `(code, message)` of a failed call.
fn error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> (String, String) {
    let err = result.expect_err("the call should have failed");
    (
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

/// Creates `name` through `logs` and returns its ARN.
async fn create(logs: &Client, name: &str) -> String {
    logs.put_destination()
        .destination_name(name)
        .target_arn(TARGET)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutDestination {name}: {e:?}"))
        .destination()
        .and_then(|d| d.arn())
        .expect("an ARN")
        .to_owned()
}

/// ListTagsForResource, TagResource and UntagResource on `arn`, each expected to fail:
/// `(code, message)` of each.
async fn tag_calls_refused(logs: &Client, arn: &str) -> [(String, String); 3] {
    [
        error(logs.list_tags_for_resource().resource_arn(arn).send().await),
        error(
            logs.tag_resource()
                .resource_arn(arn)
                .tags("k", "v")
                .send()
                .await,
        ),
        error(
            logs.untag_resource()
                .resource_arn(arn)
                .tag_keys("k")
                .send()
                .await,
        ),
    ]
}

fn arn_of(name: &str) -> String {
    format!("arn:aws:logs:us-east-1:123456789012:destination:{name}")
}

#[tokio::test(flavor = "multi_thread")]
async fn put_destination_with_tags_gets_the_test_message_error_and_creates_nothing() {
    let strict = proxy(AwsMode::Strict);
    let name = unique_name("strict-tags");
    let (code, message) = error(
        client(&strict)
            .put_destination()
            .destination_name(&name)
            .target_arn(TARGET)
            .role_arn(ROLE)
            .tags("team", "platform")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, TEST_MESSAGE_FAILURE);
    assert!(!destination_exists(&name).await, "{name} was created");
    // Without tags the same call creates it.
    create(&client(&strict), &name).await;
    assert!(destination_exists(&name).await);

    // moto takes the tags.
    let plain = proxy(AwsMode::Moto);
    let other = unique_name("moto-tags");
    let arn = client(&plain)
        .put_destination()
        .destination_name(&other)
        .target_arn(TARGET)
        .role_arn(ROLE)
        .tags("team", "platform")
        .send()
        .await
        .expect("moto accepts tags in PutDestination")
        .destination()
        .and_then(|d| d.arn())
        .expect("an ARN")
        .to_owned();
    assert_eq!(tags(&moto(), &arn).await["team"], "platform");
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_calls_on_a_missing_destination_are_not_found() {
    let strict = via(AwsMode::Strict);
    let arn = arn_of(&unique_name("strict-missing"));
    for (code, _) in tag_calls_refused(&strict, &arn).await {
        assert_eq!(code, "ResourceNotFoundException");
    }
    assert!(
        tags(&moto(), &arn).await.is_empty(),
        "a refused TagResource tagged"
    );

    // Once it exists, the same calls work.
    let name = unique_name("strict-present");
    let arn = create(&strict, &name).await;
    strict
        .tag_resource()
        .resource_arn(&arn)
        .tags("k", "v")
        .send()
        .await
        .expect("TagResource on an existing destination");
    assert_eq!(tags(&strict, &arn).await["k"], "v");

    // moto answers all three for a destination that does not exist.
    let plain = via(AwsMode::Moto);
    let ghost = arn_of(&unique_name("moto-missing"));
    plain
        .tag_resource()
        .resource_arn(&ghost)
        .tags("k", "v")
        .send()
        .await
        .expect("moto tags a missing destination");
    assert_eq!(tags(&plain, &ghost).await["k"], "v");
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_go_with_a_deleted_destination_in_strict_mode_only() {
    for (mode, survive) in [(AwsMode::Strict, false), (AwsMode::Moto, true)] {
        let logs = via(mode);
        let name = unique_name("strict-recreated");
        let arn = create(&logs, &name).await;
        logs.tag_resource()
            .resource_arn(&arn)
            .tags("cfn-logs-destination:owner", "stack/uuid/Logical")
            .send()
            .await
            .expect("TagResource");
        logs.delete_destination()
            .destination_name(&name)
            .send()
            .await
            .expect("DeleteDestination");
        assert_eq!(create(&logs, &name).await, arn);
        let tags = tags(&moto(), &arn).await;
        assert_eq!(
            tags.contains_key("cfn-logs-destination:owner"),
            survive,
            "{mode:?}: {tags:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_missing_destination_is_not_found_in_both_modes() {
    for mode in [AwsMode::Strict, AwsMode::Moto] {
        let (code, _) = error(
            via(mode)
                .delete_destination()
                .destination_name(unique_name("never-created"))
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException", "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxys_own_calls_see_the_callers_region() {
    let strict = proxy(AwsMode::Strict);
    let west = logs_client_in("us-west-2", &strict.endpoint(), 1);
    let name = unique_name("strict-west");
    let arn = create(&west, &name).await;
    assert!(arn.starts_with("arn:aws:logs:us-west-2:"), "{arn}");
    // The existence check must ask us-west-2, where the destination is.
    west.tag_resource()
        .resource_arn(&arn)
        .tags("k", "v")
        .send()
        .await
        .expect("TagResource in us-west-2");
    let west_moto = logs_client_in("us-west-2", &moto_endpoint(), 1);
    assert_eq!(tags(&west_moto, &arn).await["k"], "v");
    // Asked from us-east-1, it does not exist.
    let (code, _) = error(
        client(&strict)
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    // And the tag wipe after a delete happens in us-west-2 too.
    west.delete_destination()
        .destination_name(&name)
        .send()
        .await
        .expect("DeleteDestination in us-west-2");
    assert!(tags(&west_moto, &arn).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_rules_apply_before_the_strict_layer() {
    let strict = proxy(AwsMode::Strict);
    let logs = client(&strict);
    strict.fail(
        "PutDestination",
        1,
        400,
        "ThrottlingException",
        "Rate exceeded",
    );
    let (code, _) = error(
        logs.put_destination()
            .destination_name(unique_name("strict-throttled"))
            .target_arn(TARGET)
            .role_arn(ROLE)
            .send()
            .await,
    );
    assert_eq!(code, "ThrottlingException");

    // A delay, then the strict answer.
    strict.delay("PutDestination", Duration::from_millis(200));
    let (code, _) = error(
        logs.put_destination()
            .destination_name(unique_name("strict-delayed"))
            .target_arn(TARGET)
            .role_arn(ROLE)
            .tags("k", "v")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");

    // A hang holds even a call the strict layer would refuse at once.
    strict.hang("ListTagsForResource");
    let call = logs
        .list_tags_for_resource()
        .resource_arn(arn_of(&unique_name("strict-hung")))
        .send();
    assert!(tokio::time::timeout(Duration::from_millis(500), call)
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_of_another_partition_does_not_know_the_rigs_credentials() {
    let strict = proxy(AwsMode::Strict);
    for region in ["cn-north-1", "us-gov-west-1"] {
        let elsewhere = logs_client_in(region, &strict.endpoint(), 1);
        let (code, message) = error(elsewhere.describe_destinations().send().await);
        assert_eq!(code, "UnrecognizedClientException", "{region}");
        assert_eq!(message, UNKNOWN_TOKEN, "{region}");
    }
    // moto answers any Region; so does strict mode within the partition.
    let plain = proxy(AwsMode::Moto);
    logs_client_in("cn-north-1", &plain.endpoint(), 1)
        .describe_destinations()
        .send()
        .await
        .expect("moto answers cn-north-1");
    logs_client_in("eu-south-2", &strict.endpoint(), 1)
        .describe_destinations()
        .send()
        .await
        .expect("strict mode answers eu-south-2");
}
