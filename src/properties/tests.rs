//! Unit tests of [`super::parse`] across the properties: what each submodule tests alone is
//! there.

use super::testing::{errors, valid, with};
use super::*;
use serde_json::json;

#[test]
fn minimal_properties_parse_with_defaults() {
    let props = parse(&valid()).expect("valid");
    assert_eq!(props.name, None);
    assert_eq!(props.policy, None);
    assert!(!props.force_update);
    assert!(props.tags.is_empty());
}

#[test]
fn unknown_property_is_named_with_a_suggestion() {
    let message = errors(with("TargetARN", json!("x")));
    assert!(message.contains("TargetARN is not a known property (did you mean TargetArn?)"));
    let message = errors(with("Colour", json!("x")));
    assert!(
        message.contains("Colour is not a known property"),
        "{message}"
    );
}

#[test]
fn service_timeout_and_token_are_cloudformations() {
    assert!(parse(&with("ServiceTimeout", json!("60"))).is_ok());
}

#[test]
fn required_arns_are_named_when_missing() {
    let message = errors(json!({"ServiceToken": "x"}));
    assert!(message.contains("TargetArn is required"), "{message}");
    assert!(message.contains("RoleArn is required"), "{message}");
}

#[test]
fn force_update_accepts_strings_and_booleans() {
    assert!(
        parse(&with("ForceUpdate", json!("true")))
            .expect("ok")
            .force_update
    );
    assert!(
        parse(&with("ForceUpdate", json!(true)))
            .expect("ok")
            .force_update
    );
    assert!(
        !parse(&with("ForceUpdate", json!("False")))
            .expect("ok")
            .force_update
    );
    assert!(errors(with("ForceUpdate", json!("yes"))).contains("ForceUpdate must be true or false"));
}

#[test]
fn the_access_policy_is_the_hand_written_one_or_built_for_the_destination() {
    let arn = "arn:aws:logs:us-east-1:123456789012:destination:d";
    let inline = json!({"Version": "2012-10-17", "Statement": []});
    let written = parse(&with("DestinationPolicy", inline.clone())).expect("valid");
    assert_eq!(
        written
            .access_policy(arn)
            .expect("fits")
            .map(|p| p.document),
        Some(inline)
    );
    assert!(!written.grants_organizations());
    let built = parse(&with("AllowedOrganizations", json!("o-a1b2c3d4e5"))).expect("valid");
    let policy = built.access_policy(arn).expect("fits").expect("a policy");
    assert_eq!(policy.document["Statement"][0]["Resource"], arn);
    assert!(built.grants_organizations());
    assert!(names_organization(&policy.text));
    assert_eq!(parse(&valid()).expect("valid").access_policy(arn), Ok(None));
    assert!(has_policy(&with(
        "AllowedAccounts",
        json!(["111122223333"])
    )));
    assert!(!has_policy(&with("AllowedAccounts", json!(""))));
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    let message = errors(json!({"TargetArn": "nope", "Tags": 5, "Extra": 1}));
    assert!(message.starts_with("Invalid resource properties: "));
    for expected in [
        "Extra",
        "TargetArn must be an ARN",
        "RoleArn is required",
        "Tags must be",
    ] {
        assert!(
            message.contains(expected),
            "{expected} missing from {message}"
        );
    }
}

#[test]
fn revision_is_any_short_scalar_and_only_changes() {
    let parsed = parse(&with("Revision", json!(3))).expect("a number is fine");
    assert_eq!(parsed.revision.as_deref(), Some("3"));
    assert_eq!(
        parse(&with("Revision", json!(""))).map(|p| p.revision),
        Ok(None)
    );
    assert!(
        errors(with("Revision", json!("r".repeat(257)))).contains("Revision must be at most 256")
    );
    assert!(errors(with("Revision", json!({"a": 1}))).contains("Revision must be a string"));
    // The old properties' Revision is read even when the rest no longer parses.
    assert_eq!(
        revision(&json!({"Revision": "7", "Bogus": 1})).as_deref(),
        Some("7")
    );
}
