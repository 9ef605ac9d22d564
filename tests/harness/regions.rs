//! Helpers for the suites that fan one destination out across Regions (moto keeps a backend
//! per signing Region; the fault proxy's rules can name a Region).

use super::{
    existing, props_with, stored, tags, Stored, OTHER_ROLE, OTHER_TARGET, OWNER_TAG, TARGET,
};
use crate::support::*;
use aws_sdk_cloudwatchlogs::Client;
use serde_json::{json, Value};

/// A client straight to moto, signing for `region` (moto keeps a backend per Region).
pub fn client_in(region: &str) -> Client {
    logs_client_in(region, &moto_endpoint(), 3)
}

/// Properties fanning `name` out to `regions`, with a built policy (one per Region's ARN).
pub fn fanned(name: &str, regions: &[&str]) -> Value {
    let mut properties = props_with(name, "Regions", json!(regions));
    properties["AllowedAccounts"] = json!(["111122223333"]);
    properties
}

/// A destination someone else made by hand under `name` in `region`.
pub async fn someone_elses_destination(region: &str, name: &str) {
    client_in(region)
        .put_destination()
        .destination_name(name)
        .target_arn(OTHER_TARGET)
        .role_arn(OTHER_ROLE)
        .send()
        .await
        .expect("someone else's destination");
}

/// Every PutDestination signed for `region` is refused (AWS refusing a role it cannot use there).
pub fn refuse_puts_in(proxy: &FaultProxy, region: &str) {
    proxy.fail(
        &format!("{region}/PutDestination"),
        Times::Always,
        400,
        "InvalidParameterException",
        "The role ARN is not valid in this Region",
    );
}

/// `region` answers as an opt-in Region that the account has not enabled: a credentials error.
pub fn disable_opt_in_region(proxy: &FaultProxy, region: &str) {
    proxy.fail(
        &format!("{region}/DescribeDestinations"),
        Times::Always,
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    );
}

/// Someone else's destination `name` in `region` is as they made it, and `empty` hold none.
pub async fn assert_only_someone_elses(name: &str, region: &str, empty: &[&str]) {
    for other in empty {
        assert_eq!(stored(&client_in(other), name).await, None, "{other}");
    }
    assert_eq!(
        existing(&client_in(region), name).await.target_arn,
        OTHER_TARGET
    );
}

/// `name` in `region` has everything a fanned-out destination gets: the requested target, a
/// policy for that Region's ARN, and an ownership tag (returned with the destination).
pub async fn assert_complete(name: &str, region: &str) -> (Stored, Option<String>) {
    let logs = client_in(region);
    let stored = existing(&logs, name).await;
    assert_eq!(stored.target_arn, TARGET, "{region}");
    assert!(
        stored.arn.contains(&format!(":logs:{region}:")),
        "{}",
        stored.arn
    );
    assert_eq!(
        stored.policy.as_ref().expect("a policy")["Statement"][0]["Resource"],
        stored.arn.as_str(),
        "{region}"
    );
    let owner = tags(&logs, &stored.arn).await.remove(OWNER_TAG);
    assert!(owner.is_some(), "{region}");
    (stored, owner)
}

/// The next DeleteDestination signed for `region` is refused (a cleanup that fails).
pub fn refuse_one_delete_in(proxy: &FaultProxy, region: &str) {
    proxy.fail(
        &format!("{region}/DeleteDestination"),
        Times::N(1),
        400,
        "AccessDeniedException",
        "not allowed right now",
    );
}
