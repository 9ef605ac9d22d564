//! The fingerprint of what a destination was last written to be: one short hash per aspect
//! (`TargetArn`, `RoleArn`, `DestinationPolicy`, `Tags`), kept in one tag beside the ownership
//! tag, so that an audit can tell, without the template, which aspects changed since.
//!
//! One tag, not four: every tag counts toward CloudWatch Logs' 50, and the user keeps 48.
//! The hashes detect change; they are not a seal: whoever can edit the policy can usually
//! retag too (CloudTrail tells who did either).
//!
//! Format v2 adds the Region set the resource asked for (`Regions=SPEC`, see
//! [`RequestedRegions`]), so that the audit can tell a Region the resource should cover but
//! does not. v1 values (without it) still parse.

use super::authority::Tags;
use crate::destinations::Destination;
use crate::properties::{Policy, RESERVED_TAG_PREFIX};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fingerprint tag's key (reserved: users cannot set it).
pub const FINGERPRINT_TAG: &str = "cfn-logs-destination:fingerprint";
/// The format's version, first in the value, so that a later format can be told apart: v1
/// has the four aspects, v2 the Region set as well.
const VERSION_1: &str = "v1";
const VERSION_2: &str = "v2";
/// Hex digits kept of each SHA-256 (64 bits: enough to notice a change).
const DIGITS: usize = 16;
/// A tag value's limit (CloudWatch Logs).
const MAX_TAG_CHARS: usize = 256;
/// The Region set's word in a v2 value.
const REGIONS_WORD: &str = "Regions";
/// A v2 value before its Region set: `v2`, the four hashes and ` Regions=`.
pub const PREFIX_CHARS: usize = 120;
/// The most a Region set's spelled-out SPEC may take: what a tag value leaves after
/// [`PREFIX_CHARS`].
pub const MAX_SPEC_CHARS: usize = MAX_TAG_CHARS - PREFIX_CHARS;

/// The aspects, as the audit names them.
pub const ASPECTS: [&str; 4] = ["TargetArn", "RoleArn", "DestinationPolicy", "Tags"];

/// The Region set a resource asked for, as its destinations' fingerprint carries it
/// (`Regions=SPEC`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestedRegions {
    /// `Regions: "*"`: every enabled Region but `excluded` (sorted). SPEC `all`, or
    /// `all-except/ap-east-1/me-south-1`.
    Every { excluded: Vec<String> },
    /// These Regions (sorted); the function's own Region when `Regions` is absent. SPEC
    /// `eu-west-1/us-east-1`.
    Listed(Vec<String>),
    /// A list whose SPEC would not fit in the tag: its count and [`Self::digest_of`] it. SPEC
    /// `n14:0123456789abcdef`.
    Digest { count: usize, hash: String },
}

impl RequestedRegions {
    /// Every enabled Region but `excluded` (in any order).
    pub fn every(excluded: &[String]) -> Self {
        RequestedRegions::Every {
            excluded: sorted(excluded),
        }
    }

    /// A list (in any order): [`Self::Listed`], or [`Self::Digest`] when its SPEC would not
    /// fit in the tag.
    pub fn listed(regions: &[String]) -> Self {
        let regions = sorted(regions);
        let spec = regions.join("/");
        if spec.len() <= MAX_SPEC_CHARS {
            RequestedRegions::Listed(regions)
        } else {
            RequestedRegions::Digest {
                count: regions.len(),
                hash: RequestedRegions::digest_of(&regions),
            }
        }
    }

    /// The first 16 hex digits of SHA-256 over the sorted Regions joined by `/`.
    pub fn digest_of(regions: &[String]) -> String {
        hash(&sorted(regions).join("/"))
    }

    /// The SPEC word's value.
    pub fn spec(&self) -> String {
        match self {
            RequestedRegions::Every { excluded } if excluded.is_empty() => "all".to_owned(),
            RequestedRegions::Every { excluded } => format!("all-except/{}", excluded.join("/")),
            RequestedRegions::Listed(regions) => regions.join("/"),
            RequestedRegions::Digest { count, hash } => format!("n{count}:{hash}"),
        }
    }

    /// A SPEC written by [`Self::spec`]; `None` for anything else.
    pub fn parse(spec: &str) -> Option<Self> {
        let codes = |text: &str| -> Option<Vec<String>> {
            let regions: Vec<String> = text.split('/').map(str::to_owned).collect();
            let well_formed = regions.iter().all(|r| crate::properties::is_region_code(r))
                && regions.windows(2).all(|pair| pair[0] < pair[1]);
            well_formed.then_some(regions)
        };
        if spec == "all" {
            return Some(RequestedRegions::Every {
                excluded: Vec::new(),
            });
        }
        if let Some(excluded) = spec.strip_prefix("all-except/") {
            return Some(RequestedRegions::Every {
                excluded: codes(excluded)?,
            });
        }
        if let Some((count, hash)) = spec.strip_prefix('n').and_then(|s| s.split_once(':')) {
            let count = count.parse().ok().filter(|n| *n > 0)?;
            let well_formed = hash.len() == DIGITS && hash.bytes().all(|b| b.is_ascii_hexdigit());
            return well_formed.then(|| RequestedRegions::Digest {
                count,
                hash: hash.to_owned(),
            });
        }
        codes(spec).map(RequestedRegions::Listed)
    }
}

fn sorted(regions: &[String]) -> Vec<String> {
    let mut regions = regions.to_vec();
    regions.sort();
    regions.dedup();
    regions
}

/// One hash per aspect, in the order of [`ASPECTS`], and the Region set the resource asked
/// for (`None`: a v1 value, written before the set was kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    hashes: [String; 4],
    regions: Option<RequestedRegions>,
}

impl Fingerprint {
    /// Of a destination that has `target_arn`, `role_arn`, the access policy `policy` (`None`:
    /// none) and the user tags `tags` (the provider's own and AWS's are left out).
    pub fn of(target_arn: &str, role_arn: &str, policy: Option<&Value>, tags: &Tags) -> Self {
        let mut policy_text = String::new();
        if let Some(document) = policy {
            canonical(document, &mut policy_text);
        }
        let mut tag_text = String::new();
        for (key, value) in user_tags(tags) {
            // Lengths first, so that no two tag sets read the same.
            tag_text.push_str(&format!("{}:{key}{}:{value};", key.len(), value.len()));
        }
        Fingerprint {
            hashes: [
                hash(target_arn),
                hash(role_arn),
                hash(&policy_text),
                hash(&tag_text),
            ],
            regions: None,
        }
    }

    /// This fingerprint with the resource's requested Region set (written as v2).
    pub fn with_regions(mut self, regions: RequestedRegions) -> Self {
        self.regions = Some(regions);
        self
    }

    /// The Region set the resource asked for; `None` for a v1 value.
    pub fn regions(&self) -> Option<&RequestedRegions> {
        self.regions.as_ref()
    }

    /// Of a destination as CloudWatch Logs reports it. A policy that is not a JSON object is
    /// hashed as written (it can only differ from what was requested).
    pub fn observed(destination: &Destination, tags: &Tags) -> Self {
        Fingerprint::of(
            &destination.target_arn,
            &destination.role_arn,
            policy_document(destination).as_ref(),
            tags,
        )
    }

    /// The tag value: `v2 TargetArn=HASH RoleArn=HASH DestinationPolicy=HASH Tags=HASH
    /// Regions=SPEC` (letters, digits, spaces and `= / : -`, within a tag value's 256
    /// characters); without a Region set, the v1 value (the same without `Regions`).
    pub fn tag_value(&self) -> String {
        let version = if self.regions.is_some() {
            VERSION_2
        } else {
            VERSION_1
        };
        let mut value = version.to_owned();
        for (aspect, hash) in ASPECTS.iter().zip(&self.hashes) {
            value.push_str(&format!(" {aspect}={hash}"));
        }
        if let Some(regions) = &self.regions {
            value.push_str(&format!(" {REGIONS_WORD}={}", regions.spec()));
        }
        value
    }

    /// A tag value written by [`Fingerprint::tag_value`] (v1 or v2); `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        let mut words = value.split(' ');
        let v2 = match words.next()? {
            VERSION_1 => false,
            VERSION_2 => true,
            _ => return None,
        };
        let mut hashes: [String; 4] = Default::default();
        for (slot, aspect) in hashes.iter_mut().zip(ASPECTS) {
            let (name, hash) = words.next()?.split_once('=')?;
            let well_formed = hash.len() == DIGITS && hash.bytes().all(|b| b.is_ascii_hexdigit());
            if name != aspect || !well_formed {
                return None;
            }
            *slot = hash.to_owned();
        }
        let regions = if v2 {
            match words.next()?.split_once('=')? {
                (REGIONS_WORD, spec) => Some(RequestedRegions::parse(spec)?),
                _ => return None,
            }
        } else {
            None
        };
        words
            .next()
            .is_none()
            .then_some(Fingerprint { hashes, regions })
    }

    /// The aspects in which `actual` differs from this (the requested) fingerprint. The
    /// Region set is not an aspect: it is the resource's, not one destination's.
    pub fn drifted(&self, actual: &Fingerprint) -> Vec<&'static str> {
        ASPECTS
            .iter()
            .zip(self.hashes.iter().zip(&actual.hashes))
            .filter(|(_, (wanted, found))| wanted != found)
            .map(|(aspect, _)| *aspect)
            .collect()
    }
}

/// A destination's access policy as a document (`None`: it has none).
pub fn policy_document(destination: &Destination) -> Option<Value> {
    let text = destination
        .access_policy
        .as_deref()
        .filter(|text| !text.trim().is_empty())?;
    Some(Policy::from_text(text).map_or_else(|| Value::String(text.to_owned()), |p| p.document))
}

/// The tags a user sets: not the provider's (`cfn-logs-destination:`), not AWS's (`aws:`).
pub fn user_tags(tags: &Tags) -> impl Iterator<Item = (&String, &String)> {
    tags.iter()
        .filter(|(key, _)| !key.starts_with(RESERVED_TAG_PREFIX) && !key.starts_with("aws:"))
}

fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(DIGITS / 2)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// JSON with object keys sorted at every level and no whitespace: equal documents, however
/// written or reordered by AWS, give the same text.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    canonical(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
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
        let reordered: Value = serde_json::from_str(
            r#"{ "Statement": [ {"Effect":"Allow"} ], "Version":"2012-10-17" }"#,
        )
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
}
