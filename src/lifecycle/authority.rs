//! Whom a request acts for, and whose a destination found under its name is.
//!
//! A stack resource owns what carries the ownership tag naming its stack and logical id;
//! provisioning owns what carries [`PROVISIONING_OWNER`] and lies under its name prefix.
//!
//! AWS refuses tags in PutDestination, so a new destination is tagged by a second call, and
//! between the two it exists untagged. If the process dies there (or the watchdog abandons the
//! work), the redelivered request or the rollback Delete must still recognise it as ours. The
//! rule: an untagged destination is this resource's unfinished creation when it has
//! - no tags at all (we tag it right after creating it),
//! - no access policy, or exactly the one this request asks for (set at the same time as the
//!   tags, so a crash can leave it without them),
//! - exactly the target and role this request asks for, and
//! - a `creationTime` that this request could have made ([`Window`]): only a request that
//!   creates (a Create, a rename, re-creating a vanished destination, a Region an Update adds)
//!   may find one, created no earlier than CloudFormation began this operation on the resource
//!   (its `LastUpdatedTimestamp`, [`Recorded`]); and the rollback Delete of a failed Create
//!   finds one created while CloudFormation was creating the resource (its events). The
//!   request's own fields (the ResponseURL's date, the times in a failed Create's id) only
//!   narrow these windows. Where CloudFormation was not asked (`VERIFY_REQUESTS=false`), only
//!   what was made within [`UNFINISHED_WINDOW`] before now can be ours: a request that can
//!   still be answered is at most that old.
//!
//! Anything else without our ownership tag belongs to someone else and is never changed.

use super::names::{ADOPTABLE_BY_TAG, OWNER_TAG, PROVISIONING_CONSENT};
use crate::destinations::Destination;
use crate::properties::DestinationProperties;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old our own untagged destination can be: the life of a request's ResponseURL.
pub const UNFINISHED_WINDOW: Duration = Duration::from_secs(2 * 60 * 60);
/// How far AWS's clock may run ahead of ours.
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// How far CloudFormation's clock and CloudWatch Logs' may disagree.
pub const RECORDED_SKEW_MS: i64 = 2_000;

/// What CloudFormation recorded about a stack request's resource, read when the request was
/// checked: the times that decide whether an untagged destination is the request's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// When CloudFormation began this operation on the resource (`LastUpdatedTimestamp`), ms
    /// since the epoch.
    pub began_ms: Option<i64>,
    /// The rollback Delete of a failed Create: when CloudFormation was creating the resource
    /// (its events, `CREATE_IN_PROGRESS` to `CREATE_FAILED`), ms since the epoch.
    pub create_window: Option<(i64, i64)>,
}

/// The ownership tag's value on destinations that provisioning created. A stack resource's
/// value always has the form `stack/uuid/LogicalId`, so the two never meet.
pub const PROVISIONING_OWNER: &str = "eventbridge-provisioning";

pub type Tags = BTreeMap<String, String>;

/// Whom a request acts for: every ownership decision starts from this one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authority {
    /// A stack resource; `owner` is its ownership tag's value, `stack_id` its stack's ARN.
    Stack { owner: String, stack_id: String },
    /// EventBridge provisioning, limited to names under `name_prefix`.
    Provisioning { name_prefix: String },
}

/// When an untagged destination must have been created to be this request's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Never: nothing untagged is ours here (an Update's removed Regions, a plain Delete).
    Never,
    /// No earlier than this (ms since the epoch, clock skew already allowed for).
    Since(i64),
    /// Within these creation times (inclusive): those a failed Create saw.
    Between(i64, i64),
    /// Within [`UNFINISHED_WINDOW`] before now: the request cannot tell when it was issued.
    Recent,
}

impl Window {
    /// Whether a destination created at `created` (ms since the epoch) can be this request's
    /// own creation.
    pub fn admits(self, created: i64, now_ms: i64) -> bool {
        let skew = CLOCK_SKEW.as_millis() as i64;
        let (earliest, latest) = match self {
            Window::Never => return false,
            Window::Since(earliest) => (earliest, now_ms + skew),
            Window::Between(first, last) => (first, last),
            Window::Recent => (now_ms - UNFINISHED_WINDOW.as_millis() as i64, now_ms + skew),
        };
        (earliest..=latest).contains(&created)
    }
}

/// Whose a destination found under the requested name is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whose {
    /// It carries this authority's ownership tag.
    Ours,
    /// This authority created it moments ago and did not get to tag it.
    OurUnfinished,
    /// Someone else's; `manager` is its ownership tag's value, if it has one.
    Others { manager: Option<String> },
}

impl Authority {
    /// The ownership tag's value this authority writes and recognises.
    pub fn owner(&self) -> &str {
        match self {
            Authority::Stack { owner, .. } => owner,
            Authority::Provisioning { .. } => PROVISIONING_OWNER,
        }
    }

    pub fn is_stack(&self) -> bool {
        matches!(self, Authority::Stack { .. })
    }

    /// The consent tag's value that names this authority in the Reasons: a stack's name (its
    /// StackId when it has none), or [`PROVISIONING_CONSENT`].
    pub fn adopter(&self) -> &str {
        match self {
            Authority::Stack { stack_id, .. } => stack_name(stack_id).unwrap_or(stack_id),
            Authority::Provisioning { .. } => PROVISIONING_CONSENT,
        }
    }

    /// Whether `tags` agree to this authority adopting the destination: its [`ADOPTABLE_BY_TAG`]
    /// names this stack (by name or StackId) or provisioning.
    pub fn may_adopt(&self, tags: &Tags) -> bool {
        let Some(named) = tags.get(ADOPTABLE_BY_TAG).map(|v| v.trim()) else {
            return false;
        };
        match self {
            Authority::Stack { stack_id, .. } => {
                named == stack_id || stack_name(stack_id) == Some(named)
            }
            Authority::Provisioning { .. } => named == PROVISIONING_CONSENT,
        }
    }

    /// Whose the destination with `tags` is. `destination` is its description, when it was
    /// read; `desired` what this request asks for (`None` when the request does not say:
    /// then nothing untagged is recognised as ours); `window` when it must have been created
    /// to be this request's.
    pub fn whose(
        &self,
        destination: Option<&Destination>,
        tags: &Tags,
        desired: Option<&DestinationProperties>,
        window: Window,
        now_ms: i64,
    ) -> Whose {
        let manager = tags.get(OWNER_TAG);
        if manager.map(String::as_str) == Some(self.owner()) {
            return Whose::Ours;
        }
        let unfinished = destination
            .zip(desired)
            .is_some_and(|(destination, desired)| {
                is_unfinished_creation(destination, tags, desired, window, now_ms)
            });
        if unfinished {
            Whose::OurUnfinished
        } else {
            Whose::Others {
                manager: manager.cloned(),
            }
        }
    }
}

/// The crash-window rule (see the module's documentation).
pub fn is_unfinished_creation(
    destination: &Destination,
    tags: &Tags,
    desired: &DestinationProperties,
    window: Window,
    now_ms: i64,
) -> bool {
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
            .is_some_and(|created| window.admits(created, now_ms))
}

/// `arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/UUID` → NAME.
fn stack_name(stack_id: &str) -> Option<&str> {
    let (_, rest) = stack_id.split_once(":stack/")?;
    rest.split('/').next().filter(|name| !name.is_empty())
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
    const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/uuid";
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

    fn stack() -> Authority {
        Authority::Stack {
            owner: OWNER.into(),
            stack_id: STACK_ID.into(),
        }
    }

    fn found(destination: Destination, tags: &[(&str, &str)]) -> Whose {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        stack().whose(
            Some(&destination),
            &tags,
            Some(&requested()),
            Window::Recent,
            NOW,
        )
    }

    fn is_foreign(found: &Whose) -> bool {
        matches!(found, Whose::Others { .. })
    }

    #[test]
    fn our_tag_makes_it_ours_whatever_else_it_has() {
        let mut old = destination(Some(0));
        old.access_policy = Some("{}".into());
        assert!(matches!(
            found(old, &[(OWNER_TAG, OWNER), ("team", "x")]),
            Whose::Ours
        ));
    }

    #[test]
    fn a_fresh_untagged_destination_with_our_target_and_role_is_our_unfinished_creation() {
        let just_now = destination(Some(NOW - 1_000));
        assert!(matches!(found(just_now, &[]), Whose::OurUnfinished));
        let almost_too_old = destination(Some(NOW - UNFINISHED_WINDOW.as_millis() as i64));
        assert!(matches!(found(almost_too_old, &[]), Whose::OurUnfinished));
        let clock_ahead = destination(Some(NOW + 60_000));
        assert!(matches!(found(clock_ahead, &[]), Whose::OurUnfinished));
        // Tags and policy are written at once: the policy may have landed without the tags.
        let mut with_our_policy = destination(Some(NOW));
        with_our_policy.access_policy =
            Some(r#"{ "Statement": [], "Version": "2012-10-17" }"#.into());
        assert!(matches!(found(with_our_policy, &[]), Whose::OurUnfinished));
    }

    #[test]
    fn a_request_that_does_not_say_what_it_wants_recognises_nothing_untagged() {
        let just_now = destination(Some(NOW - 1_000));
        assert!(matches!(
            stack().whose(Some(&just_now), &Tags::new(), None, Window::Recent, NOW),
            Whose::Others { manager: None }
        ));
    }

    #[test]
    fn provisioning_owns_only_what_carries_its_own_tag() {
        let provisioning = Authority::Provisioning {
            name_prefix: String::new(),
        };
        let tags = |value: &str| Tags::from([(OWNER_TAG.to_owned(), value.to_owned())]);
        let old = destination(Some(0));
        assert_eq!(
            provisioning.whose(
                Some(&old),
                &tags(PROVISIONING_OWNER),
                None,
                Window::Never,
                NOW
            ),
            Whose::Ours
        );
        assert_eq!(
            provisioning.whose(Some(&old), &tags(OWNER), None, Window::Never, NOW),
            Whose::Others {
                manager: Some(OWNER.into())
            }
        );
        assert_eq!(
            stack().whose(None, &tags(PROVISIONING_OWNER), None, Window::Never, NOW),
            Whose::Others {
                manager: Some(PROVISIONING_OWNER.into())
            }
        );
    }

    #[test]
    fn an_untagged_destination_is_ours_only_if_made_within_this_requests_window() {
        let tagless = |created| {
            stack().whose(
                Some(&destination(Some(created))),
                &Tags::new(),
                Some(&requested()),
                window_for_test(),
                NOW,
            )
        };
        fn window_for_test() -> Window {
            Window::Since(NOW - 60_000)
        }
        assert_eq!(tagless(NOW - 60_000), Whose::OurUnfinished);
        assert!(is_foreign(&tagless(NOW - 60_001)));
        let one = |window, created| {
            stack().whose(
                Some(&destination(Some(created))),
                &Tags::new(),
                Some(&requested()),
                window,
                NOW,
            )
        };
        assert_eq!(
            one(Window::Between(NOW - 5, NOW - 5), NOW - 5),
            Whose::OurUnfinished
        );
        assert!(is_foreign(&one(Window::Between(NOW - 5, NOW - 5), NOW - 4)));
        assert!(is_foreign(&one(Window::Never, NOW)));
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

    #[test]
    fn only_a_consent_tag_naming_the_adopter_lets_it_adopt() {
        let consent = |value: &str| Tags::from([(ADOPTABLE_BY_TAG.to_owned(), value.to_owned())]);
        let provisioning = Authority::Provisioning {
            name_prefix: String::new(),
        };
        assert!(stack().may_adopt(&consent("stack")));
        assert!(stack().may_adopt(&consent(STACK_ID)));
        assert!(stack().may_adopt(&consent(" stack ")));
        assert!(provisioning.may_adopt(&consent("provisioning")));
        for other in [
            "other-stack",
            "stack/uuid",
            "",
            "*",
            "provisioning",
            "Stack",
        ] {
            assert!(!stack().may_adopt(&consent(other)), "{other}");
        }
        assert!(!provisioning.may_adopt(&consent("stack")));
        assert!(!stack().may_adopt(&Tags::new()));
        assert!(!stack().may_adopt(&Tags::from([("adoptable-by".into(), "stack".into())])));
        assert_eq!(stack().adopter(), "stack");
        assert_eq!(provisioning.adopter(), "provisioning");
    }
}
