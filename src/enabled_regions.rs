//! Which Regions the function's own account has enabled, from the Account API's ListRegions:
//! what `Regions: "*"` expands to, and what the audit's coverage compares with.
//!
//! The Account API has one endpoint per partition (the SDK resolves it from the function's
//! Region), so the answer is the Regions of the function's partition. The client is built by
//! the first call: nothing here runs at start-up.

use crate::metrics::AwsCallCounter;
use crate::sdk_error::code_and_message;
use aws_sdk_account::types::RegionOptStatus;
use std::sync::{Arc, OnceLock};

/// The Account API's name for the call, as a Reason names it.
pub const LIST_REGIONS: &str = "ListRegions";
/// ListRegions' largest page (the API allows 1-50).
const PAGE_SIZE: i32 = 50;
/// More pages than any partition's Regions fill at [`PAGE_SIZE`]: a looping token ends here.
const MAX_PAGES: usize = 10;

/// The Account API's ListRegions for the caller's own account: Regions whose status is
/// ENABLED or ENABLED_BY_DEFAULT, sorted, all pages read.
#[derive(Clone, Debug)]
pub struct EnabledRegions {
    /// `None` once a client is given.
    config: Option<aws_config::SdkConfig>,
    client: Arc<OnceLock<aws_sdk_account::Client>>,
}

impl EnabledRegions {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        EnabledRegions {
            config: Some(config.clone()),
            client: Arc::default(),
        }
    }

    /// A client built elsewhere (tests, the command line).
    pub fn from_client(client: aws_sdk_account::Client) -> Self {
        EnabledRegions {
            config: None,
            client: Arc::new(OnceLock::from(client)),
        }
    }

    fn client(&self) -> &aws_sdk_account::Client {
        self.client.get_or_init(|| {
            // `from_client` fills the cell, so a configuration is always there.
            let config = self
                .config
                .clone()
                .unwrap_or_else(|| aws_config::SdkConfig::builder().build());
            aws_sdk_account::Client::from_conf(
                aws_sdk_account::config::Builder::from(&config)
                    .interceptor(AwsCallCounter)
                    .build(),
            )
        })
    }

    /// The enabled Regions, sorted. `Err` names the API and says what AWS answered.
    pub async fn list(&self) -> Result<Vec<String>, String> {
        let mut regions = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client()
                .list_regions()
                .max_results(PAGE_SIZE)
                .region_opt_status_contains(RegionOptStatus::Enabled)
                .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|error| {
                    let (code, message) = code_and_message(&error);
                    let code = code.map(|c| format!("{c}: ")).unwrap_or_default();
                    format!(
                        "{LIST_REGIONS} (the Account API, to expand Regions \"*\") failed: \
                         {code}{message}"
                    )
                })?;
            regions.extend(
                page.regions()
                    .iter()
                    .filter(|region| region.region_opt_status().is_some_and(is_enabled))
                    .filter_map(|region| region.region_name().map(str::to_owned)),
            );
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                regions.sort();
                regions.dedup();
                return Ok(regions);
            }
        }
        Err(format!(
            "{LIST_REGIONS} (the Account API, to expand Regions \"*\") kept answering with a \
             NextToken after {MAX_PAGES} pages"
        ))
    }
}

/// Whether a Region with this status can be called: enabled by the account or by default.
/// ENABLING and DISABLING are not (yet, or any longer).
pub fn is_enabled(status: &RegionOptStatus) -> bool {
    matches!(
        status,
        RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_account::operation::list_regions::ListRegionsOutput;
    use aws_sdk_account::types::Region;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn region(name: &str, status: RegionOptStatus) -> Region {
        Region::builder()
            .region_name(name)
            .region_opt_status(status)
            .build()
    }

    #[tokio::test]
    async fn every_page_is_read_and_only_enabled_regions_are_kept() {
        let first = mock!(aws_sdk_account::Client::list_regions)
            .match_requests(|input| input.next_token().is_none() && input.max_results() == Some(50))
            .then_output(|| {
                ListRegionsOutput::builder()
                    .regions(region("us-west-2", RegionOptStatus::EnabledByDefault))
                    .regions(region("ap-east-1", RegionOptStatus::Enabling))
                    .next_token("page-2")
                    .build()
            });
        let second = mock!(aws_sdk_account::Client::list_regions)
            .match_requests(|input| input.next_token() == Some("page-2"))
            .then_output(|| {
                ListRegionsOutput::builder()
                    .regions(region("me-south-1", RegionOptStatus::Disabled))
                    .regions(region("eu-south-1", RegionOptStatus::Enabled))
                    .regions(region("us-east-1", RegionOptStatus::EnabledByDefault))
                    .build()
            });
        let client = mock_client!(aws_sdk_account, RuleMode::Sequential, [&first, &second]);
        let listed = EnabledRegions::from_client(client).list().await;
        assert_eq!(
            listed,
            Ok(vec![
                "eu-south-1".to_owned(),
                "us-east-1".to_owned(),
                "us-west-2".to_owned()
            ])
        );
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_refusal_names_the_api_and_what_aws_said() {
        let refused = mock!(aws_sdk_account::Client::list_regions).then_error(|| {
            aws_sdk_account::operation::list_regions::ListRegionsError::generic(
                aws_sdk_account::error::ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform: account:ListRegions")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_account, [&refused]);
        let error = EnabledRegions::from_client(client)
            .list()
            .await
            .expect_err("refused");
        assert!(error.starts_with("ListRegions (the Account API"), "{error}");
        assert!(
            error.contains("AccessDeniedException: not authorized to perform: account:ListRegions"),
            "{error}"
        );
    }
}
