//! The fingerprint of what a destination was last written to be: one short hash per aspect
//! (`TargetArn`, `RoleArn`, `DestinationPolicy`, `Tags`), kept in one tag beside the ownership
//! tag, so that an audit can tell, without the template, which aspects changed since.
//!
//! One tag, not four: every tag counts toward CloudWatch Logs' 50, and the user keeps 48.
//! The hashes detect change; they are not a seal: whoever can edit the policy can usually
//! retag too (CloudTrail tells who did either).

use super::authority::Tags;
use crate::destinations::Destination;
use crate::properties::{Policy, RESERVED_TAG_PREFIX};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fingerprint tag's key (reserved: users cannot set it).
pub const FINGERPRINT_TAG: &str = "cfn-logs-destination:fingerprint";
/// The format's version, first in the value, so that a later format can be told apart.
const VERSION: &str = "v1";
/// Hex digits kept of each SHA-256 (64 bits: enough to notice a change).
const DIGITS: usize = 16;

/// The aspects, as the audit names them.
pub const ASPECTS: [&str; 4] = ["TargetArn", "RoleArn", "DestinationPolicy", "Tags"];

/// One hash per aspect, in the order of [`ASPECTS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint([String; 4]);

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
        Fingerprint([
            hash(target_arn),
            hash(role_arn),
            hash(&policy_text),
            hash(&tag_text),
        ])
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

    /// The tag value: `v1 TargetArn=HASH RoleArn=HASH DestinationPolicy=HASH Tags=HASH`
    /// (letters, digits, spaces and `=`, within a tag value's 256 characters).
    pub fn tag_value(&self) -> String {
        let mut value = VERSION.to_owned();
        for (aspect, hash) in ASPECTS.iter().zip(&self.0) {
            value.push_str(&format!(" {aspect}={hash}"));
        }
        value
    }

    /// A tag value written by [`Fingerprint::tag_value`]; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        let mut words = value.split(' ');
        if words.next() != Some(VERSION) {
            return None;
        }
        let mut hashes: [String; 4] = Default::default();
        for (slot, aspect) in hashes.iter_mut().zip(ASPECTS) {
            let (name, hash) = words.next()?.split_once('=')?;
            let well_formed = hash.len() == DIGITS && hash.bytes().all(|b| b.is_ascii_hexdigit());
            if name != aspect || !well_formed {
                return None;
            }
            *slot = hash.to_owned();
        }
        words.next().is_none().then_some(Fingerprint(hashes))
    }

    /// The aspects in which `actual` differs from this (the requested) fingerprint.
    pub fn drifted(&self, actual: &Fingerprint) -> Vec<&'static str> {
        ASPECTS
            .iter()
            .zip(self.0.iter().zip(&actual.0))
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
}
