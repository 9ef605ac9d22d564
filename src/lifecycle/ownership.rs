//! Who a destination found under a requested name belongs to.
//!
//! AWS refuses tags in PutDestination, so a new destination is tagged by a second call, and
//! between the two it exists untagged. If the process dies there (or the watchdog abandons the
//! work), the redelivered request or the rollback Delete must still recognise it as ours. The
//! rule: an untagged destination is this resource's unfinished creation when it has
//! - no tags at all (we tag it right after creating it),
//! - no access policy, or exactly the one this request asks for (set at the same time as the
//!   tags, so a crash can leave it without them),
//! - exactly the target and role this request asks for, and
//! - a `creationTime` within [`UNFINISHED_WINDOW`] of now: a request that can still be answered
//!   is at most that old (a ResponseURL is valid for about two hours).
//!
//! Anything else without our ownership tag belongs to someone else and is never changed.

use crate::destinations::{AwsError, Destination, Destinations};
use crate::lifecycle::OWNER_TAG;
use crate::properties::DestinationProperties;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old our own untagged destination can be: the life of a request's ResponseURL.
pub const UNFINISHED_WINDOW: Duration = Duration::from_secs(2 * 60 * 60);
/// How far AWS's clock may run ahead of ours.
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

pub type Tags = BTreeMap<String, String>;

/// What stands under the requested name.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    Absent,
    /// It carries this stack resource's ownership tag; `tags` are all its tags.
    Owned {
        destination: Destination,
        tags: Tags,
    },
    /// This resource created it moments ago and did not get to tag it.
    Unfinished(Destination),
    /// Someone else's: never changed or deleted (unless the request asks to adopt it).
    Foreign {
        destination: Destination,
        tags: Tags,
    },
}

/// Looks at the destination `name` (DescribeDestinations, then ListTagsForResource when it
/// exists) and tells whose it is. `desired` is what this request asks for (`None` when the
/// request does not say: then nothing untagged is recognised as ours).
pub async fn observe(
    logs: &Destinations,
    name: &str,
    owner: &str,
    desired: Option<&DestinationProperties>,
) -> Result<Found, AwsError> {
    let Some(destination) = logs.find(name).await? else {
        return Ok(Found::Absent);
    };
    let Some(tags) = logs.tags(name, &destination.arn).await? else {
        // Deleted between the two calls.
        return Ok(Found::Absent);
    };
    Ok(classify(destination, tags, owner, desired, now_ms()))
}

pub fn classify(
    destination: Destination,
    tags: Tags,
    owner: &str,
    desired: Option<&DestinationProperties>,
    now_ms: i64,
) -> Found {
    if tags.get(OWNER_TAG).map(String::as_str) == Some(owner) {
        Found::Owned { destination, tags }
    } else if desired
        .is_some_and(|desired| is_unfinished_creation(&destination, &tags, desired, now_ms))
    {
        Found::Unfinished(destination)
    } else {
        Found::Foreign { destination, tags }
    }
}

/// The crash-window rule (see the module's documentation).
pub fn is_unfinished_creation(
    destination: &Destination,
    tags: &Tags,
    desired: &DestinationProperties,
    now_ms: i64,
) -> bool {
    let window = UNFINISHED_WINDOW.as_millis() as i64;
    let skew = CLOCK_SKEW.as_millis() as i64;
    let policy_is_none_or_ours = match destination
        .access_policy
        .as_deref()
        .filter(|policy| !policy.trim().is_empty())
    {
        None => true,
        found => desired
            .access_policy(&destination.arn)
            .ok()
            .flatten()
            .is_some_and(|requested| requested.same_as(found)),
    };
    tags.is_empty()
        && policy_is_none_or_ours
        && destination.target_arn == desired.target_arn
        && destination.role_arn == desired.role_arn
        && destination
            .creation_time_ms
            .is_some_and(|created| created >= now_ms - window && created <= now_ms + skew)
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
    const ROLE: &str = "arn:aws:iam::123456789012:role/r";
    const OWNER: &str = "stack/uuid/Destination";
    const NOW: i64 = 1_800_000_000_000;

    fn destination(created: Option<i64>) -> Destination {
        Destination {
            name: "d".into(),
            arn: "arn:aws:logs:us-east-1:123456789012:destination:d".into(),
            target_arn: TARGET.into(),
            role_arn: ROLE.into(),
            access_policy: None,
            creation_time_ms: created,
        }
    }

    const REQUESTED_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

    fn requested() -> DestinationProperties {
        crate::properties::parse(&serde_json::json!({
            "TargetArn": TARGET,
            "RoleArn": ROLE,
            "DestinationPolicy": REQUESTED_POLICY,
        }))
        .expect("valid properties")
    }

    fn found(destination: Destination, tags: &[(&str, &str)]) -> Found {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        classify(destination, tags, OWNER, Some(&requested()), NOW)
    }

    fn is_foreign(found: &Found) -> bool {
        matches!(found, Found::Foreign { .. })
    }

    #[test]
    fn our_tag_makes_it_ours_whatever_else_it_has() {
        let mut old = destination(Some(0));
        old.access_policy = Some("{}".into());
        assert!(matches!(
            found(old, &[(OWNER_TAG, OWNER), ("team", "x")]),
            Found::Owned { .. }
        ));
    }

    #[test]
    fn a_fresh_untagged_destination_with_our_target_and_role_is_our_unfinished_creation() {
        let just_now = destination(Some(NOW - 1_000));
        assert!(matches!(found(just_now, &[]), Found::Unfinished(_)));
        let almost_too_old = destination(Some(NOW - UNFINISHED_WINDOW.as_millis() as i64));
        assert!(matches!(found(almost_too_old, &[]), Found::Unfinished(_)));
        let clock_ahead = destination(Some(NOW + 60_000));
        assert!(matches!(found(clock_ahead, &[]), Found::Unfinished(_)));
        // Tags and policy are written at once: the policy may have landed without the tags.
        let mut with_our_policy = destination(Some(NOW));
        with_our_policy.access_policy =
            Some(r#"{ "Statement": [], "Version": "2012-10-17" }"#.into());
        assert!(matches!(found(with_our_policy, &[]), Found::Unfinished(_)));
    }

    #[test]
    fn a_request_that_does_not_say_what_it_wants_recognises_nothing_untagged() {
        let just_now = destination(Some(NOW - 1_000));
        assert!(matches!(
            classify(just_now, Tags::new(), OWNER, None, NOW),
            Found::Foreign { .. }
        ));
    }

    #[test]
    fn anything_else_without_our_tag_is_foreign() {
        let too_old = destination(Some(NOW - UNFINISHED_WINDOW.as_millis() as i64 - 1));
        assert!(is_foreign(&found(too_old, &[])));
        assert!(is_foreign(&found(destination(None), &[])));
        assert!(is_foreign(&found(destination(Some(NOW + 3_600_000)), &[])));
        assert!(is_foreign(&found(destination(Some(NOW)), &[("team", "x")])));
        assert!(is_foreign(&found(
            destination(Some(NOW)),
            &[(OWNER_TAG, "other-stack/uuid/Destination")]
        )));
        let mut with_other_policy = destination(Some(NOW));
        with_other_policy.access_policy = Some(r#"{"Version":"2012-10-17"}"#.into());
        assert!(is_foreign(&found(with_other_policy, &[])));
        let mut other_target = destination(Some(NOW));
        other_target.target_arn = format!("{TARGET}-other");
        assert!(is_foreign(&found(other_target, &[])));
        let mut other_role = destination(Some(NOW));
        other_role.role_arn = format!("{ROLE}-other");
        assert!(is_foreign(&found(other_role, &[])));
    }
}
