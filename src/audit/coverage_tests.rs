//! One test per rule of docs/audit.md's coverage: grouping, each form of the Region set, and
//! what stays unknown.
use super::*;
use crate::lifecycle::PROVISIONING_OWNER;

const OWNER: &str = "app/0f9a-11ef/Destination";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The tags a destination of this provider carries, with the Region set `spec` (`None`: a v1
/// fingerprint).
fn tags(owner: &str, spec: Option<&str>) -> Tags {
    let hashes = "TargetArn=0123456789abcdef RoleArn=0123456789abcdef \
                  DestinationPolicy=0123456789abcdef Tags=0123456789abcdef";
    let print = match spec {
        Some(spec) => format!("v2 {hashes} Regions={spec}"),
        None => format!("v1 {hashes}"),
    };
    [
        (OWNER_TAG.to_owned(), owner.to_owned()),
        (FINGERPRINT_TAG.to_owned(), print),
    ]
    .into()
}

fn owner() -> Owner {
    Owner::Stack {
        stack_id: "arn:aws:cloudformation:us-east-1:1:stack/app/0f9a-11ef".into(),
        logical_id: "Destination".into(),
    }
}

/// One resource named `central`, found in `regions`, each destination carrying `spec`.
fn resource(regions: &[&str], spec: Option<&str>) -> Resource {
    let tags = tags(OWNER, spec);
    let owner = owner();
    let found = regions.iter().map(|region| Found {
        region,
        name: "central",
        tags: &tags,
        owner: &owner,
    });
    let mut all = resources(found);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn seen(read: &[&str]) -> Seen {
    Seen {
        read: strings(read).into_iter().collect(),
        unreadable: BTreeMap::new(),
        enabled: Enabled::NotAsked,
        looked: BTreeMap::new(),
    }
}

#[test]
fn destinations_group_by_owner_and_name_and_keep_every_set_they_carry() {
    let a = tags(OWNER, Some("eu-west-1/us-east-1"));
    let b = tags(OWNER, Some("eu-west-1"));
    let provisioned = tags(PROVISIONING_OWNER, Some("eu-west-1"));
    let stack = owner();
    let found = [
        ("us-east-1", "central", &a, &stack),
        ("eu-west-1", "central", &a, &stack),
        ("ap-south-1", "central", &b, &stack),
        // Another resource's old name, and provisioning's destinations: each its own.
        ("eu-west-1", "central-old", &b, &stack),
        ("eu-west-1", "p1", &provisioned, &Owner::Provisioning),
        ("eu-west-1", "p2", &provisioned, &Owner::Provisioning),
    ];
    let all = resources(found.iter().map(|(region, name, tags, owner)| Found {
        region,
        name,
        tags,
        owner,
    }));
    let names: Vec<(&str, &str)> = all
        .iter()
        .map(|r| (r.owner_value.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (OWNER, "central"),
            (OWNER, "central-old"),
            (PROVISIONING_OWNER, "p1"),
            (PROVISIONING_OWNER, "p2"),
        ]
    );
    let central = &all[0];
    assert_eq!(
        central.found,
        strings(&["ap-south-1", "eu-west-1", "us-east-1"])
            .into_iter()
            .collect()
    );
    // The set most of its destinations carry comes first.
    assert_eq!(
        central.requested,
        [
            RequestedRegions::Listed(strings(&["eu-west-1", "us-east-1"])),
            RequestedRegions::Listed(strings(&["eu-west-1"])),
        ]
    );
}

#[test]
fn a_listed_region_without_the_destination_is_missing_and_a_covered_one_is_not() {
    let covered = resource(&["eu-west-1", "us-east-1"], Some("eu-west-1/us-east-1"));
    let all_read = seen(&["eu-west-1", "us-east-1"]);
    assert_eq!(judge(&covered, &all_read), Coverage::default());
    assert!(!judge(&covered, &all_read).is_uncovered());

    let deleted = resource(&["us-east-1"], Some("eu-west-1/us-east-1"));
    let coverage = judge(&deleted, &all_read);
    assert_eq!(coverage.missing, ["eu-west-1"]);
    assert!(coverage.is_uncovered());
}

#[test]
fn a_region_not_audited_is_looked_in_and_only_this_resources_destination_counts() {
    let resource = resource(
        &["us-east-1"],
        Some("ap-south-1/eu-west-1/sa-east-1/us-east-1"),
    );
    let mut seen = seen(&["us-east-1"]);
    assert_eq!(
        resource.to_look_in(&seen),
        strings(&["ap-south-1", "eu-west-1", "sa-east-1"])
            .into_iter()
            .collect()
    );
    let at = |region: &str| (region.to_owned(), "central".to_owned());
    seen.looked = [
        (at("ap-south-1"), Ok(Some(OWNER.to_owned()))),
        // A destination of the same name that is not this resource's does not cover it.
        (
            at("eu-west-1"),
            Ok(Some("other/stack/Destination".to_owned())),
        ),
        (at("sa-east-1"), Ok(None)),
    ]
    .into();
    let coverage = judge(&resource, &seen);
    assert_eq!(coverage.missing, ["eu-west-1", "sa-east-1"]);
    assert!(coverage.unknown.is_empty(), "{coverage:?}");

    seen.looked
        .insert(at("sa-east-1"), Err("AccessDenied".into()));
    let coverage = judge(&resource, &seen);
    assert_eq!(coverage.missing, ["eu-west-1"]);
    assert_eq!(
        coverage.unknown,
        ["sa-east-1 could not be read: AccessDenied"]
    );
}

#[test]
fn an_audited_region_that_could_not_be_read_leaves_its_coverage_unknown() {
    let resource = resource(&["us-east-1"], Some("eu-west-1/us-east-1"));
    let mut seen = seen(&["us-east-1"]);
    seen.unreadable
        .insert("eu-west-1".into(), "ThrottlingException".into());
    assert!(resource.to_look_in(&seen).is_empty());
    let coverage = judge(&resource, &seen);
    assert!(!coverage.is_uncovered(), "{coverage:?}");
    assert_eq!(
        coverage.unknown,
        ["eu-west-1 could not be read: ThrottlingException"]
    );
}

#[test]
fn every_enabled_region_includes_a_newly_enabled_one_and_leaves_out_the_excluded() {
    let every = resource(&["eu-west-1", "us-east-1"], Some("all-except/me-south-1"));
    assert!(every.asks_for_every_region());
    let mut seen = seen(&["eu-west-1", "us-east-1", "ap-east-1", "me-south-1"]);
    seen.enabled = Enabled::Listed(strings(&["eu-west-1", "me-south-1", "us-east-1"]));
    assert_eq!(judge(&every, &seen), Coverage::default());
    // ap-east-1 enabled since: "*" now includes it.
    seen.enabled = Enabled::Listed(strings(&[
        "ap-east-1",
        "eu-west-1",
        "me-south-1",
        "us-east-1",
    ]));
    assert_eq!(judge(&every, &seen).missing, ["ap-east-1"]);
    // A Region disabled since is not asked for.
    seen.enabled = Enabled::Listed(strings(&["us-east-1"]));
    assert_eq!(judge(&every, &seen), Coverage::default());
}

#[test]
fn every_enabled_region_is_unknown_when_list_regions_fails() {
    let every = resource(&["us-east-1"], Some("all"));
    let mut seen = seen(&["us-east-1"]);
    seen.enabled = Enabled::Failed("ListRegions: AccessDeniedException".into());
    assert!(every.to_look_in(&seen).is_empty());
    let coverage = judge(&every, &seen);
    assert!(!coverage.is_uncovered());
    assert_eq!(coverage.unknown.len(), 1);
    assert!(
        coverage.unknown[0].contains("ListRegions: AccessDeniedException"),
        "{coverage:?}"
    );
}

#[test]
fn a_digest_is_compared_with_every_enabled_region_and_names_none() {
    let regions = ["eu-west-1", "us-east-1", "us-west-2"];
    let spec = format!("n3:{}", RequestedRegions::digest_of(&strings(&regions)));
    let resource = resource(&["eu-west-1"], Some(&spec));
    assert!(resource.needs_enabled_regions());
    let mut seen = seen(&["eu-west-1"]);
    seen.enabled = Enabled::Listed(strings(&[
        "ap-south-1",
        "eu-west-1",
        "us-east-1",
        "us-west-2",
    ]));
    assert_eq!(
        resource.to_look_in(&seen),
        strings(&["ap-south-1", "us-east-1", "us-west-2"])
            .into_iter()
            .collect()
    );
    let at = |region: &str| (region.to_owned(), "central".to_owned());
    let ours = || Ok(Some(OWNER.to_owned()));
    seen.looked = [
        (at("ap-south-1"), Ok(None)),
        (at("us-east-1"), ours()),
        (at("us-west-2"), ours()),
    ]
    .into();
    assert_eq!(judge(&resource, &seen), Coverage::default());

    // Deleted in us-west-2: the digest no longer matches, and no Region can be named.
    seen.looked.insert(at("us-west-2"), Ok(None));
    let coverage = judge(&resource, &seen);
    assert!(coverage.is_uncovered());
    assert!(coverage.missing.is_empty());
    assert!(
        coverage
            .unnamed
            .as_deref()
            .is_some_and(|why| why.contains("cannot name")),
        "{coverage:?}"
    );

    // A Region that could not be read leaves it unknown, not uncovered.
    seen.looked
        .insert(at("us-west-2"), Err("AccessDenied".into()));
    let coverage = judge(&resource, &seen);
    assert!(!coverage.is_uncovered(), "{coverage:?}");
    assert_eq!(coverage.unknown.len(), 1, "{coverage:?}");

    // In more Regions than the set has: which ones it asked for cannot be told.
    seen.looked.insert(at("us-west-2"), ours());
    seen.looked.insert(at("ap-south-1"), ours());
    let coverage = judge(&resource, &seen);
    assert!(!coverage.is_uncovered());
    assert_eq!(coverage.unknown.len(), 1, "{coverage:?}");
}

#[test]
fn a_v1_fingerprint_says_nothing_so_the_resource_is_never_uncovered() {
    let old = resource(&["us-east-1"], None);
    assert!(old.requested.is_empty());
    let coverage = judge(&old, &seen(&["eu-west-1", "us-east-1"]));
    assert_eq!(coverage, Coverage::default());
}

#[test]
fn destinations_that_disagree_are_each_checked_and_the_disagreement_is_said() {
    let a = tags(OWNER, Some("eu-west-1/us-east-1"));
    let b = tags(OWNER, Some("ap-south-1/us-east-1"));
    let stack = owner();
    let all = resources([
        Found {
            region: "us-east-1",
            name: "central",
            tags: &a,
            owner: &stack,
        },
        Found {
            region: "eu-west-1",
            name: "central",
            tags: &b,
            owner: &stack,
        },
    ]);
    let coverage = judge(&all[0], &seen(&["ap-south-1", "eu-west-1", "us-east-1"]));
    assert_eq!(coverage.missing, ["ap-south-1"]);
    assert!(coverage.disagreement.is_some(), "{coverage:?}");
}
