//! The audit's listing of every destination in a Region (the lookups above list by name).

use super::{incomplete_listing, AwsError, Destination, Destinations};
use std::future::Future;

/// The audit's listing of every destination follows at most this many pages of 50.
const MAX_LISTING_PAGES: usize = 200;

impl Destinations {
    /// Every destination in the client's Region, page by page (`before_page` runs before
    /// each, to pace the calls). A listing cut short (too many pages, a token served twice)
    /// is an error: an audit must not report on part of a Region as if it were all of it.
    pub async fn list_all<F, Fut>(&self, before_page: F) -> Result<Vec<Destination>, AwsError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        const ALL: &str = "(every destination)";
        let mut token: Option<String> = None;
        let mut seen_tokens: Vec<String> = Vec::new();
        let mut listed = Vec::new();
        for _ in 0..MAX_LISTING_PAGES {
            before_page().await;
            let page = self
                .call("DescribeDestinations", ALL, || {
                    self.client
                        .describe_destinations()
                        .limit(50)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            listed.extend(page.destinations().iter().filter_map(|d| {
                d.destination_name()
                    .map(|name| Destination::from_sdk(d, name))
            }));
            let Some(next) = page.next_token() else {
                return Ok(listed);
            };
            if seen_tokens.iter().any(|seen| seen == next) {
                return Err(incomplete_listing(
                    ALL,
                    "a nextToken came back a second time",
                ));
            }
            seen_tokens.push(next.to_owned());
            token = Some(next.to_owned());
        }
        Err(incomplete_listing(
            ALL,
            &format!("more than {MAX_LISTING_PAGES} pages"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destinations::tests::client;
    use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput;
    use aws_sdk_cloudwatchlogs::types::Destination as SdkDestination;
    use aws_sdk_cloudwatchlogs::Client;
    use aws_smithy_mocks::mock;

    fn page(names: &[&str], token: Option<&str>) -> DescribeDestinationsOutput {
        let destinations = names
            .iter()
            .map(|name| SdkDestination::builder().destination_name(*name).build())
            .collect();
        DescribeDestinationsOutput::builder()
            .set_destinations(Some(destinations))
            .set_next_token(token.map(str::to_owned))
            .build()
    }

    #[tokio::test]
    async fn every_page_is_read_and_a_repeated_token_is_an_error() {
        let rule = mock!(Client::describe_destinations)
            .sequence()
            .output(|| page(&["a", "b"], Some("t1")))
            .output(|| page(&["c"], None))
            .build();
        let logs = Destinations::new(client(&rule));
        let paced = std::sync::atomic::AtomicUsize::new(0);
        let listed = logs
            .list_all(|| async {
                paced.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
            .await
            .expect("listed");
        let names: Vec<&str> = listed.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(paced.into_inner(), 2, "paced before every page");

        let echoing =
            mock!(Client::describe_destinations).then_output(|| page(&["a"], Some("same")));
        let logs = Destinations::new(client(&echoing));
        let error = logs.list_all(|| async {}).await.expect_err("cut short");
        assert!(error.message.contains("incomplete"), "{error}");
    }
}
