//! The names and ids this provider makes up: generated destination names, the ownership tag's
//! value and a failed Create's id. Each must stay the same for every delivery of one request.

use crate::event::ReplyTarget;
use crate::properties::{self, RESERVED_TAG_PREFIX};

/// `arn:PARTITION:logs:REGION:ACCOUNT:destination:NAME`, in the invoked function's account.
pub fn destination_arn(function_arn: &str, region: Option<&str>, name: &str) -> Option<String> {
    let home = Home::of(function_arn)?;
    let region = region.unwrap_or(&home.region);
    let Home {
        partition, account, ..
    } = &home;
    (!region.is_empty())
        .then(|| format!("arn:{partition}:logs:{region}:{account}:destination:{name}"))
}

/// The partition, Region and account of the invoked function's ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Home {
    pub fn of(function_arn: &str) -> Option<Home> {
        let parts: Vec<&str> = function_arn.splitn(7, ':').collect();
        let [_, partition, _, region, account, ..] = parts.as_slice() else {
            return None;
        };
        (parts.len() == 7).then_some(())?;
        Home::placed(partition, region, account)
    }

    /// Where any ARN lives, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (a stack, a change
    /// set); `None` when it is not one or names no partition, Region or account.
    pub fn of_arn(arn: &str) -> Option<Home> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let ["arn", partition, _, region, account, _] = parts.as_slice() else {
            return None;
        };
        Home::placed(partition, region, account)
    }

    fn placed(partition: &str, region: &str, account: &str) -> Option<Home> {
        (!partition.is_empty() && !region.is_empty() && !account.is_empty()).then(|| Home {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
        })
    }
}

/// The ownership tag's key.
pub const OWNER_TAG: &str = "cfn-logs-destination:owner";
/// The consent to adoption: a destination nobody manages is adopted only by the stack (its name
/// or StackId) or provisioning ([`PROVISIONING_CONSENT`]) that this tag's value names. Only
/// whoever may tag the destination can put it there; the adoption removes it.
pub const ADOPTABLE_BY_TAG: &str = "cfn-logs-destination:adoptable-by";
/// The consent tag's value that lets provisioning adopt.
pub const PROVISIONING_CONSENT: &str = "provisioning";
const MAX_TAG_VALUE_CHARS: usize = 256;

/// The id a failed Create answers with: it contains `:`, so it can never name a destination
/// and the rollback Delete that carries it deletes nothing.
pub fn failed_create_id(request_id: &str) -> String {
    format!("{RESERVED_TAG_PREFIX}create-failed:{request_id}")
}

/// The id a failed Create answers with when a destination it made may still be untagged: the
/// rollback Delete that carries it removes `name` only if it was created between `first` and
/// `last` (ms since the epoch, the creation times this request saw), or carries this
/// resource's ownership tag. It contains `:`, so it names no destination itself. `None` when it
/// would not fit a PhysicalResourceId (then the plain name is answered).
pub fn created_id(name: &str, first: i64, last: i64) -> Option<String> {
    let id = format!("{RESERVED_TAG_PREFIX}created:{first}-{last}:{name}");
    (id.len() <= MAX_ID_BYTES).then_some(id)
}

/// The name and creation times in a [`created_id`].
pub fn parse_created_id(id: &str) -> Option<(&str, i64, i64)> {
    let rest = id
        .strip_prefix(RESERVED_TAG_PREFIX)?
        .strip_prefix("created:")?;
    let (times, name) = rest.split_once(':')?;
    let (first, last) = times.split_once('-')?;
    let (first, last) = (first.parse().ok()?, last.parse().ok()?);
    (properties::is_valid_name(name) && first <= last).then_some((name, first, last))
}

/// CloudFormation's limit on a PhysicalResourceId.
const MAX_ID_BYTES: usize = 1024;

/// `stack-name/stack-uuid/LogicalId`, the stack's identity that survives nothing but itself;
/// shortened with a hash when it would not fit in a tag value.
pub fn owner_tag_value(target: &ReplyTarget) -> String {
    let stack = target
        .stack_id
        .split_once(":stack/")
        .map_or(target.stack_id.as_str(), |(_, rest)| rest);
    let value: String = format!("{stack}/{}", target.logical_resource_id)
        .chars()
        .map(|c| if properties::is_tag_char(c) { c } else { '_' })
        .collect();
    if value.chars().count() <= MAX_TAG_VALUE_CHARS {
        return value;
    }
    let hash = format!(
        "{:016x}",
        fnv1a(&[&target.stack_id, &target.logical_resource_id])
    );
    let keep: String = value
        .chars()
        .take(MAX_TAG_VALUE_CHARS - hash.len() - 1)
        .collect();
    format!("{keep}={hash}")
}

/// `StackName-LogicalId-SUFFIX`, like CloudFormation's own names. The suffix hashes the stack,
/// the resource and the request, so retries of one request agree on the name and a later
/// replacement gets a new one.
pub fn generated_name(target: &ReplyTarget) -> String {
    let stack_name = target
        .stack_id
        .split_once(":stack/")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or("stack");
    let hash = fnv1a(&[
        &target.stack_id,
        &target.logical_resource_id,
        &target.request_id,
    ]);
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let suffix: String = (0..12)
        .map(|i| ALPHABET[((hash >> (i * 5)) & 31) as usize] as char)
        .collect();
    // Within both of a name's limits, characters and bytes (it is also the PhysicalResourceId).
    let mut room = properties::MAX_NAME_BYTES - suffix.len() - 1;
    let base: String = format!("{stack_name}-{}", target.logical_resource_id)
        .chars()
        // Only what the tagging APIs can address in an ARN ([\w+=/:,.@-]*, ASCII), without ':'.
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=/,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(properties::MAX_NAME_CHARS - suffix.len() - 1)
        .take_while(|c| {
            let fits = c.len_utf8() <= room;
            room = room.saturating_sub(c.len_utf8());
            fits
        })
        .collect();
    format!("{base}-{suffix}")
}

/// FNV-1a: a tiny hash that, unlike std's, stays the same across Rust releases.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::tests::{target, STACK};

    #[test]
    fn an_arn_of_any_service_is_placed_and_anything_else_is_not() {
        let home = |p: &str, r: &str, a: &str| Home {
            partition: p.into(),
            region: r.into(),
            account: a.into(),
        };
        assert_eq!(
            Home::of_arn("arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/1"),
            Some(home("aws-cn", "cn-north-1", "123456789012"))
        );
        assert_eq!(
            Home::of_arn("arn:aws:cloudformation:eu-west-1:123456789012:changeSet/c/1"),
            Some(home("aws", "eu-west-1", "123456789012"))
        );
        for not_placed in [
            "",
            "stack/s/1",
            "x:aws:cloudformation:eu-west-1:123456789012:stack/s/1",
            "arn:aws:cloudformation::123456789012:stack/s/1",
            "arn:aws:cloudformation:eu-west-1::stack/s/1",
            "arn::cloudformation:eu-west-1:123456789012:stack/s/1",
            "arn:aws:cloudformation:eu-west-1:123456789012",
        ] {
            assert_eq!(Home::of_arn(not_placed), None, "{not_placed}");
        }
        // A function's ARN has its name after `function:`; a shorter one places nothing.
        assert_eq!(
            Home::of("arn:aws:lambda:eu-west-1:123456789012:function:f"),
            Some(home("aws", "eu-west-1", "123456789012"))
        );
        assert_eq!(
            Home::of("arn:aws:lambda:eu-west-1:123456789012:function"),
            None
        );
    }

    #[test]
    fn generated_names_are_valid_stable_and_distinct_per_request() {
        let first = generated_name(&target(STACK, "Destination", "r1"));
        assert!(first.starts_with("central-logs-Destination-"), "{first}");
        assert_eq!(first.len(), "central-logs-Destination-".len() + 12);
        assert!(properties::is_valid_name(&first));
        assert_eq!(first, generated_name(&target(STACK, "Destination", "r1")));
        assert_ne!(first, generated_name(&target(STACK, "Destination", "r2")));
        let long = generated_name(&target(
            &format!("{STACK}{}", "x".repeat(600)),
            &"L".repeat(300),
            "r",
        ));
        assert!(
            properties::is_valid_name(&long),
            "{} chars",
            long.chars().count()
        );
        let wide = generated_name(&target(STACK, &"日".repeat(500), "r"));
        assert!(properties::is_valid_name(&wide), "{} bytes", wide.len());
    }

    #[test]
    fn owner_tag_names_stack_and_resource_within_tag_limits() {
        let value = owner_tag_value(&target(STACK, "Destination", "r1"));
        assert_eq!(
            value,
            "central-logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f/Destination"
        );
        let long_a = owner_tag_value(&target(STACK, &"A".repeat(300), "r"));
        let long_b = owner_tag_value(&target(STACK, &format!("{}B", "A".repeat(299)), "r"));
        assert_eq!(long_a.chars().count(), 256);
        assert_ne!(long_a, long_b);
        assert!(long_a.chars().all(properties::is_tag_char));
        let odd = owner_tag_value(&target("local#stack", "Dest", "r"));
        assert!(odd.chars().all(properties::is_tag_char), "{odd}");
    }

    #[test]
    fn failed_create_ids_can_never_name_a_destination() {
        assert!(!properties::is_valid_name(&failed_create_id("8a7c-1")));
        let created = created_id("central", 1_000, 2_000).expect("fits");
        assert!(!properties::is_valid_name(&created));
        assert_eq!(parse_created_id(&created), Some(("central", 1_000, 2_000)));
        assert_eq!(parse_created_id(&failed_create_id("8a7c-1")), None);
        assert_eq!(
            parse_created_id("cfn-logs-destination:created:1-2:a:b"),
            None
        );
        assert_eq!(created_id(&"n".repeat(1000), 1, 2), None);
    }

    #[test]
    fn destination_arns_come_from_the_function_account() {
        let function = "arn:aws:lambda:us-east-1:123456789012:function:cfn-logs-destination";
        assert_eq!(
            destination_arn(function, Some("eu-west-1"), "d").as_deref(),
            Some("arn:aws:logs:eu-west-1:123456789012:destination:d")
        );
        assert_eq!(
            destination_arn(function, None, "d").as_deref(),
            Some("arn:aws:logs:us-east-1:123456789012:destination:d")
        );
        assert_eq!(destination_arn("", None, "d"), None);
    }
}
