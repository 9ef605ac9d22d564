//! Work for every Region at once, within a bound.

use futures_util::stream::{self, StreamExt};
use std::future::Future;

/// Regions worked on at once: enough for a typical list in one round, few enough to stay
/// clear of account-wide API rate limits.
pub const CONCURRENCY: usize = 8;

/// Runs `work` for every Region, at most [`CONCURRENCY`] at a time, and gives the results in
/// the order of `regions`.
pub async fn each<T, F, Fut>(regions: &[String], work: F) -> Vec<(String, T)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = T>,
{
    let mut done: Vec<(usize, String, T)> = stream::iter(regions.iter().cloned().enumerate())
        .map(|(i, region)| {
            let future = work(region.clone());
            async move { (i, region, future.await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    done.sort_by_key(|(i, _, _)| *i);
    done.into_iter().map(|(_, r, t)| (r, t)).collect()
}
