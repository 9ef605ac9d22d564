//! What provisioning does in one Region, decided as plain data from what was observed there, so
//! that with `Regions` every Region is decided before any is written.

use crate::destinations::{AwsError, Destination};
use crate::lifecycle::fanout::by_region;
use crate::lifecycle::fanout::observe::unreachable_reason;
use crate::lifecycle::ownership::{Found, Tags};
use crate::lifecycle::{adopt, OWNER_TAG};

use super::PROVISIONING_OWNER;

/// A Create or Update in one Region.
#[derive(Clone, Debug, PartialEq)]
pub enum Put {
    /// Nothing there: PutDestination, then the ownership tag and the policy.
    Create,
    /// Provisioning's own untagged destination, left by an interrupted earlier attempt.
    Finish(Destination),
    /// Provisioning's: made to match the event.
    Update {
        destination: Destination,
        tags: Tags,
    },
    /// Nobody's, and the event asks to take it over.
    Adopt {
        destination: Destination,
        tags: Tags,
    },
}

/// A Delete in one Region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remove {
    Delete,
    /// Already gone: no call.
    Nothing,
}

/// Why provisioning may not touch what it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not created by provisioning; `manager` is its ownership tag's value, if it has one.
    NotProvisionings { manager: Option<String> },
    /// The event asks to adopt a destination that someone manages.
    NotAdoptable { manager: String },
}

impl Refusal {
    fn whose(&self) -> String {
        match self {
            Refusal::NotProvisionings {
                manager: Some(owner),
            } => format!("it is managed by {owner:?}, not by provisioning"),
            Refusal::NotProvisionings { manager: None } => format!(
                "provisioning did not create it (it has no {OWNER_TAG}={PROVISIONING_OWNER} \
                 tag); send AdoptExisting: true to take it over"
            ),
            Refusal::NotAdoptable { manager } => format!(
                "it is managed by {manager:?}, which AdoptExisting never takes a destination from"
            ),
        }
    }

    /// The Reason without `Regions` (as it was before them).
    pub fn message(&self, name: &str) -> String {
        match self {
            Refusal::NotAdoptable { manager } => adopt::not_adoptable(name, manager),
            _ => format!(
                "Refused: destination {name} exists and {}; nothing was changed",
                self.whose()
            ),
        }
    }
}

fn manager(tags: &Tags) -> Option<String> {
    tags.get(OWNER_TAG).cloned()
}

pub fn put(found: Found, adopt: bool) -> Result<Put, Refusal> {
    match found {
        Found::Absent => Ok(Put::Create),
        Found::Unfinished(destination) => Ok(Put::Finish(destination)),
        Found::Owned { destination, tags } => Ok(Put::Update { destination, tags }),
        Found::Foreign { destination, tags } if adopt => match manager(&tags) {
            Some(manager) => Err(Refusal::NotAdoptable { manager }),
            None => Ok(Put::Adopt { destination, tags }),
        },
        Found::Foreign { tags, .. } => Err(Refusal::NotProvisionings {
            manager: manager(&tags),
        }),
    }
}

pub fn remove(found: Found, adopt: bool) -> Result<Remove, Refusal> {
    match found {
        Found::Absent => Ok(Remove::Nothing),
        Found::Owned { .. } | Found::Unfinished(_) => Ok(Remove::Delete),
        Found::Foreign { tags, .. } => match manager(&tags) {
            None if adopt => Ok(Remove::Delete),
            manager => Err(Refusal::NotProvisionings { manager }),
        },
    }
}

/// Every Region's step in the order observed, or a refusal of the whole request naming every
/// Region that stands in the way: one holding a destination provisioning may not touch, or
/// one that could not be looked at.
pub fn every_region<S>(
    name: &str,
    observed: Vec<(String, Result<Found, AwsError>)>,
    decide: impl Fn(Found) -> Result<S, Refusal>,
) -> Result<Vec<(String, S)>, String> {
    let total = observed.len();
    let mut steps = Vec::with_capacity(total);
    let mut stopped = Vec::new();
    for (region, found) in observed {
        match found.map(&decide) {
            Ok(Ok(step)) => steps.push((region, step)),
            Ok(Err(refusal)) => {
                stopped.push((region, format!("it exists and {}", refusal.whose())))
            }
            Err(error) => stopped.push((
                region,
                format!("it could not be looked at: {}", unreachable_reason(&error)),
            )),
        }
    }
    if stopped.is_empty() {
        return Ok(steps);
    }
    Err(format!(
        "Refused: destination {name} cannot be provisioned in {} of {total} Regions, so nothing \
         was changed in any Region: {}",
        stopped.len(),
        by_region(&stopped)
    ))
}

/// What a Create or Update that failed in some Regions did in the others.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Aftermath {
    /// `(Region, AWS error)` of each Region that failed.
    pub failed: Vec<(String, String)>,
    /// Regions where this request had created the destination and removed it again.
    pub removed: Vec<String>,
    /// `(Region, AWS error)` where removing what this request created failed too.
    pub not_removed: Vec<(String, String)>,
    /// `(Region, what was done)` where the destination existed before this request: it stays.
    pub kept: Vec<(String, &'static str)>,
}

impl Aftermath {
    pub fn reason(&self, name: &str, total: usize) -> String {
        let mut reason = format!(
            "Provisioning destination {name} failed in {} of {total} Regions: {}",
            self.failed.len(),
            by_region(&self.failed)
        );
        if !self.removed.is_empty() {
            reason.push_str(&format!(
                ". This request had created it in {}, and removed it again",
                self.removed.join(", ")
            ));
        }
        if !self.not_removed.is_empty() {
            reason.push_str(&format!(
                ". Removing what this request created failed in {}: send a Delete event listing \
                 these Regions",
                by_region(&self.not_removed)
            ));
        }
        if !self.kept.is_empty() {
            let kept: Vec<String> = self
                .kept
                .iter()
                .map(|(region, done)| format!("{region} ({done})"))
                .collect();
            reason.push_str(&format!(
                ". It existed before this request in {}, and was left as it is now",
                kept.join(", ")
            ));
        }
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> Destination {
        Destination {
            name: "central".into(),
            arn: "arn:aws:logs:eu-west-1:123456789012:destination:central".into(),
            target_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/s".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            access_policy: None,
            creation_time_ms: None,
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn foreign(pairs: &[(&str, &str)]) -> Found {
        Found::Foreign {
            destination: destination(),
            tags: tags(pairs),
        }
    }

    fn owned() -> Found {
        Found::Owned {
            destination: destination(),
            tags: tags(&[(OWNER_TAG, PROVISIONING_OWNER)]),
        }
    }

    const STACK: &str = "stack/uuid/Destination";

    #[test]
    fn put_creates_finishes_updates_and_adopts_only_what_nobody_manages() {
        assert_eq!(put(Found::Absent, false), Ok(Put::Create));
        assert_eq!(
            put(Found::Unfinished(destination()), false),
            Ok(Put::Finish(destination()))
        );
        assert!(matches!(put(owned(), false), Ok(Put::Update { .. })));
        assert!(matches!(
            put(foreign(&[("team", "x")]), true),
            Ok(Put::Adopt { .. })
        ));
        assert_eq!(
            put(foreign(&[("team", "x")]), false),
            Err(Refusal::NotProvisionings { manager: None })
        );
        assert_eq!(
            put(foreign(&[(OWNER_TAG, STACK)]), true),
            Err(Refusal::NotAdoptable {
                manager: STACK.into()
            })
        );
    }

    #[test]
    fn remove_deletes_provisionings_or_an_adoptable_one_and_skips_what_is_gone() {
        assert_eq!(remove(Found::Absent, false), Ok(Remove::Nothing));
        assert_eq!(remove(owned(), false), Ok(Remove::Delete));
        assert_eq!(
            remove(Found::Unfinished(destination()), false),
            Ok(Remove::Delete)
        );
        assert_eq!(remove(foreign(&[]), true), Ok(Remove::Delete));
        assert_eq!(
            remove(foreign(&[]), false),
            Err(Refusal::NotProvisionings { manager: None })
        );
        assert_eq!(
            remove(foreign(&[(OWNER_TAG, STACK)]), true),
            Err(Refusal::NotProvisionings {
                manager: Some(STACK.into())
            })
        );
    }

    #[test]
    fn a_single_regions_refusal_reads_as_before_regions() {
        assert_eq!(
            Refusal::NotProvisionings {
                manager: Some(STACK.into())
            }
            .message("central"),
            "Refused: destination central exists and it is managed by \
             \"stack/uuid/Destination\", not by provisioning; nothing was changed"
        );
        let untagged = Refusal::NotProvisionings { manager: None }.message("central");
        assert!(
            untagged.starts_with("Refused: destination central exists and provisioning did not")
                && untagged.contains("AdoptExisting: true"),
            "{untagged}"
        );
        assert_eq!(
            Refusal::NotAdoptable {
                manager: STACK.into()
            }
            .message("central"),
            adopt::not_adoptable("central", STACK)
        );
    }

    #[test]
    fn every_region_is_decided_or_the_request_is_refused_naming_each_region_that_stops_it() {
        let fine = every_region(
            "central",
            vec![
                ("us-east-1".into(), Ok(Found::Absent)),
                ("eu-west-1".into(), Ok(owned())),
            ],
            |found| put(found, false),
        )
        .expect("no Region refuses");
        assert_eq!(fine[0], ("us-east-1".into(), Put::Create));
        assert!(matches!(fine[1], (ref r, Put::Update { .. }) if r == "eu-west-1"));

        let opt_in = AwsError {
            operation: "DescribeDestinations",
            destination: "central".into(),
            code: Some("UnrecognizedClientException".into()),
            message: "The security token included in the request is invalid.".into(),
        };
        let refused = every_region(
            "central",
            vec![
                ("us-east-1".into(), Ok(Found::Absent)),
                ("eu-west-1".into(), Ok(foreign(&[(OWNER_TAG, STACK)]))),
                ("ap-east-1".into(), Err(opt_in)),
            ],
            |found| put(found, false),
        )
        .unwrap_err();
        assert!(
            refused.starts_with(
                "Refused: destination central cannot be provisioned in 2 of 3 Regions, so \
                 nothing was changed in any Region: eu-west-1: it exists and it is managed by"
            ),
            "{refused}"
        );
        assert!(
            refused.contains("ap-east-1: it could not be looked at: DescribeDestinations")
                && refused.contains("opt-in Region, it may not be enabled"),
            "{refused}"
        );
        assert!(!refused.contains("us-east-1"), "{refused}");
    }

    #[test]
    fn a_partial_failure_names_every_failed_region_and_what_was_removed_or_left() {
        let aftermath = Aftermath {
            failed: vec![
                (
                    "ap-southeast-2".into(),
                    "PutDestination ... failed: X".into(),
                ),
                ("sa-east-1".into(), "TagResource ... failed: Y".into()),
            ],
            removed: vec!["us-east-1".into()],
            not_removed: vec![("eu-west-1".into(), "DeleteDestination ... failed: Z".into())],
            kept: vec![("ca-central-1".into(), "updated")],
        };
        assert_eq!(
            aftermath.reason("central", 5),
            "Provisioning destination central failed in 2 of 5 Regions: ap-southeast-2: \
             PutDestination ... failed: X; sa-east-1: TagResource ... failed: Y. This request had \
             created it in us-east-1, and removed it again. Removing what this request created \
             failed in eu-west-1: DeleteDestination ... failed: Z: send a Delete event listing \
             these Regions. It existed before this request in ca-central-1 (updated), and was \
             left as it is now"
        );
        let alone = Aftermath {
            failed: vec![("eu-west-1".into(), "E".into())],
            ..Aftermath::default()
        };
        assert_eq!(
            alone.reason("central", 1),
            "Provisioning destination central failed in 1 of 1 Regions: eu-west-1: E"
        );
    }
}
