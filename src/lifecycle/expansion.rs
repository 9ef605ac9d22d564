//! `Regions: "*"`: every Region the account has enabled in the function's partition, less
//! `ExcludedRegions`, read with ListRegions when a request needs it. The read is the one call
//! before the pure intent ([`enabled_for`]); what a Region choice means is decided here only
//! ([`expand`]), for the engine and for anything else that forms an intent.

use crate::enabled_regions::{EnabledRegions, LIST_REGIONS};
use crate::lifecycle::fingerprint::RequestedRegions;
use crate::properties::{self, RegionChoice, MAX_REGIONS};
use serde_json::Value;

/// What a Region choice means for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    /// The Regions, in the template's order; for `"*"`, the function's own Region first (its
    /// destination is `Arn`), then the others sorted.
    pub regions: Vec<String>,
    /// As the destinations' fingerprint carries it.
    pub requested: RequestedRegions,
    /// For `"*"`: what it expanded to and from what, for the Reason and the log.
    pub note: Option<String>,
}

/// Whether any of `properties` (a request's, an Update's old ones) asks for every Region.
pub fn needs_enabled(properties: &[&Value]) -> bool {
    properties.iter().any(|p| choice_of(p).is_every())
}

/// The Regions the account has enabled, when one of `properties` asks for every Region
/// (`None`: none does, and nothing is called). `Err` names ListRegions and what AWS said; it
/// comes before any write.
pub async fn enabled_for(
    source: &EnabledRegions,
    properties: &[&Value],
) -> Result<Option<Vec<String>>, String> {
    if !needs_enabled(properties) {
        return Ok(None);
    }
    let enabled = source.list().await?;
    tracing::info!(
        enabled = enabled.join(","),
        "read the Regions this account has enabled ({LIST_REGIONS})"
    );
    Ok(Some(enabled))
}

/// A request's Region choice as its properties say; properties that do not parse mean the
/// function's own Region (the parse that matters reports them).
pub fn choice_of(properties: &Value) -> RegionChoice {
    properties::parse_regions(properties).unwrap_or(RegionChoice::Home)
}

/// What `choice` means for a function in `home`, given the account's `enabled` Regions
/// (`None` when they were not read: only `"*"` needs them).
pub fn expand(
    choice: &RegionChoice,
    enabled: Option<&[String]>,
    home: &str,
) -> Result<Expanded, String> {
    let listed = |regions: Vec<String>| Expanded {
        requested: RequestedRegions::listed(&regions),
        regions,
        note: None,
    };
    let excluded = match choice {
        RegionChoice::Home => return Ok(listed(vec![home.to_owned()])),
        RegionChoice::Listed(regions) => return Ok(listed(regions.clone())),
        RegionChoice::Every { excluded } => excluded,
    };
    let Some(enabled) = enabled else {
        return Err(format!(
            "Regions \"*\" needs the account's enabled Regions ({LIST_REGIONS}), which were not \
             read"
        ));
    };
    let partition = properties::partition_of(home);
    let mut in_partition: Vec<String> = enabled
        .iter()
        .filter(|region| properties::partition_of(region) == partition)
        .cloned()
        .collect();
    in_partition.sort();
    in_partition.dedup();
    let mut regions: Vec<String> = in_partition
        .iter()
        .filter(|region| !excluded.contains(region))
        .cloned()
        .collect();
    if let Some(at) = regions.iter().position(|r| r == home) {
        let own = regions.remove(at);
        regions.insert(0, own);
    }
    let source = format!(
        "Regions \"*\": {} of the {} Regions {LIST_REGIONS} reports enabled for this account \
         in partition {partition}",
        regions.len(),
        in_partition.len()
    );
    let mut excluding = excluded.clone();
    excluding.sort();
    let less = if excluding.is_empty() {
        String::new()
    } else {
        format!(" (less ExcludedRegions {})", excluding.join(", "))
    };
    if regions.is_empty() {
        return Err(format!(
            "{source}{less}: that leaves no Region. Exclude fewer Regions, or list them in \
             Regions"
        ));
    }
    if regions.len() > MAX_REGIONS {
        return Err(format!(
            "{source}{less}: more than the {MAX_REGIONS} one resource may hold. Exclude some \
             with ExcludedRegions, or use one resource per group of Regions"
        ));
    }
    let mut sorted = regions.clone();
    sorted.sort();
    Ok(Expanded {
        note: Some(format!("{source}{less}: {}", sorted.join(", "))),
        requested: RequestedRegions::every(excluded),
        regions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(regions: &[&str]) -> Vec<String> {
        regions.iter().map(|r| (*r).to_owned()).collect()
    }

    #[test]
    fn a_list_and_the_home_region_need_no_listing() {
        assert!(!needs_enabled(&[
            &json!({"Regions": "eu-west-1"}),
            &json!({})
        ]));
        assert!(needs_enabled(&[&json!({}), &json!({"Regions": "*"})]));
        // Broken properties ask for nothing: their parse reports them.
        assert!(!needs_enabled(&[&json!({"Regions": "*,eu-west-1"})]));
        let home = expand(&RegionChoice::Home, None, "us-east-1").expect("home");
        assert_eq!(home.regions, ["us-east-1"]);
        assert_eq!(
            home.requested,
            RequestedRegions::Listed(strings(&["us-east-1"]))
        );
        assert_eq!(home.note, None);
        let listed = RegionChoice::Listed(strings(&["us-east-1", "eu-west-1"]));
        let listed = expand(&listed, None, "us-east-1").expect("listed");
        assert_eq!(listed.regions, ["us-east-1", "eu-west-1"]);
        assert_eq!(
            listed.requested,
            RequestedRegions::Listed(strings(&["eu-west-1", "us-east-1"]))
        );
    }

    #[test]
    fn every_region_is_the_enabled_ones_in_the_partition_less_the_excluded_home_first() {
        let enabled = strings(&[
            "ap-east-1",
            "eu-west-1",
            "us-east-1",
            "us-west-2",
            "cn-north-1",
        ]);
        let every = RegionChoice::Every {
            excluded: strings(&["us-west-2", "me-south-1"]),
        };
        let expanded = expand(&every, Some(&enabled), "us-east-1").expect("expanded");
        assert_eq!(expanded.regions, ["us-east-1", "ap-east-1", "eu-west-1"]);
        assert_eq!(
            expanded.requested,
            RequestedRegions::Every {
                excluded: strings(&["me-south-1", "us-west-2"])
            }
        );
        assert_eq!(
            expanded.note.as_deref(),
            Some(
                "Regions \"*\": 3 of the 4 Regions ListRegions reports enabled for this account \
                 in partition aws (less ExcludedRegions me-south-1, us-west-2): ap-east-1, \
                 eu-west-1, us-east-1"
            )
        );
    }

    #[test]
    fn every_region_must_leave_some_and_not_too_many() {
        let every = RegionChoice::Every {
            excluded: strings(&["us-east-1"]),
        };
        let none = expand(&every, Some(&strings(&["us-east-1"])), "us-east-1").expect_err("none");
        assert!(
            none.ends_with("that leaves no Region. Exclude fewer Regions, or list them in Regions"),
            "{none}"
        );
        let many: Vec<String> = (1..=41).map(|i| format!("us-east-{i}")).collect();
        let all = RegionChoice::Every { excluded: vec![] };
        let too_many = expand(&all, Some(&many), "us-east-1").expect_err("many");
        assert!(
            too_many.contains("more than the 40 one resource may hold"),
            "{too_many}"
        );
        let unread = expand(&all, None, "us-east-1").expect_err("not read");
        assert!(
            unread.contains("(ListRegions), which were not read"),
            "{unread}"
        );
    }
}

#[cfg(test)]
#[path = "expansion_tests.rs"]
mod intent_tests;
