//! `Regions`: the Regions one resource keeps its destination in. A log group can only subscribe
//! to a destination in its own Region, so an organisation needs one per Region its accounts use.

use super::lists::parse_list;
use super::Checker;
use serde_json::Value;
use std::collections::BTreeMap;

pub const REGIONS: &str = "Regions";
/// More than any partition has Regions today, few enough to bound the work and the reply.
pub const MAX_REGIONS: usize = 40;
const MAX_REGION_CHARS: usize = 32;

/// The listed Regions in the template's order; empty when the property is absent or empty,
/// which means the function's own Region (the behaviour before `Regions` existed).
pub(crate) fn parse_regions(check: &mut Checker, value: Option<&Value>) -> Vec<String> {
    let entries = parse_list(check, REGIONS, value);
    if entries.len() > MAX_REGIONS {
        check.fail(
            REGIONS,
            format!(
                "must list at most {MAX_REGIONS} Regions (got {}); use one resource per group \
                 of Regions",
                entries.len()
            ),
        );
        return Vec::new();
    }
    let mut first_at: BTreeMap<String, String> = BTreeMap::new();
    let mut regions = Vec::with_capacity(entries.len());
    for entry in entries {
        if !is_region_code(&entry.value) {
            check.fail(
                entry.at,
                format!(
                    "must be a Region code such as us-east-1, eu-central-2 or us-gov-west-1 \
                     (got {:?})",
                    entry.value
                ),
            );
        } else if let Some(problem) = crate::partitions::unknown_region(&entry.value) {
            check.fail(entry.at, problem);
        } else if let Some(first) = first_at.get(&entry.value) {
            check.fail(
                entry.at,
                format!(
                    "must not repeat {:?} (already listed as {first})",
                    entry.value
                ),
            );
        } else {
            first_at.insert(entry.value.clone(), entry.at);
            regions.push(entry.value);
        }
    }
    regions
}

/// Two lower-case letters, one or more lower-case words, and a number, joined by `-`
/// (`us-east-1`, `ap-southeast-5`, `us-gov-west-1`, `cn-northwest-1`, `us-isob-east-1`).
pub fn is_region_code(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [area, words @ .., number] = parts.as_slice() else {
        return false;
    };
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    value.len() <= MAX_REGION_CHARS
        // `eusc`: the European Sovereign Cloud's Regions (eusc-de-east-1).
        && (area.len() == 2 || *area == "eusc")
        && lower(area)
        && !words.is_empty()
        && words.iter().all(|w| lower(w))
        && !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
}

pub use crate::partitions::partition_of;

#[cfg(test)]
mod tests {
    use super::super::testing::rules;
    use super::*;
    use serde_json::json;

    fn regions(value: Value) -> Result<Vec<String>, String> {
        rules(super::super::parse_regions(&json!({ "Regions": value })))
    }

    #[test]
    fn a_list_or_a_comma_separated_string_in_template_order() {
        let expected = vec!["us-east-1", "eu-central-2", "us-gov-west-1"];
        assert_eq!(
            regions(json!(["us-east-1", "eu-central-2", "us-gov-west-1"])).expect("list"),
            expected
        );
        assert_eq!(
            regions(json!("us-east-1, eu-central-2,us-gov-west-1")).expect("string"),
            expected
        );
    }

    #[test]
    fn absent_or_empty_means_the_functions_own_region() {
        for empty in [json!(""), json!([]), json!([""]), Value::Null] {
            assert_eq!(regions(empty), Ok(vec![]));
        }
    }

    #[test]
    fn region_codes_follow_the_aws_pattern() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-5",
            "cn-northwest-1",
            "us-isob-east-1",
            "mx-central-1",
            "eusc-de-east-1",
        ] {
            assert!(is_region_code(good), "{good}");
        }
        for bad in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "us--east-1",
            "usa-east-1",
            "us-east-123",
            "us_east_1",
            "",
        ] {
            assert!(!is_region_code(bad), "{bad}");
        }
        assert_eq!(
            regions(json!(["us-east-1", "us-east-1a"])),
            Err(
                "Regions[1] must be a Region code such as us-east-1, eu-central-2 or \
                 us-gov-west-1 (got \"us-east-1a\")"
                    .to_owned()
            )
        );
    }

    #[test]
    fn regions_are_placed_in_their_partitions() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("il-central-1", "aws"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("cn-northwest-1", "aws-cn"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(partition_of(region), partition, "{region}");
        }
    }

    #[test]
    fn a_region_no_partition_has_is_refused_with_a_suggestion() {
        let refused = regions(json!("us-east-1,eu-wst-1")).expect_err("unknown");
        assert!(
            refused.starts_with("Regions[1] names \"eu-wst-1\", which is not a Region"),
            "{refused}"
        );
        assert!(refused.contains("did you mean eu-west-1?"), "{refused}");
    }

    #[test]
    fn duplicates_name_both_entries() {
        assert_eq!(
            regions(json!("us-east-1,eu-west-1,us-east-1")),
            Err(
                "Regions[2] must not repeat \"us-east-1\" (already listed as Regions[0])"
                    .to_owned()
            )
        );
    }

    #[test]
    fn at_most_forty_regions() {
        let many: Vec<String> = (1..=41).map(|i| format!("us-east-{i}")).collect();
        assert!(regions(json!(many))
            .unwrap_err()
            .starts_with("Regions must list at most 40 Regions (got 41)"));
        // Forty pass the count, and are then checked one by one.
        let forty = regions(json!(many[..40])).expect_err("unknown Regions");
        assert!(!forty.contains("at most 40"), "{forty}");
        assert!(forty.contains("Regions[2] names \"us-east-3\""), "{forty}");
    }
}
