//! The fingerprint tag's value: each aspect told apart, v1 and v2 read, the Region set's
//! forms, and what is not a fingerprint.

use super::*;
use serde_json::json;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_tag_value_round_trips_and_fits_a_tag() {
    let policy = json!({"Version": "2012-10-17", "Statement": []});
    let print = Fingerprint::of("t", "r", Some(&policy), &tags(&[("team", "x")]));
    let value = print.tag_value();
    assert!(value.starts_with("v1 TargetArn="), "{value}");
    assert!(value.chars().count() <= 256);
    assert!(value.chars().all(crate::properties::is_tag_char), "{value}");
    assert_eq!(Fingerprint::parse(&value), Some(print));
    for broken in [
        "",
        "v2 TargetArn=0",
        "v3 TargetArn=0",
        &value.replace("Tags=", "Tag="),
        &value[..40],
    ] {
        assert_eq!(Fingerprint::parse(broken), None, "{broken}");
    }
}

#[test]
fn each_aspect_is_told_apart_and_formatting_is_not_a_change() {
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]});
    let wanted = Fingerprint::of("t", "r", Some(&policy), &tags(&[("team", "x")]));
    let reordered: Value =
        serde_json::from_str(r#"{ "Statement": [ {"Effect":"Allow"} ], "Version":"2012-10-17" }"#)
            .expect("json");
    let same = Fingerprint::of(
        "t",
        "r",
        Some(&reordered),
        &tags(&[
            ("team", "x"),
            (FINGERPRINT_TAG, "old"),
            ("aws:cloudformation:x", "y"),
        ]),
    );
    assert!(wanted.drifted(&same).is_empty());
    let other = Fingerprint::of("t2", "r2", None, &tags(&[("team", "y")]));
    assert_eq!(wanted.drifted(&other), ASPECTS);
    let tag_removed = Fingerprint::of("t", "r", Some(&policy), &Tags::new());
    assert_eq!(wanted.drifted(&tag_removed), ["Tags"]);
    // Splitting a tag differently is still a change.
    let split_a = Fingerprint::of("t", "r", None, &tags(&[("a", "b:c")]));
    let split_b = Fingerprint::of("t", "r", None, &tags(&[("a:b", "c")]));
    assert_eq!(split_a.drifted(&split_b), ["Tags"]);
}

fn strings(regions: &[&str]) -> Vec<String> {
    regions.iter().map(|r| (*r).to_owned()).collect()
}

#[test]
fn a_v1_value_parses_without_a_region_set() {
    let value = "v1 TargetArn=0123456789abcdef RoleArn=0123456789abcdef \
                 DestinationPolicy=0123456789abcdef Tags=0123456789abcdef";
    let print = Fingerprint::parse(value).expect("v1");
    assert_eq!(print.regions(), None);
    assert_eq!(print.tag_value(), value);
}

#[test]
fn each_form_of_the_region_set_round_trips_in_a_v2_value() {
    let base = Fingerprint::of("t", "r", None, &Tags::new());
    let many: Vec<String> = crate::partitions::PARTITIONS[0]
        .regions
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    for (regions, spec) in [
        (RequestedRegions::every(&[]), "all".to_owned()),
        (
            RequestedRegions::every(&strings(&["me-south-1", "ap-east-1"])),
            "all-except/ap-east-1/me-south-1".to_owned(),
        ),
        (
            RequestedRegions::listed(&strings(&["us-east-1", "eu-west-1"])),
            "eu-west-1/us-east-1".to_owned(),
        ),
        (
            RequestedRegions::listed(&strings(&["us-east-1"])),
            "us-east-1".to_owned(),
        ),
        (
            RequestedRegions::listed(&many),
            format!("n{}:{}", many.len(), RequestedRegions::digest_of(&many)),
        ),
    ] {
        let print = base.clone().with_regions(regions.clone());
        let value = print.tag_value();
        assert!(value.starts_with("v2 TargetArn="), "{value}");
        assert!(value.ends_with(&format!(" Regions={spec}")), "{value}");
        assert!(value.chars().count() <= MAX_TAG_CHARS, "{value}");
        assert!(value.chars().all(crate::properties::is_tag_char), "{value}");
        assert_eq!(Fingerprint::parse(&value), Some(print.clone()), "{value}");
        assert_eq!(print.regions(), Some(&regions));
        // The set is not drift of the destination.
        assert!(print.drifted(&base).is_empty());
    }
    assert_eq!(
        base.clone()
            .with_regions(RequestedRegions::every(&[]))
            .tag_value()
            .len()
            - "all".len(),
        PREFIX_CHARS
    );
}

#[test]
fn a_list_becomes_a_digest_only_when_it_would_not_fit() {
    let fits: Vec<String> = (0..9).map(|i| format!("ap-southeast-{i}")).collect();
    assert_eq!(fits.join("/").len(), 134);
    assert!(matches!(
        RequestedRegions::listed(&fits),
        RequestedRegions::Listed(_)
    ));
    let over: Vec<String> = (0..10).map(|i| format!("ap-southeast-{i}")).collect();
    let RequestedRegions::Digest { count, hash } = RequestedRegions::listed(&over) else {
        panic!("a digest");
    };
    assert_eq!(count, 10);
    // Of the sorted set, whatever the order given.
    let mut reversed = over.clone();
    reversed.reverse();
    assert_eq!(hash, RequestedRegions::digest_of(&reversed));
    assert_eq!(hash, super::hash(&over.join("/")));
}

#[test]
fn malformed_region_sets_are_not_read() {
    let base = Fingerprint::of("t", "r", None, &Tags::new()).tag_value();
    let aspects = base.strip_prefix("v1").expect("v1");
    for broken in [
        format!("v2{aspects}"),
        format!("v2{aspects} Regions="),
        format!("v2{aspects} Region=all"),
        format!("v2{aspects} Regions=everything"),
        format!("v2{aspects} Regions=us-east-1/eu-west-1"),
        format!("v2{aspects} Regions=all-except/"),
        format!("v2{aspects} Regions=n0:0123456789abcdef"),
        format!("v2{aspects} Regions=n3:0123"),
        format!("v2{aspects} Regions=all extra"),
        format!("v1{aspects} Regions=all"),
    ] {
        assert_eq!(Fingerprint::parse(&broken), None, "{broken}");
    }
}
