//! The invoked function's ARN, as Lambda gives it. Local runners send a placeholder instead:
//! cargo-lambda's `function-arn`, and the runtime interface emulator behind `sam local` a
//! fixed `arn:aws:lambda:us-east-1:012345678912:function:NAME` whatever the Region. There the
//! Region and partition come from `AWS_REGION`, and the account from STS GetCallerIdentity,
//! asked once per process, on the first request that needs it (never at start-up: on Lambda
//! the ARN is real and no call is made).

use crate::lifecycle::Home;
use crate::partitions::partition_of;
use crate::sdk_error;
use aws_config::SdkConfig;
use std::sync::Mutex;

/// The account the runtime interface emulator puts in every ARN.
const EMULATOR_ACCOUNT: &str = "012345678912";

#[derive(Debug, Default)]
pub struct InvokedArn {
    /// Where STS is asked; `None` leaves placeholders as they are.
    config: Option<SdkConfig>,
    account: Mutex<Option<String>>,
}

impl InvokedArn {
    pub fn new(config: SdkConfig) -> InvokedArn {
        InvokedArn {
            config: Some(config),
            account: Mutex::new(None),
        }
    }

    /// Whether `arn` is a local runner's stand-in rather than a function's ARN.
    pub fn is_placeholder(arn: &str) -> bool {
        Home::of(arn).is_none_or(|home| home.account == EMULATOR_ACCOUNT)
    }

    /// `arn` itself, or for a placeholder the ARN Lambda would have given. When that cannot
    /// be known (no Region, STS unreachable), the placeholder, and a log line that says why.
    pub async fn resolve(&self, arn: &str) -> String {
        if !Self::is_placeholder(arn) {
            return arn.to_owned();
        }
        let Some(region) = env_region() else {
            tracing::warn!(
                function_arn = arn,
                "a local run's function ARN is a placeholder and no AWS_REGION is set"
            );
            return arn.to_owned();
        };
        let account = match self.account().await {
            Ok(account) => account,
            Err(problem) => {
                tracing::warn!(
                    function_arn = arn,
                    problem,
                    "a local run's function ARN is a placeholder and the account is unknown"
                );
                return arn.to_owned();
            }
        };
        let name = env_value("AWS_LAMBDA_FUNCTION_NAME")
            .or_else(|| arn.rsplit(':').next().map(str::to_owned))
            .unwrap_or_default();
        local_arn(&region, &account, &name)
    }

    async fn account(&self) -> Result<String, String> {
        if let Some(account) = self.account.lock().ok().and_then(|known| known.clone()) {
            return Ok(account);
        }
        let config = self.config.as_ref().ok_or("no AWS configuration")?;
        let answer = aws_sdk_sts::Client::new(config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| {
                let (code, message) = sdk_error::code_and_message(&error);
                format!(
                    "STS GetCallerIdentity failed: {}{message}",
                    code.map(|c| format!("{c}: ")).unwrap_or_default()
                )
            })?;
        let account = answer
            .account()
            .filter(|a| !a.is_empty())
            .ok_or("STS GetCallerIdentity named no account")?
            .to_owned();
        if let Ok(mut known) = self.account.lock() {
            *known = Some(account.clone());
        }
        Ok(account)
    }
}

/// The ARN Lambda gives a function named `name` in `region` of `account`.
fn local_arn(region: &str, account: &str, name: &str) -> String {
    let name = if name.is_empty() { "local" } else { name };
    format!(
        "arn:{}:lambda:{region}:{account}:function:{name}",
        partition_of(region)
    )
}

/// A non-empty environment variable (a setting left empty in a template counts as unset).
pub fn env_value(key: &str) -> Option<String> {
    std::env::var(key)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// The Region the runtime (or a local runner) names in the environment.
pub fn env_region() -> Option<String> {
    env_value("AWS_REGION").or_else(|| env_value("AWS_DEFAULT_REGION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_runners_placeholders_are_recognised_and_real_arns_kept() {
        assert!(InvokedArn::is_placeholder("function-arn"));
        assert!(InvokedArn::is_placeholder(""));
        assert!(InvokedArn::is_placeholder(
            "arn:aws:lambda:us-east-1:012345678912:function:LogsDestinationFunction"
        ));
        assert!(!InvokedArn::is_placeholder(
            "arn:aws:lambda:eu-west-1:123456789012:function:cfn-logs-destination"
        ));
    }

    #[test]
    fn the_local_arn_is_in_the_regions_partition() {
        assert_eq!(
            local_arn("cn-north-1", "123456789012", "f"),
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f"
        );
        assert_eq!(
            local_arn("eu-west-1", "123456789012", ""),
            "arn:aws:lambda:eu-west-1:123456789012:function:local"
        );
    }

    #[tokio::test]
    async fn a_real_arn_needs_no_call() {
        let invoked = InvokedArn::default();
        let arn = "arn:aws:lambda:eu-west-1:123456789012:function:f";
        assert_eq!(invoked.resolve(arn).await, arn);
    }
}
