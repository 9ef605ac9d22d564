//! What a preview invocation asks for (the preview itself is `crate::preview`):
//! `{"Preview": {"ChangeSet": "arn:...:changeSet/NAME/ID"}}`.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewRequest {
    /// The change set's ARN.
    pub change_set: String,
}

impl PreviewRequest {
    /// The `Preview` member of an invocation payload. Only a change set is taken: properties
    /// given by hand would let anyone who may invoke the function ask about any destination
    /// name, while a change set exists only where someone could create it.
    pub fn parse(preview: &Value) -> Result<PreviewRequest, String> {
        let Value::Object(members) = preview else {
            return Err("Preview must be an object: {\"ChangeSet\": \"ARN\"}".into());
        };
        if let Some(other) = members.keys().find(|key| *key != "ChangeSet") {
            return Err(format!(
                "Preview has the unknown member {other:?}; only ChangeSet (a change set's ARN) \
                 is known"
            ));
        }
        let change_set = members
            .get("ChangeSet")
            .and_then(Value::as_str)
            .filter(|arn| arn.starts_with("arn:") && arn.contains(":changeSet/"))
            .ok_or(
                "Preview.ChangeSet must be a change set's ARN \
                 (arn:PARTITION:cloudformation:REGION:ACCOUNT:changeSet/NAME/ID)",
            )?;
        Ok(PreviewRequest {
            change_set: change_set.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_set_arn_and_nothing_else() {
        let arn = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs/1";
        assert_eq!(
            PreviewRequest::parse(&json!({"ChangeSet": arn})),
            Ok(PreviewRequest {
                change_set: arn.into()
            })
        );
        for (preview, expected) in [
            (json!("x"), "must be an object"),
            (json!({}), "must be a change set's ARN"),
            (json!({"ChangeSet": "cs"}), "must be a change set's ARN"),
            (
                json!({"ChangeSet": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"}),
                "must be a change set's ARN",
            ),
            (
                json!({"ChangeSet": arn, "Properties": {}}),
                "unknown member \"Properties\"",
            ),
        ] {
            let problem = PreviewRequest::parse(&preview).expect_err("refused");
            assert!(problem.contains(expected), "{preview}: {problem}");
        }
    }
}
