//! The account's rate limits: CloudWatch Logs throttles control-plane calls per account and
//! Region (`ThrottlingException`, "Rate exceeded"). A token bucket per API and Region, each
//! holding one second's calls and refilled at that rate.

use std::collections::HashMap;
use std::time::Instant;

/// AWS's answer to a throttled call (HTTP 400 in the JSON protocol).
pub const RATE_EXCEEDED: &str = "Rate exceeded";

pub(super) struct RateLimit {
    per_second: f64,
    /// (API, Region) -> (tokens left, when last refilled).
    buckets: HashMap<(String, String), (f64, Instant)>,
}

impl RateLimit {
    pub(super) fn new(per_second: u32) -> Self {
        RateLimit {
            per_second: f64::from(per_second.max(1)),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `op` in `region`; false when the bucket is empty (throttled).
    pub(super) fn admit(&mut self, op: &str, region: &str, now: Instant) -> bool {
        let full = self.per_second;
        let (tokens, at) = self
            .buckets
            .entry((op.to_owned(), region.to_owned()))
            .or_insert((full, now));
        let refilled = now.saturating_duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refilled).min(full);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
