//! Model constraints pinned in strict mode: names, policies, tags and DescribeDestinations'
//! paging as the service model has them, and what plain moto accepts instead.

use super::*;
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread")]
async fn names_and_policies_are_held_to_the_service_model() {
    let strict = via(AwsMode::Strict);
    let plain = via(AwsMode::Moto);
    let too_long = "n".repeat(513);
    for bad in ["has:colon", "has*star", too_long.as_str()] {
        let (code, message) = error(
            strict
                .put_destination()
                .destination_name(bad)
                .target_arn(TARGET)
                .role_arn(ROLE)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException", "{bad}");
        assert!(
            message.starts_with("1 validation error detected: Value '")
                && message.contains("at 'destinationName' failed to satisfy constraint"),
            "{message}"
        );
    }
    // `tags` is 1-50 entries: an empty map is refused, not read as "no tags".
    let (code, _) = error(
        strict
            .put_destination()
            .destination_name(unique_name("strict-empty-tags"))
            .target_arn(TARGET)
            .role_arn(ROLE)
            .set_tags(Some(HashMap::new()))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = error(
        strict
            .describe_destinations()
            .destination_name_prefix("a:b")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let colon = format!("{}:x", unique_name("moto-colon"));
    create(&plain, &colon).await;

    let name = unique_name("strict-policy");
    create(&strict, &name).await;
    let huge = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}"}}]}}"#,
        "s".repeat(5120)
    );
    let (code, _) = error(
        strict
            .put_destination_policy()
            .destination_name(&name)
            .access_policy(&huge)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        destinations_named(&moto(), &name).await[0].access_policy(),
        None
    );
    plain
        .put_destination_policy()
        .destination_name(&name)
        .access_policy(&huge)
        .send()
        .await
        .expect("moto takes a policy of any size");
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_destinations_is_ascii_sorted_and_paged() {
    let prefix = unique_name("strict-page");
    let names = ["c", "B", "a"].map(|s| format!("{prefix}-{s}"));
    for name in &names {
        create(&moto(), name).await;
    }
    let strict = via(AwsMode::Strict);
    let page = |token: Option<String>| {
        strict
            .describe_destinations()
            .destination_name_prefix(&prefix)
            .limit(2)
            .set_next_token(token)
            .send()
    };
    let listed = |out: &aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput| {
        out.destinations()
            .iter()
            .filter_map(|d| d.destination_name().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let first = page(None).await.expect("first page");
    // ASCII: upper case before lower case.
    assert_eq!(listed(&first), [names[1].clone(), names[2].clone()]);
    let token = first.next_token().expect("a nextToken").to_owned();
    let second = page(Some(token)).await.expect("second page");
    assert_eq!(listed(&second), [names[0].clone()]);
    assert_eq!(second.next_token(), None);

    for limit in [0, 51] {
        let (code, _) = error(strict.describe_destinations().limit(limit).send().await);
        assert_eq!(code, "InvalidParameterException", "limit {limit}");
    }

    // moto: insertion order, and `limit` ignored.
    let plain = via(AwsMode::Moto);
    let all = plain
        .describe_destinations()
        .destination_name_prefix(&prefix)
        .limit(2)
        .send()
        .await
        .expect("moto");
    assert_eq!(listed(&all), names);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_holds_at_most_fifty_tags_of_valid_characters() {
    let strict = via(AwsMode::Strict);
    let arn = create(&strict, &unique_name("strict-fifty")).await;
    let fifty: HashMap<String, String> = (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
    strict
        .tag_resource()
        .resource_arn(&arn)
        .set_tags(Some(fifty))
        .send()
        .await
        .expect("50 tags");
    // Replacing a value keeps 50 tags: allowed.
    strict
        .tag_resource()
        .resource_arn(&arn)
        .tags("k0", "w")
        .send()
        .await
        .expect("replacing a value");
    let (code, message) = error(
        strict
            .tag_resource()
            .resource_arn(&arn)
            .tags("k50", "v")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("TooManyTagsException", TOO_MANY_TAGS)
    );
    assert_eq!(tags(&moto(), &arn).await.len(), 50);

    let (code, _) = error(
        strict
            .tag_resource()
            .resource_arn(&arn)
            .tags("bad#key", "v")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");

    // moto counts nothing.
    via(AwsMode::Moto)
        .tag_resource()
        .resource_arn(&arn)
        .tags("k50", "v")
        .send()
        .await
        .expect("moto takes a 51st tag");
}
