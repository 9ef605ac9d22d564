//! The reply's `Data`: the attributes `Fn::GetAtt` reads, and the guard that keeps a reply with
//! one ARN per Region within CloudFormation's 4096-byte limit.
//!
//! Names: `Arn` (the first listed Region's destination), `DestinationName`, `TargetArn`,
//! `RoleArn`, as for one Region; with `Regions`, also `Arns` (every ARN, comma-separated in the
//! order of `Regions`, for `!Split`) and `Arn.REGION` for each Region (`!GetAtt
//! Destination.Arn.eu-west-1`). `Fn::GetAtt` takes a custom resource's `Data` keys as attribute
//! names, and AWS's own attributes use the same dotted form (`Endpoint.Address`,
//! `Outputs.NAME`).
//!
//! With `Regions: "*"` there is no order to keep, and a position in `Arns` would move whenever
//! a Region is enabled: the reply gives `Regions` (the Regions it expanded to, sorted,
//! comma-separated) and `Arn.REGION` for each, and no `Arns`. That also keeps ~30 Regions'
//! ARNs, once each rather than twice, within the 4096 bytes.

use crate::destinations::Destination;
use crate::event::ReplyTarget;
use crate::response::{Reply, Status, MAX_BODY_BYTES};
use std::collections::BTreeMap;

/// The attribute holding the destination's ARN in `region`.
pub fn regional_arn_key(region: &str) -> String {
    format!("Arn.{region}")
}

/// The attribute listing the Regions `Regions: "*"` expanded to.
pub const REGIONS_KEY: &str = "Regions";

/// `Data` for a destination. `regional` lists `(Region, ARN)` in the order of `Regions`, the
/// first being `destination` itself; it is empty when `Regions` is not used, and the attributes
/// are then exactly those of a single-Region resource. `every`: `Regions: "*"`, whose reply
/// lists the Regions rather than the ARNs in order.
pub fn data(
    destination: &Destination,
    regional: &[(String, String)],
    every: bool,
) -> BTreeMap<String, String> {
    let mut data = BTreeMap::from([
        ("Arn".to_owned(), destination.arn.clone()),
        ("DestinationName".to_owned(), destination.name.clone()),
        ("TargetArn".to_owned(), destination.target_arn.clone()),
        ("RoleArn".to_owned(), destination.role_arn.clone()),
    ]);
    if !regional.is_empty() {
        if every {
            let mut regions: Vec<&str> = regional.iter().map(|(r, _)| r.as_str()).collect();
            regions.sort_unstable();
            data.insert(REGIONS_KEY.to_owned(), regions.join(","));
        } else {
            let arns: Vec<&str> = regional.iter().map(|(_, arn)| arn.as_str()).collect();
            data.insert("Arns".to_owned(), arns.join(","));
        }
        for (region, arn) in regional {
            data.insert(regional_arn_key(region), arn.clone());
        }
    }
    data
}

/// Checks, before anything is written, that the SUCCESS reply for `destination` and its
/// `regional` ARNs fits in 4096 bytes; otherwise says what to shorten. The name appears in the
/// PhysicalResourceId, `DestinationName` and every ARN (twice per Region), so it is what
/// grows the reply fastest.
pub fn check_reply_size(
    target: &ReplyTarget,
    destination: &Destination,
    regional: &[(String, String)],
    every: bool,
) -> Result<(), String> {
    let reply = Reply {
        status: Status::Success,
        reason: None,
        reason_suffix: None,
        physical_resource_id: destination.name.clone(),
        data: data(destination, regional, every),
    };
    let bytes = reply.unshortened_len(target);
    if bytes <= MAX_BODY_BYTES {
        return Ok(());
    }
    // Each byte of the name is repeated in the id, DestinationName, Arn, and once per Region
    // (Arn.REGION), twice with a list (Arns as well).
    let per_region = if every { 1 } else { 2 };
    let copies = 3 + per_region * regional.len();
    let excess = bytes - MAX_BODY_BYTES;
    let shorter_by = excess.div_ceil(copies);
    let name_bytes = destination.name.len();
    let fewer = if every {
        "exclude Regions with ExcludedRegions"
    } else {
        "list fewer Regions"
    };
    let advice = match name_bytes.checked_sub(shorter_by) {
        Some(fits) if fits > 0 => format!(
            "shorten DestinationName to at most {fits} bytes (it has {name_bytes}) or {fewer}"
        ),
        _ => fewer.to_owned(),
    };
    let returned = if every {
        "once (Arn.REGION)"
    } else {
        "twice (Arns and Arn.REGION)"
    };
    Err(format!(
        "The reply to CloudFormation would be {bytes} bytes, over its {MAX_BODY_BYTES}-byte \
         limit: the destination's ARN in each of the {} Regions is returned {returned}; \
         {advice}",
        regional.len().max(1)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> ReplyTarget {
        ReplyTarget {
            response_url: "https://example.invalid/reply".to_owned(),
            stack_id: "arn:aws:cloudformation:us-east-1:999999999999:stack/central/\
                       1b2c3d4e-1111-2222-3333-444455556666"
                .to_owned(),
            request_id: "8a7c1f9e-0b1d-4c3e-9f5a-6b7c8d9e0f1a".to_owned(),
            logical_resource_id: "Destination".to_owned(),
        }
    }

    fn destination(name: &str, region: &str) -> Destination {
        Destination {
            name: name.to_owned(),
            arn: arn(name, region),
            target_arn: "arn:aws:kinesis:us-east-1:999999999999:stream/central".to_owned(),
            role_arn: "arn:aws:iam::999999999999:role/logs-destination/central".to_owned(),
            access_policy: None,
            creation_time_ms: None,
        }
    }

    fn arn(name: &str, region: &str) -> String {
        format!("arn:aws:logs:{region}:999999999999:destination:{name}")
    }

    /// The name length a reply-size Reason advises ("... at most N bytes ...").
    fn advised_length(reason: &str) -> usize {
        reason
            .split("at most ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .expect("a length in the reason")
    }

    fn regional(name: &str, regions: &[&str]) -> Vec<(String, String)> {
        regions
            .iter()
            .map(|r| ((*r).to_owned(), arn(name, r)))
            .collect()
    }

    #[test]
    fn one_region_keeps_the_four_attributes() {
        let d = destination("central", "us-east-1");
        let data = data(&d, &[], false);
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["Arn", "DestinationName", "RoleArn", "TargetArn"]);
        assert_eq!(data["Arn"], d.arn);
    }

    #[test]
    fn regions_add_arns_in_order_and_one_attribute_per_region() {
        let regions = ["eu-west-1", "us-east-1", "ap-southeast-2"];
        let d = destination("central", "eu-west-1");
        let data = data(&d, &regional("central", &regions), false);
        assert_eq!(data["Arn"], arn("central", "eu-west-1"));
        assert_eq!(
            data["Arns"],
            format!(
                "{},{},{}",
                arn("central", "eu-west-1"),
                arn("central", "us-east-1"),
                arn("central", "ap-southeast-2")
            )
        );
        assert_eq!(data["Arn.us-east-1"], arn("central", "us-east-1"));
        assert_eq!(data["Arn.ap-southeast-2"], arn("central", "ap-southeast-2"));
        assert_eq!(data.len(), 4 + 1 + 3);
    }

    #[test]
    fn a_reply_that_fits_is_accepted() {
        let regions: Vec<String> = (1..=17).map(|i| format!("us-east-{i}")).collect();
        let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
        let d = destination("central-logs", "us-east-1");
        assert_eq!(
            check_reply_size(&target(), &d, &regional("central-logs", &regions), false),
            Ok(())
        );
        let long = "n".repeat(512);
        assert_eq!(
            check_reply_size(&target(), &destination(&long, "us-east-1"), &[], false),
            Ok(())
        );
    }

    #[test]
    fn a_reply_over_4096_bytes_says_how_short_the_name_must_be() {
        let regions: Vec<String> = (1..=20).map(|i| format!("eu-west-{i}")).collect();
        let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
        let name = "n".repeat(60);
        let reason = check_reply_size(
            &target(),
            &destination(&name, "eu-west-1"),
            &regional(&name, &regions),
            false,
        )
        .unwrap_err();
        assert!(reason.contains("over its 4096-byte limit"), "{reason}");
        let at_most = advised_length(&reason);
        // The advice is exact enough to follow: that length fits, one more byte may not.
        let fitting = "n".repeat(at_most);
        assert_eq!(
            check_reply_size(
                &target(),
                &destination(&fitting, "eu-west-1"),
                &regional(&fitting, &regions),
                false
            ),
            Ok(())
        );
    }

    #[test]
    fn forty_regions_leave_no_room_for_any_name() {
        let regions: Vec<String> = (1..=40).map(|i| format!("ap-southeast-{i}")).collect();
        let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
        let name = "n".repeat(512);
        let reason = check_reply_size(
            &target(),
            &destination(&name, "ap-southeast-1"),
            &regional(&name, &regions),
            false,
        )
        .unwrap_err();
        assert!(reason.contains("in each of the 40 Regions"), "{reason}");
        assert!(reason.ends_with("; list fewer Regions"), "{reason}");
    }

    /// The aws partition's Regions (34 today).
    fn every_aws_region() -> Vec<&'static str> {
        crate::partitions::partition("aws")
            .expect("aws")
            .regions
            .to_vec()
    }

    #[test]
    fn every_region_gives_the_regions_and_each_arn_but_no_positional_list() {
        let regions = ["us-east-1", "ap-east-1", "eu-west-1"];
        let d = destination("central", "us-east-1");
        let data = data(&d, &regional("central", &regions), true);
        assert_eq!(data["Regions"], "ap-east-1,eu-west-1,us-east-1");
        assert!(!data.contains_key("Arns"));
        assert_eq!(data["Arn"], arn("central", "us-east-1"));
        assert_eq!(data["Arn.ap-east-1"], arn("central", "ap-east-1"));
        assert_eq!(data.len(), 4 + 1 + 3);
    }

    #[test]
    fn every_region_of_the_partition_fits_with_a_short_name() {
        // All 34 Regions of the aws partition enabled: a name of 20 bytes fits (the figure
        // docs/regions.md gives, with this test's stack name); 17 Regions, the ones every
        // account has, fit a name of 80.
        let regions = every_aws_region();
        let name = "org-logs-destination";
        let d = destination(name, "us-east-1");
        assert_eq!(
            check_reply_size(&target(), &d, &regional(name, &regions), true),
            Ok(())
        );
        // The same Regions as a list would not: each ARN twice.
        assert!(check_reply_size(&target(), &d, &regional(name, &regions), false).is_err());
        let longer = "n".repeat(21);
        let d = destination(&longer, "us-east-1");
        assert!(check_reply_size(&target(), &d, &regional(&longer, &regions), true).is_err());
        let default_regions = &regions[..17];
        let long = "n".repeat(80);
        let d = destination(&long, "us-east-1");
        assert_eq!(
            check_reply_size(&target(), &d, &regional(&long, default_regions), true),
            Ok(())
        );
    }

    #[test]
    fn every_region_over_the_limit_says_how_short_the_name_must_be_or_what_to_exclude() {
        let regions = every_aws_region();
        let name = "n".repeat(80);
        let reason = check_reply_size(
            &target(),
            &destination(&name, "us-east-1"),
            &regional(&name, &regions),
            true,
        )
        .unwrap_err();
        assert!(reason.contains("is returned once (Arn.REGION)"), "{reason}");
        assert!(
            reason.ends_with("or exclude Regions with ExcludedRegions"),
            "{reason}"
        );
        let at_most = advised_length(&reason);
        let fitting = "n".repeat(at_most);
        assert_eq!(
            check_reply_size(
                &target(),
                &destination(&fitting, "us-east-1"),
                &regional(&fitting, &regions),
                true
            ),
            Ok(())
        );
    }
}
