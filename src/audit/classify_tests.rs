//! One row per rule of docs/audit.md: ownership tag value to owner, and
//! (destination, tags, what CloudFormation shows) to the status.
use super::*;
use crate::lifecycle::fingerprint::Fingerprint;

const HOME: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/0f9a-11ef";
const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
const ROLE: &str = "arn:aws:iam::123456789012:role/r";
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

fn home() -> Home {
    Home::of(HOME).expect("a function ARN")
}

fn destination(target: &str, policy: Option<&str>) -> Destination {
    Destination {
        name: "central".into(),
        arn: "arn:aws:logs:us-east-1:123456789012:destination:central".into(),
        target_arn: target.into(),
        role_arn: ROLE.into(),
        access_policy: policy.map(str::to_owned),
        creation_time_ms: Some(0),
    }
}

/// Ours, as last written: team=a, the policy above, its fingerprint.
fn written() -> Tags {
    let mut tags: Tags = [("team".to_owned(), "a".to_owned())].into();
    let policy = serde_json::from_str(POLICY).expect("json");
    let print = Fingerprint::of(TARGET, ROLE, Some(&policy), &tags);
    tags.insert(FINGERPRINT_TAG.into(), print.tag_value());
    tags.insert(OWNER_TAG.into(), "app/0f9a-11ef/Destination".into());
    tags
}

fn owner() -> Owner {
    owner_of("app/0f9a-11ef/Destination", &home())
}

fn resource(status: &str, physical_id: &str) -> Lookup {
    Lookup::Found(StackResource {
        resource_type: "Custom::LogsDestination".into(),
        status: status.into(),
        physical_id: physical_id.into(),
        last_updated_ms: None,
    })
}

#[test]
fn the_ownership_tag_names_a_stack_resource_in_the_functions_region_and_account() {
    assert_eq!(
        owner(),
        Owner::Stack {
            stack_id: STACK.into(),
            logical_id: "Destination".into()
        }
    );
    assert_eq!(owner_of(PROVISIONING_OWNER, &home()), Owner::Provisioning);
    let shortened = format!("app/0f9a-11ef/{}=0123456789abcdef", "L".repeat(230));
    assert_eq!(
        owner_of(&shortened, &home()),
        Owner::Shortened {
            stack_id: STACK.into()
        }
    );
    for odd in ["by-hand", "a/b", "a//c", "a/b/c/d"] {
        assert!(
            matches!(owner_of(odd, &home()), Owner::Unreadable(_)),
            "{odd}"
        );
    }
}

#[test]
fn untouched_is_in_sync_and_each_changed_aspect_is_named() {
    let in_place = resource("UPDATE_COMPLETE", "central");
    let status = |d: &Destination, tags: &Tags| classify(d, tags, &owner(), &in_place);
    let same = destination(
        TARGET,
        Some(r#"{"Statement": [], "Version": "2012-10-17"}"#),
    );
    assert_eq!(status(&same, &written()), Status::InSync);

    let edited = destination(TARGET, Some(r#"{"Version":"2012-10-17","Statement":[{}]}"#));
    assert_eq!(
        status(&edited, &written()),
        Status::Drifted(vec!["DestinationPolicy"])
    );
    let mut removed = written();
    removed.remove("team");
    assert_eq!(status(&same, &removed), Status::Drifted(vec!["Tags"]));
    let repointed = destination(
        "arn:aws:kinesis:us-east-1:123456789012:stream/x",
        Some(POLICY),
    );
    assert_eq!(
        status(&repointed, &written()),
        Status::Drifted(vec!["TargetArn"])
    );
    let no_policy = destination(TARGET, None);
    assert_eq!(
        status(&no_policy, &written()),
        Status::Drifted(vec!["DestinationPolicy"])
    );
}

#[test]
fn a_destination_its_stack_resource_no_longer_holds_is_orphaned() {
    let same = destination(TARGET, Some(POLICY));
    for (lookup, why) in [
        (Lookup::Unknown, "knows neither"),
        (resource("DELETE_COMPLETE", "central"), "DELETE_COMPLETE"),
        (resource("DELETE_SKIPPED", "central"), "DELETE_SKIPPED"),
        (resource("UPDATE_COMPLETE", "renamed"), "\"renamed\""),
    ] {
        let status = classify(&same, &written(), &owner(), &lookup);
        assert!(
            matches!(&status, Status::Orphaned(reason) if reason.contains(why)),
            "{lookup:?}: {status:?}"
        );
    }
    // A Create in progress has no id yet; a failed delete still has its stack.
    for alive in [
        resource("CREATE_IN_PROGRESS", ""),
        resource("DELETE_FAILED", "central"),
    ] {
        assert_eq!(
            classify(&same, &written(), &owner(), &alive),
            Status::InSync
        );
    }
}

#[test]
fn what_cannot_be_checked_is_unverifiable_with_the_reason() {
    let same = destination(TARGET, Some(POLICY));
    let fine = resource("CREATE_COMPLETE", "central");
    let mut before = written();
    before.remove(FINGERPRINT_TAG);
    let status = classify(&same, &before, &owner(), &fine);
    assert!(
        matches!(&status, Status::Unverifiable(why) if why.contains("new Revision")),
        "{status:?}"
    );
    let failed = Lookup::Failed("AccessDenied".into());
    assert_eq!(
        classify(&same, &written(), &owner(), &failed),
        Status::Unverifiable("AccessDenied".into())
    );
    // Drift is still reported when the stack cannot be looked up.
    let edited = destination(TARGET, None);
    assert_eq!(
        classify(&edited, &written(), &owner(), &failed),
        Status::Drifted(vec!["DestinationPolicy"])
    );
    let shortened = Owner::Shortened {
        stack_id: STACK.into(),
    };
    assert!(matches!(
        classify(&same, &written(), &shortened, &Lookup::NotAsked),
        Status::Unverifiable(why) if why.contains("shortened")
    ));
    // Provisioning's: checked for drift, never orphaned.
    assert_eq!(
        classify(&same, &written(), &Owner::Provisioning, &Lookup::NotAsked),
        Status::InSync
    );
}
