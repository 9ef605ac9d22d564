//! Typed, validated resource properties of `Custom::LogsDestination`.
//!
//! CloudFormation turns every scalar into a string (`true` arrives as `"true"`), YAML users write
//! policies inline while JSON users often pass a string, and a typo in a property name must not be
//! silently ignored. Everything here is checked before any AWS call, and every broken rule is
//! reported with the property's name as the user wrote it.

mod document;
mod grants;
mod lists;
mod names;
mod policy;
mod regions;
mod tags;

pub use document::Policy;
pub use grants::Grants;
pub use names::{is_taggable_name, is_valid_name, MAX_NAME_BYTES};
pub use regions::{
    is_region_code, partition_of, RegionChoice, EVERY_REGION, EXCLUDED_REGIONS, MAX_REGIONS,
};
pub use tags::{is_tag_char, MAX_USER_TAGS};

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Longest destination name CloudWatch Logs accepts.
pub const MAX_NAME_CHARS: usize = 512;
/// Longest access policy CloudWatch Logs accepts, in bytes.
pub const MAX_POLICY_BYTES: usize = 5120;
/// Tag keys with this prefix belong to the provider (the ownership marker).
pub const RESERVED_TAG_PREFIX: &str = "cfn-logs-destination:";

/// Properties CloudFormation adds itself; they are not ours to validate.
const CLOUDFORMATION_PROPERTIES: [&str; 2] = ["ServiceToken", "ServiceTimeout"];
const KNOWN_PROPERTIES: [&str; 14] = [
    "DestinationName",
    regions::REGIONS,
    regions::EXCLUDED_REGIONS,
    "TargetArn",
    "RoleArn",
    "DestinationPolicy",
    grants::ALLOWED_ACCOUNTS,
    grants::ALLOWED_ORGANIZATIONS,
    grants::ALLOWED_ORGANIZATION_PATHS,
    grants::ALLOW_ACCOUNT_LEVEL,
    "ForceUpdate",
    "Tags",
    "AdoptExisting",
    REVISION,
];

/// A property whose only purpose is to change: a new value makes CloudFormation send an
/// Update, which rewrites every aspect that drifted and takes the whole tag set over.
pub const REVISION: &str = "Revision";
const MAX_REVISION_CHARS: usize = 256;

/// The desired state of one destination, as the template describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct DestinationProperties {
    /// `None` when the template leaves the name to the provider.
    pub name: Option<String>,
    pub target_arn: String,
    pub role_arn: String,
    /// A hand-written `DestinationPolicy`.
    pub policy: Option<Policy>,
    /// Who may subscribe, when the policy is built (`Allowed*`); never set with `policy`.
    pub grants: Option<Grants>,
    pub force_update: bool,
    /// `Regions` (and `ExcludedRegions`).
    pub regions: RegionChoice,
    /// Take over an existing destination without an ownership tag (Create only).
    pub adopt_existing: bool,
    /// User tags only; the ownership marker is added by the lifecycle.
    pub tags: BTreeMap<String, String>,
    /// `Revision`: compared with the old properties' only.
    pub revision: Option<String>,
}

/// Every rule the properties broke, each naming its property.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyErrors(pub Vec<PropertyError>);

#[derive(Clone, Debug, PartialEq)]
pub struct PropertyError {
    /// The property as the user wrote it (`Tags[2].Key` for nested values).
    pub property: String,
    pub rule: String,
}

impl fmt::Display for PropertyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.property, self.rule)
    }
}

impl fmt::Display for PropertyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Invalid resource properties: ")?;
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PropertyErrors {}

/// Collects errors so that one reply can name every broken rule.
#[derive(Default)]
pub(crate) struct Checker {
    errors: Vec<PropertyError>,
}

impl Checker {
    pub(crate) fn fail(&mut self, property: impl Into<String>, rule: impl Into<String>) {
        self.errors.push(PropertyError {
            property: property.into(),
            rule: rule.into(),
        });
    }

    fn into_result<T>(self, value: T) -> Result<T, PropertyErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(PropertyErrors(self.errors))
        }
    }
}

/// Validates `ResourceProperties` (or `OldResourceProperties`).
pub fn parse(properties: &Value) -> Result<DestinationProperties, PropertyErrors> {
    let empty = Map::new();
    let map = match properties {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            return Err(PropertyErrors(vec![PropertyError {
                property: "ResourceProperties".into(),
                rule: "must be an object".into(),
            }]))
        }
    };
    let mut check = Checker::default();
    for key in map.keys() {
        if !KNOWN_PROPERTIES.contains(&key.as_str())
            && !CLOUDFORMATION_PROPERTIES.contains(&key.as_str())
        {
            check.fail(key.clone(), unknown_property_rule(key));
        }
    }

    let name = optional_string(&mut check, map, "DestinationName");
    if let Some(name) = &name {
        names::check_name(&mut check, name);
    }
    let target_arn = required_string(&mut check, map, "TargetArn");
    if let Some(arn) = &target_arn {
        names::check_arn(&mut check, "TargetArn", arn, None);
    }
    let role_arn = required_string(&mut check, map, "RoleArn");
    if let Some(arn) = &role_arn {
        names::check_arn(&mut check, "RoleArn", arn, Some(("iam", "role/")));
    }
    let policy_given = !is_absent(map.get("DestinationPolicy"));
    let policy = document::parse_policy(&mut check, map.get("DestinationPolicy"));
    let grants = grants::parse_grants(&mut check, map, policy_given);
    let force_update = parse_bool(&mut check, "ForceUpdate", map.get("ForceUpdate"));
    let adopt_existing = parse_bool(&mut check, "AdoptExisting", map.get("AdoptExisting"));
    let tags = tags::parse_tags(&mut check, map.get("Tags"));
    let regions = regions::parse_choice(&mut check, map);
    let revision = revision_of(&mut check, map);

    match (target_arn, role_arn) {
        (Some(target_arn), Some(role_arn)) if check.errors.is_empty() => {
            Ok(DestinationProperties {
                name,
                target_arn,
                role_arn,
                policy,
                grants,
                force_update,
                regions,
                adopt_existing,
                tags,
                revision,
            })
        }
        _ => Err(PropertyErrors(check.errors)),
    }
}

fn revision_of(check: &mut Checker, map: &Map<String, Value>) -> Option<String> {
    let revision = optional_string(check, map, REVISION)?;
    if revision.chars().count() > MAX_REVISION_CHARS {
        check.fail(
            REVISION,
            format!("must be at most {MAX_REVISION_CHARS} characters"),
        );
    }
    Some(revision)
}

/// `Revision` as written in (old) properties that may no longer parse; `None` when absent.
pub fn revision(properties: &Value) -> Option<String> {
    properties
        .get(REVISION)
        .filter(|value| !is_absent(Some(value)))
        .and_then(scalar_string)
}

/// Only the user tags, for an Update whose old properties may predate today's rules: the tag
/// diff needs them, while the rest of the old properties no longer matters.
pub fn parse_tags_only(properties: &Value) -> Option<BTreeMap<String, String>> {
    let mut check = Checker::default();
    let tags = tags::parse_tags(&mut check, properties.get("Tags"));
    check.errors.is_empty().then_some(tags)
}

/// `Regions` and `ExcludedRegions` on their own. A Delete needs only these of its properties.
pub fn parse_regions(properties: &Value) -> Result<RegionChoice, PropertyErrors> {
    let mut check = Checker::default();
    let empty = Map::new();
    let map = properties.as_object().unwrap_or(&empty);
    let choice = regions::parse_choice(&mut check, map);
    check.into_result(choice)
}

/// Whether the properties set a policy at all (by hand or built), valid or not.
pub fn has_policy(properties: &Value) -> bool {
    std::iter::once("DestinationPolicy")
        .chain(grants::GRANT_PROPERTIES)
        .any(|key| !is_absent(properties.get(key)))
}

impl DestinationProperties {
    /// The access policy for the destination `destination_arn`: the hand-written one, or the
    /// one built from the grants for that ARN; `Err` says why a built policy cannot be used.
    pub fn access_policy(&self, destination_arn: &str) -> Result<Option<Policy>, String> {
        match &self.grants {
            Some(grants) => grants.policy_for(destination_arn).map(Some),
            None => Ok(self.policy.clone()),
        }
    }

    /// Whether the access policy grants an organization (by ID or path): switching a policy
    /// from account principals to that needs `ForceUpdate`.
    pub fn grants_organizations(&self) -> bool {
        self.grants
            .as_ref()
            .is_some_and(|g| !g.organizations.is_empty() || !g.organization_paths.is_empty())
            || self
                .policy
                .as_ref()
                .is_some_and(|p| names_organization(&p.text))
    }
}

/// Whether a policy's text grants by organization (`aws:PrincipalOrgID` or
/// `aws:PrincipalOrgPaths`; condition keys are case-insensitive).
pub fn names_organization(policy_text: &str) -> bool {
    policy_text
        .to_ascii_lowercase()
        .contains("aws:principalorg")
}

fn unknown_property_rule(key: &str) -> String {
    let suggestion = KNOWN_PROPERTIES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(key));
    let known = KNOWN_PROPERTIES.join(", ");
    match suggestion {
        Some(known_key) => format!("is not a known property (did you mean {known_key}?)"),
        None => format!("is not a known property (known properties: {known})"),
    }
}

/// A scalar as CloudFormation sends it: strings stay, numbers and booleans become strings.
pub(crate) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An absent optional property; an empty string counts as absent, so that
/// `!If [Cond, value, ""]` works like `AWS::NoValue`.
pub(crate) fn is_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn optional_string(check: &mut Checker, map: &Map<String, Value>, key: &str) -> Option<String> {
    let value = map.get(key);
    if is_absent(value) {
        return None;
    }
    let value = value?;
    let text = scalar_string(value);
    if text.is_none() {
        check.fail(key, "must be a string");
    }
    text
}

fn required_string(check: &mut Checker, map: &Map<String, Value>, key: &str) -> Option<String> {
    if is_absent(map.get(key)) {
        check.fail(key, "is required");
        return None;
    }
    optional_string(check, map, key)
}

pub(crate) fn parse_bool(check: &mut Checker, key: &str, value: Option<&Value>) -> bool {
    if is_absent(value) {
        return false;
    }
    match value.and_then(scalar_string).as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("true") => true,
        Some(s) if s.eq_ignore_ascii_case("false") => false,
        _ => {
            check.fail(key, "must be true or false");
            false
        }
    }
}

/// Fixtures shared by the property tests of every submodule.
#[cfg(test)]
pub(crate) mod testing {
    use super::parse;
    use serde_json::{json, Value};

    pub fn valid() -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x",
            "TargetArn": "arn:aws:kinesis:us-east-1:123456789012:stream/logs",
            "RoleArn": "arn:aws:iam::123456789012:role/logs-to-kinesis",
        })
    }

    pub fn with(key: &str, value: Value) -> Value {
        let mut props = valid();
        props[key] = value;
        props
    }

    /// The broken rules alone, without the "Invalid resource properties: " prefix.
    pub fn rules<T>(result: Result<T, super::PropertyErrors>) -> Result<T, String> {
        result.map_err(|errors| {
            errors
                .0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    pub fn errors(props: Value) -> String {
        parse(&props)
            .expect_err("properties should be rejected")
            .to_string()
    }
}

#[cfg(test)]
mod tests;
