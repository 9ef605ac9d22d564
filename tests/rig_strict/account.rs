//! The Account API stand-in (moto has none): ListRegions as AWS answers it, paged, with each
//! test's own account.

use super::*;
use aws_sdk_account::error::ProvideErrorMetadata as _;
use cfn_logs_destination::enabled_regions::EnabledRegions;

fn small_account(proxy: &FaultProxy) {
    let mut regions: Vec<(String, RegionStatus)> = (1..=12)
        .map(|i| (format!("eu-test-{i}"), RegionStatus::EnabledByDefault))
        .collect();
    regions.extend([
        ("ap-east-1".to_owned(), RegionStatus::Enabled),
        ("me-south-1".to_owned(), RegionStatus::Disabled),
        ("af-south-1".to_owned(), RegionStatus::Enabling),
        ("il-central-1".to_owned(), RegionStatus::Disabling),
    ]);
    let borrowed: Vec<(&str, RegionStatus)> =
        regions.iter().map(|(r, s)| (r.as_str(), *s)).collect();
    proxy.set_account_regions(&borrowed);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_regions_pages_and_reports_each_regions_status_in_both_modes() {
    for mode in [AwsMode::Strict, AwsMode::Moto] {
        let proxy = proxy(mode);
        small_account(&proxy);
        let client = account_client("us-east-1", &proxy.endpoint());
        let enabled = EnabledRegions::from_client(client.clone())
            .list()
            .await
            .expect("listed");
        let mut expected: Vec<String> = (1..=12).map(|i| format!("eu-test-{i}")).collect();
        expected.push("ap-east-1".into());
        expected.sort();
        assert_eq!(enabled, expected, "{mode:?}");
        // Thirteen enabled Regions, ten an answer at most: two pages.
        assert_eq!(
            proxy.account_calls(),
            [LIST_REGIONS, LIST_REGIONS],
            "{mode:?}"
        );

        // Without a filter every status is reported.
        let all = client.list_regions().send().await.expect("first page");
        assert_eq!(all.regions().len(), 10, "{mode:?}");
        assert!(all.next_token().is_some(), "{mode:?}");
        let rest = client
            .list_regions()
            .set_next_token(all.next_token().map(str::to_owned))
            .send()
            .await
            .expect("second page");
        assert_eq!(rest.regions().len(), 6, "{mode:?}");
        assert_eq!(rest.next_token(), None, "{mode:?}");

        // A Region set DISABLED later is no longer listed.
        proxy.set_region_status("ap-east-1", RegionStatus::Disabling);
        let enabled = EnabledRegions::from_client(client)
            .list()
            .await
            .expect("listed");
        assert!(!enabled.contains(&"ap-east-1".to_owned()), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_regions_is_held_to_the_model_in_strict_mode_only() {
    let strict = proxy(AwsMode::Strict);
    let client = account_client("us-east-1", &strict.endpoint());
    for call in [
        client.list_regions().max_results(51),
        client.list_regions().max_results(0),
        client.list_regions().next_token("not-a-token"),
    ] {
        let refused = call.send().await.expect_err("refused");
        assert_eq!(refused.code(), Some("ValidationException"));
    }
    let plain = proxy(AwsMode::Moto);
    account_client("us-east-1", &plain.endpoint())
        .list_regions()
        .max_results(51)
        .send()
        .await
        .expect("the plain stand-in does not check");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_region_is_listed_so_and_refuses_logs_calls_in_strict_mode() {
    let strict = proxy(AwsMode::Strict);
    strict.set_region_status("ap-east-1", RegionStatus::Disabled);
    let enabled = EnabledRegions::from_client(account_client("us-east-1", &strict.endpoint()))
        .list()
        .await
        .expect("listed");
    assert!(enabled.contains(&"us-east-1".to_owned()));
    assert!(!enabled.contains(&"ap-east-1".to_owned()));
    let (code, _) = error(
        logs_client_in("ap-east-1", &strict.endpoint(), 1)
            .describe_destinations()
            .send()
            .await,
    );
    assert_eq!(code, "UnrecognizedClientException");
    // Enabled again, it answers.
    strict.set_region_status("ap-east-1", RegionStatus::Enabled);
    logs_client_in("ap-east-1", &strict.endpoint(), 1)
        .describe_destinations()
        .send()
        .await
        .expect("enabled again");
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_rules_refuse_list_regions_as_the_account_api_does() {
    let proxy = proxy(AwsMode::Strict);
    proxy.fail(
        LIST_REGIONS,
        1,
        403,
        "AccessDeniedException",
        "User is not authorized to perform: account:ListRegions",
    );
    let error = EnabledRegions::from_client(account_client("us-east-1", &proxy.endpoint()))
        .list()
        .await
        .expect_err("refused");
    assert!(
        error.contains(
            "ListRegions (the Account API, to expand Regions \"*\") failed: \
             AccessDeniedException: User is not authorized to perform: account:ListRegions"
        ),
        "{error}"
    );
    // "*" rules are CloudWatch Logs': they leave the Account API alone.
    proxy.fail(
        "*",
        Times::Always,
        500,
        "ServiceUnavailableException",
        "down",
    );
    let client = account_client("us-east-1", &proxy.endpoint());
    EnabledRegions::from_client(client)
        .list()
        .await
        .expect("not a CloudWatch Logs call");
}
