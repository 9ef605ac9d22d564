//! `Regions: "*"` in the intent: what Create, Update and Delete involve, given the account's
//! enabled Regions, and the Region set the destinations' fingerprint carries.

use super::*;
use crate::event::{CfnRequest, RequestKind};
use crate::lifecycle::intent::{for_stack, Intent};
use crate::lifecycle::tests::{target, STACK};
use serde_json::json;

fn properties(regions: Value) -> Value {
    let mut properties = json!({
        "DestinationName": "central",
        "TargetArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "RoleArn": "arn:aws:iam::123456789012:role/r",
    });
    if let (Some(p), Some(r)) = (properties.as_object_mut(), regions.as_object()) {
        p.extend(r.clone());
    }
    properties
}

fn intent(kind: RequestKind, new: Value, enabled: &[&str]) -> Result<Intent, String> {
    let enabled: Vec<String> = enabled.iter().map(|r| (*r).to_owned()).collect();
    let request = CfnRequest {
        kind,
        target: target(STACK, "Destination", "r1"),
        properties: properties(new),
        resource_type: "Custom::LogsDestination".into(),
    };
    for_stack(&request, "us-east-1", Some(&enabled)).map(|i| i.expect("work to do"))
}

fn update(old: Value, new: Value, enabled: &[&str]) -> Intent {
    let kind = RequestKind::Update {
        physical_resource_id: "central".into(),
        old_properties: properties(old),
    };
    intent(kind, new, enabled).expect("valid")
}

#[test]
fn a_create_with_every_region_involves_the_enabled_ones_and_says_so() {
    let created = intent(
        RequestKind::Create,
        json!({"Regions": "*", "ExcludedRegions": ["eu-west-1"]}),
        &["eu-west-1", "ap-east-1", "us-east-1"],
    )
    .expect("valid");
    assert_eq!(created.regions, ["us-east-1", "ap-east-1"]);
    assert!(created.listed && created.every);
    assert_eq!(
        created.requested,
        RequestedRegions::Every {
            excluded: vec!["eu-west-1".into()]
        }
    );
    assert_eq!(created.notes.len(), 1);
    assert!(created.notes[0].starts_with("Regions \"*\": 2 of the 3 Regions ListRegions"));
}

#[test]
fn an_update_reads_old_and_new_stars_with_the_same_answer() {
    // A Region enabled since the last request is in both: the plan creates what is missing.
    let kept = update(
        json!({"Regions": "*", "Revision": "1"}),
        json!({"Regions": "*", "Revision": "2"}),
        &["us-east-1", "eu-west-1", "ap-east-1"],
    );
    assert_eq!(kept.regions, ["us-east-1", "ap-east-1", "eu-west-1"]);
    assert!(kept.removed.is_empty() && kept.added.is_empty());
    // Excluding a Region removes it (the plan deletes what this resource owns there).
    let excluded = update(
        json!({"Regions": "*"}),
        json!({"Regions": "*", "ExcludedRegions": "eu-west-1"}),
        &["us-east-1", "eu-west-1"],
    );
    assert_eq!(excluded.regions, ["us-east-1"]);
    assert_eq!(excluded.removed, ["eu-west-1"]);
    assert_eq!(
        excluded.requested,
        RequestedRegions::Every {
            excluded: vec!["eu-west-1".into()]
        }
    );
}

#[test]
fn a_region_disabled_since_is_left_alone_and_named() {
    // The old list had me-south-1; the account has disabled it since.
    let switched = update(
        json!({"Regions": "us-east-1,me-south-1"}),
        json!({"Regions": "*"}),
        &["us-east-1", "eu-west-1"],
    );
    assert_eq!(switched.regions, ["us-east-1", "eu-west-1"]);
    assert_eq!(switched.added, ["eu-west-1"]);
    assert!(switched.removed.is_empty(), "{:?}", switched.removed);
    assert!(
        switched.notes.iter().any(|n| n
            == "Regions no longer enabled for this account were left as they are (they cannot \
                be called): me-south-1"),
        "{:?}",
        switched.notes
    );
    // From every Region to a list: the enabled ones not listed are removed.
    let narrowed = update(
        json!({"Regions": "*"}),
        json!({"Regions": "us-east-1"}),
        &["us-east-1", "eu-west-1"],
    );
    assert_eq!(narrowed.removed, ["eu-west-1"]);
    assert!(!narrowed.every);
}

#[test]
fn a_delete_with_every_region_deletes_in_the_enabled_ones() {
    let deleting = intent(
        RequestKind::Delete {
            physical_resource_id: "central".into(),
        },
        json!({"Regions": "*", "ExcludedRegions": "ap-east-1"}),
        &["us-east-1", "ap-east-1", "eu-west-1"],
    )
    .expect("valid");
    assert_eq!(deleting.regions, ["us-east-1", "eu-west-1"]);
}

#[test]
fn adoption_is_not_combined_with_every_region() {
    let refused = intent(
        RequestKind::Create,
        json!({"Regions": "*", "AdoptExisting": "true"}),
        &["us-east-1"],
    )
    .expect_err("refused");
    assert!(refused.starts_with("AdoptExisting cannot be combined with Regions"));
}
