//! What the service checks beyond its model, and the account around it, pinned in strict mode:
//! names the tagging APIs cannot address, ARN principals, the test message's target, Regions
//! the account has not enabled, and the per-API, per-Region rate limit.

use super::*;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread")]
async fn tag_calls_refuse_an_arn_outside_the_resource_arn_pattern() {
    // PutDestination takes the name (only ':' and '*' are refused); the tagging APIs cannot
    // address it.
    let name = unique_name("strict untaggable#é");
    let arn = create(&moto(), &name).await;
    let strict = via(AwsMode::Strict);
    for (code, message) in tag_calls_refused(&strict, &arn).await {
        assert_eq!(code, "InvalidParameterException");
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{arn}' at 'resourceArn' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: [\\w+=/:,.@-]*"
            )
        );
    }
    assert!(
        tags(&moto(), &arn).await.is_empty(),
        "a refused call tagged"
    );
    // At most 1011 characters, even of allowed ones.
    let long = arn_of(&"n".repeat(1000));
    let (code, message) = error(
        strict
            .list_tags_for_resource()
            .resource_arn(&long)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.ends_with("Member must have length less than or equal to 1011"),
        "{message}"
    );

    // moto tags it.
    via(AwsMode::Moto)
        .tag_resource()
        .resource_arn(&arn)
        .tags("k", "v")
        .send()
        .await
        .expect("moto tags any ARN");
    assert_eq!(tags(&moto(), &arn).await["k"], "v");
}

#[tokio::test(flavor = "multi_thread")]
async fn put_destination_policy_refuses_arn_principals() {
    let name = unique_name("strict-arn-principal");
    create(&moto(), &name).await;
    let policy = |principal: &str| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": ["111122223333", principal]},
            "Action": "logs:PutSubscriptionFilter", "Resource": "*"}]})
        .to_string()
    };
    let strict = via(AwsMode::Strict);
    let (code, message) = error(
        strict
            .put_destination_policy()
            .destination_name(&name)
            .access_policy(policy("arn:aws:iam::444455556666:root"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", ARN_PRINCIPAL)
    );
    assert_eq!(
        destinations_named(&moto(), &name).await[0].access_policy(),
        None
    );
    strict
        .put_destination_policy()
        .destination_name(&name)
        .access_policy(policy("444455556666"))
        .send()
        .await
        .expect("bare account IDs are accepted");
    via(AwsMode::Moto)
        .put_destination_policy()
        .destination_name(&name)
        .access_policy(policy("arn:aws:iam::444455556666:root"))
        .send()
        .await
        .expect("moto takes ARN principals");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_test_message_fails_for_a_kinesis_stream_that_does_not_exist() {
    let missing = "arn:aws:kinesis:us-east-1:123456789012:stream/no-such-stream";
    let put = |logs: &Client, name: &str| {
        logs.put_destination()
            .destination_name(name)
            .target_arn(missing)
            .role_arn(ROLE)
            .send()
    };
    let name = unique_name("strict-no-target");
    let (code, message) = error(put(&via(AwsMode::Strict), &name).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", TEST_MESSAGE_FAILURE)
    );
    assert!(!destination_exists(&name).await, "{name} was created");
    // The rig's own target exists (see RIG_STREAMS), in its Region and account only.
    create(&via(AwsMode::Strict), &name).await;
    let elsewhere = TARGET.replace("us-east-1", "eu-west-1");
    let (code, _) = error(
        via(AwsMode::Strict)
            .put_destination()
            .destination_name(&name)
            .target_arn(elsewhere)
            .role_arn(ROLE)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    put(&via(AwsMode::Moto), &unique_name("moto-no-target"))
        .await
        .expect("moto sends no test message");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_the_account_has_not_enabled_does_not_know_its_credentials() {
    let strict = proxy(AwsMode::Strict);
    strict.disable_regions(&["ap-east-1"]);
    for call in ["DescribeDestinations", "PutDestination"] {
        let logs = logs_client_in("ap-east-1", &strict.endpoint(), 1);
        let (code, message) = if call == "PutDestination" {
            error(
                logs.put_destination()
                    .destination_name(unique_name("strict-disabled"))
                    .target_arn(TARGET)
                    .role_arn(ROLE)
                    .send()
                    .await,
            )
        } else {
            error(logs.describe_destinations().send().await)
        };
        assert_eq!(code, "UnrecognizedClientException", "{call}");
        assert_eq!(message, UNKNOWN_TOKEN, "{call}");
    }
    assert!(
        client_in_moto("ap-east-1").await.is_empty(),
        "a refused call wrote"
    );
    logs_client_in("us-east-1", &strict.endpoint(), 1)
        .describe_destinations()
        .send()
        .await
        .expect("an enabled Region answers");
    // The rig setting's form, and moto, which answers every Region.
    assert_eq!(
        parse_region_list(" ap-east-1,me-south-1 ,,"),
        ["ap-east-1", "me-south-1"]
    );
    let plain = proxy(AwsMode::Moto);
    plain.disable_regions(&["ap-east-1"]);
    logs_client_in("ap-east-1", &plain.endpoint(), 1)
        .describe_destinations()
        .send()
        .await
        .expect("moto answers ap-east-1");
}

/// Names of the destinations moto holds in `region` under the prefix strict-disabled.
async fn client_in_moto(region: &str) -> Vec<String> {
    destinations_named(
        &logs_client_in(region, &moto_endpoint(), 1),
        "strict-disabled",
    )
    .await
    .iter()
    .filter_map(|d| d.destination_name().map(str::to_owned))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rate_limit_throttles_each_api_and_region_on_its_own() {
    for mode in [AwsMode::Strict, AwsMode::Moto] {
        let limited = proxy(mode);
        limited.rate_limit(5);
        let east = client(&limited);
        let west = logs_client_in("us-west-2", &limited.endpoint(), 1);
        // Seven at once: a burst of one second's calls passes, the rest is throttled.
        let answers =
            futures_util::future::join_all((0..7).map(|_| east.describe_destinations().send()))
                .await;
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 5, "{mode:?}");
        let (code, message) = error(
            answers
                .into_iter()
                .find(Result::is_err)
                .expect("a throttled call"),
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("ThrottlingException", RATE_EXCEEDED),
            "{mode:?}"
        );
        // Another Region, and another API, have buckets of their own.
        west.describe_destinations()
            .send()
            .await
            .expect("us-west-2 is not throttled");
        let (code, _) = error(
            east.delete_destination()
                .destination_name(unique_name("never-created"))
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException", "{mode:?}");
        // The bucket refills at the rate.
        let refilled = Instant::now() + Duration::from_millis(250);
        tokio::time::sleep_until(refilled.into()).await;
        east.describe_destinations()
            .send()
            .await
            .expect("a token is back after 200 ms");
        let records = limited.records();
        assert_eq!(
            records.iter().filter(|r| r.throttled).count(),
            2,
            "{mode:?}"
        );
        assert!(records.iter().all(|r| r.caller == "testing"), "{records:?}");
    }
}
