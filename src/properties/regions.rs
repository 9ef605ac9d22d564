//! `Regions`: the Regions one resource keeps its destination in. A log group can only subscribe
//! to a destination in its own Region, so an organisation needs one per Region its accounts use.
//! `Regions: "*"` means every Region the account has enabled, but `ExcludedRegions`.

use super::lists::{parse_list, Entry};
use super::Checker;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const REGIONS: &str = "Regions";
pub const EXCLUDED_REGIONS: &str = "ExcludedRegions";
/// `Regions: "*"`.
pub const EVERY_REGION: &str = "*";
/// More than any partition has Regions today, few enough to bound the work and the reply.
pub const MAX_REGIONS: usize = 40;
const MAX_REGION_CHARS: usize = 32;
/// What `ExcludedRegions` may spell out (`/`-separated, after `all-except`): the destinations'
/// fingerprint tag carries the exclusions within a tag value's 256 characters.
pub const MAX_EXCLUDED_CHARS: usize = 126;

/// Which Regions a resource asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionChoice {
    /// `Regions` absent or empty: the function's own Region (the behaviour before `Regions`).
    Home,
    /// `Regions` as listed, in the template's order.
    Listed(Vec<String>),
    /// `Regions: "*"`: every Region the account has enabled in the function's partition, but
    /// these (`ExcludedRegions`, in the template's order).
    Every { excluded: Vec<String> },
}

impl RegionChoice {
    /// The listed Regions; empty for [`RegionChoice::Home`] and [`RegionChoice::Every`].
    pub fn listed(&self) -> &[String] {
        match self {
            RegionChoice::Listed(regions) => regions,
            _ => &[],
        }
    }

    pub fn is_every(&self) -> bool {
        matches!(self, RegionChoice::Every { .. })
    }
}

/// `Regions` and `ExcludedRegions`.
pub(crate) fn parse_choice(check: &mut Checker, map: &Map<String, Value>) -> RegionChoice {
    let entries = parse_list(check, REGIONS, map.get(REGIONS));
    let every = entries.iter().any(|e| e.value == EVERY_REGION);
    if every && entries.len() > 1 {
        check.fail(
            REGIONS,
            format!(
                "must be either \"{EVERY_REGION}\" alone (every Region the account has enabled) \
                 or a list of Region codes, not both"
            ),
        );
    }
    let excluded_entries = parse_list(check, EXCLUDED_REGIONS, map.get(EXCLUDED_REGIONS));
    if !every {
        if !excluded_entries.is_empty() {
            check.fail(
                EXCLUDED_REGIONS,
                format!(
                    "can only be used with Regions: \"{EVERY_REGION}\" (it removes Regions from \
                     every enabled one); with a list of Regions, leave the Region out of the \
                     list instead"
                ),
            );
        }
        return match region_codes(check, REGIONS, entries) {
            regions if regions.is_empty() => RegionChoice::Home,
            regions => RegionChoice::Listed(regions),
        };
    }
    let excluded = region_codes(check, EXCLUDED_REGIONS, excluded_entries);
    let spelled: usize = excluded.iter().map(|r| r.len() + 1).sum();
    if spelled > MAX_EXCLUDED_CHARS {
        check.fail(
            EXCLUDED_REGIONS,
            format!(
                "must spell out at most {MAX_EXCLUDED_CHARS} characters (one more per Region for \
                 its separator; got {spelled}): the destinations' fingerprint tag carries it. \
                 List the Regions you want in Regions instead"
            ),
        );
    }
    RegionChoice::Every { excluded }
}

/// Each entry a known Region code, none repeated, at most [`MAX_REGIONS`].
fn region_codes(check: &mut Checker, key: &str, entries: Vec<Entry>) -> Vec<String> {
    if entries.len() > MAX_REGIONS {
        check.fail(
            key,
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
        choice(json!({ "Regions": value })).map(|choice| match choice {
            RegionChoice::Home => Vec::new(),
            RegionChoice::Listed(regions) => regions,
            RegionChoice::Every { .. } => panic!("not a list: {choice:?}"),
        })
    }

    fn choice(properties: Value) -> Result<RegionChoice, String> {
        rules(super::super::parse_regions(&properties))
    }

    #[test]
    fn a_star_alone_means_every_enabled_region_but_the_excluded_ones() {
        for every in [json!("*"), json!(["*"]), json!(" * ")] {
            assert_eq!(
                choice(json!({ "Regions": every })),
                Ok(RegionChoice::Every { excluded: vec![] })
            );
        }
        for excluded in [
            json!(["me-south-1", "ap-east-1"]),
            json!("me-south-1, ap-east-1"),
        ] {
            assert_eq!(
                choice(json!({ "Regions": "*", "ExcludedRegions": excluded })),
                Ok(RegionChoice::Every {
                    excluded: vec!["me-south-1".into(), "ap-east-1".into()]
                })
            );
        }
        assert_eq!(
            choice(json!({ "Regions": "*", "ExcludedRegions": "" })),
            Ok(RegionChoice::Every { excluded: vec![] })
        );
    }

    #[test]
    fn a_star_mixed_with_regions_is_refused() {
        let refused = choice(json!({ "Regions": "*,eu-west-1" })).expect_err("mixed");
        assert!(
            refused.starts_with("Regions must be either \"*\" alone"),
            "{refused}"
        );
    }

    #[test]
    fn excluded_regions_only_with_a_star_and_each_a_known_region_once() {
        for regions in [json!("eu-west-1"), Value::Null] {
            let refused = choice(json!({ "Regions": regions, "ExcludedRegions": "us-east-1" }))
                .expect_err("without *");
            assert!(
                refused.starts_with(
                    "ExcludedRegions can only be used with Regions: \"*\" (it removes Regions"
                ),
                "{refused}"
            );
        }
        assert_eq!(
            choice(json!({ "Regions": "*", "ExcludedRegions": ["us-east-1", "eu-wst-1"] }))
                .expect_err("unknown")
                .split(" (")
                .next(),
            Some(
                "ExcludedRegions[1] names \"eu-wst-1\", which is not a Region of any partition \
                 this build knows"
            )
        );
        assert_eq!(
            choice(json!({ "Regions": "*", "ExcludedRegions": "us-east-1,us-east-1" })),
            Err(
                "ExcludedRegions[1] must not repeat \"us-east-1\" (already listed as \
                 ExcludedRegions[0])"
                    .to_owned()
            )
        );
        assert!(choice(json!({ "Regions": "*", "ExcludedRegions": "*" }))
            .expect_err("not a code")
            .starts_with("ExcludedRegions[0] must be a Region code"));
    }

    #[test]
    fn excluded_regions_fit_the_fingerprint_tag() {
        let aws: Vec<&str> = crate::partitions::PARTITIONS[0].regions.to_vec();
        let mut fitting = Vec::new();
        let mut spelled = 0;
        for region in &aws {
            if spelled + region.len() + 1 > MAX_EXCLUDED_CHARS {
                break;
            }
            spelled += region.len() + 1;
            fitting.push(*region);
        }
        assert!(fitting.len() >= 8, "{fitting:?}");
        assert!(choice(json!({ "Regions": "*", "ExcludedRegions": fitting })).is_ok());
        let over = &aws[..fitting.len() + 1];
        let refused = choice(json!({ "Regions": "*", "ExcludedRegions": over })).expect_err("long");
        assert!(
            refused.starts_with("ExcludedRegions must spell out at most 126 characters"),
            "{refused}"
        );
        // What fits here fits the tag (the fingerprint's own tests check its length).
        assert_eq!(
            MAX_EXCLUDED_CHARS + "all-except".len(),
            crate::lifecycle::fingerprint::MAX_SPEC_CHARS
        );
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
