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
#[path = "fingerprint_tests.rs"]
mod tests;
