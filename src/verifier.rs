//! Another account's CloudFormation answers only that account's credentials. A stack of a
//! trusted account is checked through a role there (`VERIFIER_ROLE_NAME`, allowed only the
//! Describe calls) that this function assumes with STS. One CloudFormation client per account
//! and Region, kept for the life of the process: its credentials are cached until shortly
//! before they expire, so only the first request of an account pays the AssumeRole.

use crate::metrics::AwsCallCounter;
use crate::stacks::Stacks;
use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The function setting naming the role to assume in a trusted account.
pub const VERIFIER_ROLE_NAME: &str = "VERIFIER_ROLE_NAME";
/// Its default: the role `examples/trusted-account-verifier.yaml` makes.
pub const DEFAULT_VERIFIER_ROLE: &str = "cfn-logs-destination-verifier";

/// How this function reaches a trusted account's CloudFormation.
#[derive(Clone, Debug)]
pub struct Verifier {
    config: SdkConfig,
    role_name: String,
    /// `(account, Region)` → a client whose credentials are the assumed role's.
    clients: Arc<Mutex<HashMap<(String, String), Stacks>>>,
}

impl Verifier {
    pub fn new(config: &SdkConfig, role_name: &str) -> Verifier {
        Verifier {
            config: config.clone(),
            role_name: role_name.to_owned(),
            clients: Arc::default(),
        }
    }

    /// The setting from the environment; a malformed one fails the function's start.
    pub fn from_env(config: &SdkConfig) -> Result<Verifier, String> {
        let setting = std::env::var(VERIFIER_ROLE_NAME).unwrap_or_default();
        let name = match setting.trim() {
            "" => DEFAULT_VERIFIER_ROLE,
            name => name,
        };
        if !is_role_name(name) {
            return Err(format!(
                "{VERIFIER_ROLE_NAME} must be an IAM role name (1-64 letters, digits and \
                 +=,.@_-), not {name:?}"
            ));
        }
        Ok(Verifier::new(config, name))
    }

    /// The role assumed in `account`.
    pub fn role_arn(&self, partition: &str, account: &str) -> String {
        format!("arn:{partition}:iam::{account}:role/{}", self.role_name)
    }

    /// CloudFormation of `account` in `region`, as the verifier role there sees it. No call is
    /// made here: the role is assumed by the first call, and a role that cannot be assumed
    /// fails that call.
    pub async fn stacks(&self, partition: &str, account: &str, region: &str) -> Stacks {
        let key = (account.to_owned(), region.to_owned());
        if let Some(stacks) = self.cached(&key) {
            return stacks;
        }
        let credentials = AssumeRoleProvider::builder(self.role_arn(partition, account))
            .session_name("cfn-logs-destination")
            .configure(&self.config)
            .build()
            .await;
        let client = aws_sdk_cloudformation::Client::from_conf(
            aws_sdk_cloudformation::config::Builder::from(&self.config)
                .credentials_provider(credentials)
                .region(aws_sdk_cloudformation::config::Region::new(
                    region.to_owned(),
                ))
                .interceptor(AwsCallCounter)
                .build(),
        );
        let stacks = Stacks::new(client);
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.entry(key).or_insert(stacks).clone()
    }

    fn cached(&self, key: &(String, String)) -> Option<Stacks> {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.get(key).cloned()
    }
}

/// IAM's role name rule: `[\w+=,.@-]{1,64}`.
fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_is_named_by_the_setting_in_the_stacks_account_and_partition() {
        let config = SdkConfig::builder().build();
        let verifier = Verifier::new(&config, DEFAULT_VERIFIER_ROLE);
        assert_eq!(
            verifier.role_arn("aws-cn", "444455556666"),
            "arn:aws-cn:iam::444455556666:role/cfn-logs-destination-verifier"
        );
        for good in ["cfn-logs-destination-verifier", "a", "x+=,.@_-9"] {
            assert!(is_role_name(good), "{good}");
        }
        for bad in ["", "role/path", "has space", "é", &"x".repeat(65)] {
            assert!(!is_role_name(bad), "{bad}");
        }
    }
}
