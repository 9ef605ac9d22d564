//! Which requests this function serves: one binary, deployed twice. The custom resource
//! function answers CloudFormation (directly, through SNS, or the CDK provider framework); the
//! provisioning function answers only its EventBridge rule.
//!
//! Apart, each can be invoked only by whom it is meant for: a deployer of any stack holds
//! `lambda:InvokeFunction` on the custom resource function (CloudFormation invokes it with the
//! deployer's credentials), and an EventBridge-shaped payload sent there directly would skip
//! the provisioning bus's policy. Refused shapes get no reply and cause no AWS call.

use crate::event::Incoming;

/// The function setting: `custom-resource` (the default) or `provisioning`.
pub const MODE: &str = "CFN_LOGS_DESTINATION_MODE";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    CustomResource,
    Provisioning,
}

impl Mode {
    /// The setting's value; unset or blank is the custom resource. Anything else is an error:
    /// a typo must not quietly make a provisioning function answer CloudFormation.
    pub fn from_setting(value: Option<&str>) -> Result<Mode, String> {
        match value.map(str::trim) {
            None | Some("" | "custom-resource") => Ok(Mode::CustomResource),
            Some("provisioning") => Ok(Mode::Provisioning),
            Some(other) => Err(format!(
                "{MODE} is {other:?}: it must be custom-resource (the default) or provisioning"
            )),
        }
    }

    /// The process's setting.
    pub fn from_env() -> Result<Mode, String> {
        Mode::from_setting(std::env::var(MODE).ok().as_deref())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::CustomResource => "custom-resource",
            Mode::Provisioning => "provisioning",
        }
    }

    /// Refuses what the other function serves. Unrecognised payloads pass: they are refused
    /// by name further on.
    pub fn admits(self, incoming: &Incoming) -> Result<(), String> {
        let refused = match (self, incoming) {
            (_, Incoming::Unrecognised(_)) => None,
            (Mode::CustomResource, Incoming::EventBridge(_)) => Some(
                "an EventBridge provisioning event; provisioning has a function of its own, \
                 which only its EventBridge rule may invoke",
            ),
            (Mode::Provisioning, Incoming::EventBridge(_)) | (Mode::CustomResource, _) => None,
            // The audit needs CloudFormation's view of the stacks, which only the custom
            // resource function's role may read.
            (Mode::Provisioning, Incoming::Audit(_)) => Some(
                "an audit; the custom resource function audits every destination of this \
                 provider, provisioning's included",
            ),
            // The preview reads change sets, which only the custom resource function's role may.
            (Mode::Provisioning, Incoming::Preview(_)) => Some(
                "a preview; the custom resource function previews change sets of its own \
                 account and Region",
            ),
            (Mode::Provisioning, Incoming::Provider(_)) => {
                Some("a CDK provider-framework request; use the custom resource function")
            }
            (Mode::Provisioning, Incoming::Sns(_)) => {
                Some("an SNS notification; use the custom resource function")
            }
            (Mode::Provisioning, Incoming::CloudFormation(_) | Incoming::Malformed { .. }) => Some(
                "a CloudFormation custom resource request (not answered: its ResponseURL is \
                 not called); use the custom resource function's ServiceToken",
            ),
        };
        match refused {
            None => Ok(()),
            Some(what) => Err(format!(
                "Refused: this function ({MODE}={}) does not serve {what}. Nothing was done",
                self.as_str()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::classify;
    use serde_json::json;

    fn create() -> serde_json::Value {
        json!({"RequestType": "Create", "ResponseURL": "http://127.0.0.1/r",
               "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
               "RequestId": "r", "ResourceType": "Custom::LogsDestination",
               "LogicalResourceId": "D", "ResourceProperties": {}})
    }

    #[test]
    fn the_setting_is_one_of_two_values() {
        assert_eq!(Mode::from_setting(None), Ok(Mode::CustomResource));
        assert_eq!(Mode::from_setting(Some(" ")), Ok(Mode::CustomResource));
        assert_eq!(
            Mode::from_setting(Some("provisioning")),
            Ok(Mode::Provisioning)
        );
        let typo = Mode::from_setting(Some("provision")).expect_err("refused");
        assert!(
            typo.contains(MODE) && typo.contains("\"provision\""),
            "{typo}"
        );
    }

    #[test]
    fn each_mode_refuses_the_others_shapes() {
        let eventbridge = classify(json!({"detail-type": "LogsDestination", "detail": {
            "RequestType": "Create", "ResourceProperties": {}}}));
        let mut provider = create();
        provider.as_object_mut().map(|o| o.remove("ResponseURL"));
        let sns = json!({"Records": [{"Sns": {"Message": create().to_string()}}]});
        let cloudformation = [classify(create()), classify(provider), classify(sns)];

        assert!(Mode::Provisioning.admits(&eventbridge).is_ok());
        let refused = Mode::CustomResource
            .admits(&eventbridge)
            .expect_err("refused");
        assert!(refused.contains("EventBridge"), "{refused}");
        for incoming in &cloudformation {
            assert!(Mode::CustomResource.admits(incoming).is_ok());
            let refused = Mode::Provisioning.admits(incoming).expect_err("refused");
            assert!(refused.contains("=provisioning)"), "{refused}");
        }
        let audit = classify(json!({"Audit": {}}));
        assert!(Mode::CustomResource.admits(&audit).is_ok());
        let refused = Mode::Provisioning.admits(&audit).expect_err("refused");
        assert!(refused.contains("an audit"), "{refused}");
        let preview = classify(json!({"Preview": {
            "ChangeSet": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1"}}));
        assert!(Mode::CustomResource.admits(&preview).is_ok());
        let refused = Mode::Provisioning.admits(&preview).expect_err("refused");
        assert!(refused.contains("a preview"), "{refused}");
        let unknown = classify(json!({"hello": "world"}));
        assert!(Mode::Provisioning.admits(&unknown).is_ok());
    }
}
