//! What an audit invocation asks for (the audit itself is `crate::audit`): `{"Audit": {}}` or `{"Audit": {"Regions": [...]}}`,
//! and the function setting `AUDIT_REGIONS` that stands in when it names none.

use crate::properties::{is_region_code, partition_of, MAX_REGIONS};
use serde_json::Value;

/// The function setting: the Regions a plain `{"Audit": {}}` reads, comma-separated; empty
/// means the function's own Region.
pub const AUDIT_REGIONS: &str = "AUDIT_REGIONS";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRequest {
    /// `None`: the setting's Regions.
    pub regions: Option<Vec<String>>,
}

impl AuditRequest {
    /// The `Audit` member of an invocation payload.
    pub fn parse(audit: &Value) -> Result<AuditRequest, String> {
        let Value::Object(members) = audit else {
            return Err("Audit must be an object: {} or {\"Regions\": [...]}".into());
        };
        if let Some(other) = members.keys().find(|key| *key != "Regions") {
            return Err(format!(
                "Audit has the unknown member {other:?}; only Regions is known"
            ));
        }
        let regions = match members.get("Regions") {
            None | Some(Value::Null) => None,
            Some(Value::Array(list)) => {
                let names = list
                    .iter()
                    .map(|r| r.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("Audit.Regions must be a list of Region codes")?;
                Some(checked(names, "Audit.Regions")?)
            }
            Some(_) => return Err("Audit.Regions must be a list of Region codes".into()),
        };
        Ok(AuditRequest { regions })
    }

    /// The Regions to read: the request's, the setting's, or the function's own; all in the
    /// function's partition (its credentials work nowhere else).
    pub fn regions(&self, setting: Option<&str>, home: &str) -> Result<Vec<String>, String> {
        let regions = match (&self.regions, setting.map(str::trim)) {
            (Some(listed), _) if !listed.is_empty() => listed.clone(),
            (_, Some(setting)) if !setting.is_empty() => regions_setting(setting)?,
            _ => vec![home.to_owned()],
        };
        let partition = partition_of(home);
        match regions.iter().find(|r| partition_of(r) != partition) {
            Some(foreign) => Err(format!(
                "Region {foreign} is not in the function's partition ({partition}); the \
                 function's credentials cannot read it"
            )),
            None => Ok(regions),
        }
    }
}

/// `AUDIT_REGIONS`: comma-separated Region codes.
pub fn regions_setting(setting: &str) -> Result<Vec<String>, String> {
    region_list(setting, AUDIT_REGIONS)
}

/// Comma-separated Region codes, from `what` (a setting, or the flag the user typed).
pub fn region_list(list: &str, what: &str) -> Result<Vec<String>, String> {
    let names = list
        .split(',')
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    checked(names, what)
}

fn checked(names: Vec<String>, what: &str) -> Result<Vec<String>, String> {
    let mut regions: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        if !is_region_code(&name) {
            let hint = crate::partitions::closest_region(&name, crate::partitions::extra_regions())
                .map(|near| format!("; did you mean {near}?"))
                .unwrap_or_default();
            return Err(format!(
                "{what} must hold Region codes such as us-east-1 (got {name:?}{hint})"
            ));
        }
        if let Some(problem) = crate::partitions::unknown_region(&name) {
            return Err(format!("{what} {problem}"));
        }
        if !regions.contains(&name) {
            regions.push(name);
        }
    }
    if regions.len() > MAX_REGIONS {
        return Err(format!(
            "{what} must name at most {MAX_REGIONS} Regions (got {})",
            regions.len()
        ));
    }
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_request_names_regions_or_leaves_them_to_the_setting() {
        let plain = AuditRequest::parse(&json!({})).expect("valid");
        assert_eq!(
            plain.regions(None, "us-east-1"),
            Ok(vec!["us-east-1".into()])
        );
        assert_eq!(
            plain.regions(Some(" eu-west-1, us-east-1 ,"), "us-east-1"),
            Ok(vec!["eu-west-1".into(), "us-east-1".into()])
        );
        let listed =
            AuditRequest::parse(&json!({"Regions": ["ap-south-1", "ap-south-1"]})).expect("valid");
        assert_eq!(
            listed.regions(Some("eu-west-1"), "us-east-1"),
            Ok(vec!["ap-south-1".into()])
        );
    }

    #[test]
    fn anything_else_is_refused_naming_it() {
        for (audit, expected) in [
            (json!([]), "must be an object"),
            (
                json!({"Region": ["us-east-1"]}),
                "unknown member \"Region\"",
            ),
            (json!({"Regions": "us-east-1"}), "must be a list"),
            (json!({"Regions": [1]}), "must be a list"),
            (json!({"Regions": ["US-EAST-1"]}), "\"US-EAST-1\""),
        ] {
            let problem = AuditRequest::parse(&audit).expect_err("refused");
            assert!(problem.contains(expected), "{audit}: {problem}");
        }
        let foreign = AuditRequest::parse(&json!({"Regions": ["cn-north-1"]}))
            .expect("valid codes")
            .regions(None, "us-east-1")
            .expect_err("another partition");
        assert!(foreign.contains("cn-north-1"), "{foreign}");
        assert!(regions_setting("us-east-1,nowhere").is_err());
        let typo = region_list("us-east1", "--regions").expect_err("not a code");
        assert!(typo.starts_with("--regions must hold"), "{typo}");
        assert!(typo.contains("did you mean us-east-1?"), "{typo}");
        let unknown = regions_setting("eu-wst-1").expect_err("unknown");
        assert!(
            unknown.starts_with("AUDIT_REGIONS names \"eu-wst-1\""),
            "{unknown}"
        );
        assert!(unknown.contains("did you mean eu-west-1?"), "{unknown}");
    }
}
