//! Looking at every Region before anything is written.

use super::each;
use super::plan::Observed;
use crate::destinations::{AwsError, Destinations};
use crate::lifecycle::ownership::{self, Found};
use crate::properties::DestinationProperties;
use std::collections::BTreeMap;

/// What every Region holds under `name`, looked at concurrently before anything is written.
/// Each Region checks a found policy against its own ARN (the crash-window rule).
pub async fn observe_all(
    logs: &Destinations,
    regions: &[String],
    name: &str,
    owner: &str,
    desired: &DestinationProperties,
) -> Seen {
    each(regions, |region| async move {
        ownership::observe(&logs.in_region(&region), name, owner, Some(desired)).await
    })
    .await
    .into_iter()
    .collect()
}

/// Every Region's observation: the plan decides on it, and the writes start from it (no
/// second look).
pub type Seen = BTreeMap<String, Result<Found, AwsError>>;

/// What the plan needs to know of each Region.
pub fn as_observed(seen: &Seen) -> BTreeMap<String, Observed> {
    seen.iter()
        .map(|(region, found)| {
            let observed = match found {
                Ok(Found::Absent) => Observed::Absent,
                Ok(Found::Owned { .. } | Found::Unfinished(_)) => Observed::Owned,
                Ok(Found::Foreign { .. }) => Observed::Foreign,
                Err(error) => Observed::Unreachable(unreachable_reason(error)),
            };
            (region.clone(), observed)
        })
        .collect()
}

/// The observation of `region`, for the writes the plan allowed (the plan refuses a Region
/// that could not be observed, so an error here is never written over).
pub fn seen_in(seen: &Seen, region: &str) -> Result<Found, String> {
    match seen.get(region) {
        Some(Ok(found)) => Ok(found.clone()),
        Some(Err(error)) => Err(error.to_string()),
        None => Err(format!("{region} was not looked at")),
    }
}

/// An opt-in Region that is not enabled answers every call with a credentials error; say so.
pub(crate) fn unreachable_reason(error: &AwsError) -> String {
    let credentials = matches!(
        error.code.as_deref(),
        Some("UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidSignatureException")
    );
    if credentials {
        format!(
            "{error}. If this is an opt-in Region, it may not be enabled in this account: enable \
             it or remove it from Regions"
        )
    } else {
        error.to_string()
    }
}
