//! The partitions and Regions this build knows, with each partition's DNS suffix.
//!
//! The same data as the AWS SDK's endpoint model (the partitions JSON that aws-sdk-cloudwatchlogs,
//! aws-sdk-cloudformation and aws-sdk-sts embed in `src/endpoint_lib.rs`, which they keep
//! crate-private), without the `*-global` pseudo-Regions. The test
//! `the_table_is_the_sdks_endpoint_model` reads the SDK's copy and fails when they differ, so
//! an SDK update that adds a Region says so. A Region newer than this build is accepted when
//! the function setting `EXTRA_REGIONS` lists it.

use std::sync::OnceLock;

/// The function setting: Region codes, comma-separated, accepted although this build does not
/// know them yet.
pub const EXTRA_REGIONS: &str = "EXTRA_REGIONS";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub id: &'static str,
    /// What the partition's service hosts end in (`amazonaws.com`, `amazonaws.com.cn`, ...).
    pub dns_suffix: &'static str,
    pub regions: &'static [&'static str],
}

pub const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        dns_suffix: "amazonaws.com",
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    },
    Partition {
        id: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        id: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        regions: &["eusc-de-east-1"],
    },
    Partition {
        id: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        id: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        regions: &["us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        id: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        id: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
    Partition {
        id: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
];

/// The partition with this id (`aws`, `aws-cn`, ...).
pub fn partition(id: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.id == id)
}

/// The DNS suffix of the partition with this id.
pub fn dns_suffix(partition_id: &str) -> Option<&'static str> {
    partition(partition_id).map(|p| p.dns_suffix)
}

/// The partition a Region is in, as the SDK's endpoint model (its partitions' `regionRegex`)
/// places it; an area code the model does not know yet is in `aws`, where the SDK resolves it.
pub fn partition_of(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 7] = [
        ("us-gov-", "aws-us-gov"),
        ("us-iso-", "aws-iso"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
        ("cn-", "aws-cn"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// The Regions of `EXTRA_REGIONS`, read once per process; a malformed entry is left out here
/// and refused by [`extra_regions_setting`] when the function starts.
pub fn extra_regions() -> &'static [String] {
    static EXTRA: OnceLock<Vec<String>> = OnceLock::new();
    EXTRA.get_or_init(|| {
        let setting = std::env::var(EXTRA_REGIONS).unwrap_or_default();
        extra_regions_setting(&setting).unwrap_or_default()
    })
}

/// `EXTRA_REGIONS`: comma-separated Region codes.
pub fn extra_regions_setting(setting: &str) -> Result<Vec<String>, String> {
    setting
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            if crate::properties::is_region_code(r) {
                Ok(r.to_owned())
            } else {
                Err(format!(
                    "{EXTRA_REGIONS} must hold Region codes such as us-east-1 (got {r:?})"
                ))
            }
        })
        .collect()
}

/// Whether this build knows `region`, or `extra` lists it.
pub fn is_known(region: &str, extra: &[String]) -> bool {
    PARTITIONS.iter().any(|p| p.regions.contains(&region)) || extra.iter().any(|r| r == region)
}

/// Why `region` is refused, or `None` when it is known (or listed in `EXTRA_REGIONS`). Says
/// which known Region is closest when one is a letter or two away.
pub fn unknown_region(region: &str) -> Option<String> {
    unknown_region_among(region, extra_regions())
}

pub fn unknown_region_among(region: &str, extra: &[String]) -> Option<String> {
    if is_known(region, extra) {
        return None;
    }
    let hint = match closest_region(region, extra) {
        Some(near) => format!("did you mean {near}? "),
        None => String::new(),
    };
    Some(format!(
        "names {region:?}, which is not a Region of any partition this build knows ({hint}a \
         Region newer than this build can be listed in the {EXTRA_REGIONS} setting)"
    ))
}

/// The known Region nearest to `typed`, when it is at most two edits away.
pub fn closest_region(typed: &str, extra: &[String]) -> Option<String> {
    PARTITIONS
        .iter()
        .flat_map(|p| p.regions.iter().copied())
        .chain(extra.iter().map(String::as_str))
        .map(|known| (edit_distance(typed, known), known))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known.to_owned())
}

/// Levenshtein distance over bytes (Region codes are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(x != y))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests;
