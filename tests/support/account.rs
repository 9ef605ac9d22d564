//! An Account API stand-in (moto has none): `ListRegions` for the rig's account, as the
//! function asks it to expand `Regions: "*"` and the audit to check coverage. Each test sets
//! which Regions its account has enabled ([`super::FaultProxy::set_region_status`]); a Region
//! the account has not enabled also refuses CloudWatch Logs calls in strict mode, as AWS does.
//!
//! The protocol is REST-JSON (`POST /listRegions`, the Account API reference). Answers come
//! at most [`PAGE`] Regions at a time, in reverse name order, so that callers must page and
//! sort.
//! In strict mode the request is checked as AWS's model constrains it: `MaxResults` 1-50,
//! `RegionOptStatusContains` members from the five statuses, a `NextToken` the API issued.

use std::collections::BTreeMap;

use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::http::{json_response, Body};
use super::strict::AwsMode;
use super::upstream::aws_error;

/// The operation's name, as the proxy records it.
pub const LIST_REGIONS: &str = "ListRegions";
/// The most Regions one answer carries, whatever `MaxResults` allows.
pub const PAGE: usize = 10;
const MAX_RESULTS: i64 = 50;
/// The statuses the API knows (the SDK model's `RegionOptStatus`).
const STATUSES: [&str; 5] = [
    "ENABLED",
    "ENABLING",
    "DISABLING",
    "DISABLED",
    "ENABLED_BY_DEFAULT",
];

/// A Region's opt-in status for the rig's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionStatus {
    /// An opt-in Region the account enabled.
    Enabled,
    /// A Region every account has.
    EnabledByDefault,
    Enabling,
    Disabling,
    Disabled,
}

impl RegionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionStatus::Enabled => "ENABLED",
            RegionStatus::EnabledByDefault => "ENABLED_BY_DEFAULT",
            RegionStatus::Enabling => "ENABLING",
            RegionStatus::Disabling => "DISABLING",
            RegionStatus::Disabled => "DISABLED",
        }
    }

    /// Whether calls there work: only an enabled Region answers the account's credentials.
    pub fn answers_calls(self) -> bool {
        matches!(self, RegionStatus::Enabled | RegionStatus::EnabledByDefault)
    }
}

/// Whether a call is the Account API's: REST-JSON, named by its path.
pub fn operation(path: &str) -> Option<&'static str> {
    (path == "/listRegions").then_some(LIST_REGIONS)
}

/// The rig's account: every Region of the `aws` partition this build knows, enabled (by
/// default, or opted in), but `disabled`.
pub fn default_regions(disabled: &[String]) -> BTreeMap<String, RegionStatus> {
    let aws = cfn_logs_destination::partitions::partition("aws").expect("the aws partition");
    aws.regions
        .iter()
        .map(|region| {
            let status = if disabled.iter().any(|d| d == region) {
                RegionStatus::Disabled
            } else {
                RegionStatus::EnabledByDefault
            };
            ((*region).to_owned(), status)
        })
        .collect()
}

/// ListRegions' answer to `body` for an account whose Regions are `regions`.
pub fn answer(
    mode: AwsMode,
    regions: &BTreeMap<String, RegionStatus>,
    body: &[u8],
) -> Response<Body> {
    let input: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let wanted: Vec<String> = input["RegionOptStatusContains"]
        .as_array()
        .map(|statuses| {
            statuses
                .iter()
                .map(|s| s.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let start = match input["NextToken"].as_str() {
        None => 0,
        Some(token) => match token.strip_prefix("rig-page-").and_then(|n| n.parse().ok()) {
            Some(offset) => offset,
            None if mode == AwsMode::Strict => {
                return validation("The provided NextToken is invalid")
            }
            None => 0,
        },
    };
    let max_results = input["MaxResults"].as_i64();
    if mode == AwsMode::Strict {
        if let Some(n) = max_results.filter(|n| !(1..=MAX_RESULTS).contains(n)) {
            return validation(&format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy \
                     constraint: Member must have value between 1 and {MAX_RESULTS}"
            ));
        }
        if let Some(bad) = wanted.iter().find(|s| !STATUSES.contains(&s.as_str())) {
            return validation(&format!(
                "1 validation error detected: Value '{bad}' at 'regionOptStatusContains' \
                     failed to satisfy constraint: Member must satisfy enum value set: \
                     [{}]",
                STATUSES.join(", ")
            ));
        }
    }
    let page = max_results.map_or(PAGE, |n| (n.max(1) as usize).min(PAGE));
    // Not in name order: callers sort.
    let matching: Vec<(&String, &RegionStatus)> = regions
        .iter()
        .rev()
        .filter(|(_, status)| wanted.is_empty() || wanted.iter().any(|w| w == status.as_str()))
        .collect();
    let end = (start + page).min(matching.len());
    let listed: Vec<Value> = matching
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|(name, status)| json!({"RegionName": name, "RegionOptStatus": status.as_str()}))
        .collect();
    let mut answer = json!({ "Regions": listed });
    if end < matching.len() {
        answer["NextToken"] = json!(format!("rig-page-{end}"));
    }
    json_response(StatusCode::OK, &answer)
}

/// An Account API error (REST-JSON: the type in `x-amzn-errortype` and the body).
pub fn error(status: u16, error_type: &str, message: &str) -> Response<Body> {
    aws_error(status, error_type, message)
}

fn validation(message: &str) -> Response<Body> {
    aws_error(400, "ValidationException", message)
}

/// An Account API client for `region` whose calls go to `endpoint` (the fault proxy), one
/// attempt per call: as the function's, with the rig's credentials.
pub fn account_client(region: &str, endpoint: &str) -> aws_sdk_account::Client {
    use aws_sdk_account::config::retry::RetryConfig;
    use aws_sdk_account::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_account::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "rig"))
        .endpoint_url(endpoint)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_account::Client::from_conf(config)
}
