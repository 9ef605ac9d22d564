//! The watchdog: the work on a request gets a budget, and a panic or an exhausted budget still
//! ends in a reply. A custom resource that never answers costs its user an hour.

use std::any::Any;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Used when the invocation deadline is missing, zero, past or absurd (some local emulators).
pub const FALLBACK_TIME: Duration = Duration::from_secs(150);
/// Lambda never runs a function longer than this.
const LONGEST_INVOCATION: Duration = Duration::from_secs(900);
/// Kept back from the work for the reply and its retries.
const MIN_MARGIN: Duration = Duration::from_secs(1);
const MAX_MARGIN: Duration = Duration::from_secs(10);
/// Kept back from the reply for reporting the invocation's outcome to Lambda: an undelivered
/// reply must end the invocation in error before the deadline, so that Lambda retries it.
const OUTCOME_TIME: Duration = Duration::from_millis(250);

/// A refused request (by the check with CloudFormation) ends within this of its arrival,
/// whatever its ResponseURL does: nobody legitimate waits for its reply, and a flood of forged
/// requests must not hold the function's concurrency. The check gives up within 40 s, which
/// leaves two reply attempts, and room under a minute for the runtime.
pub const REFUSED_WITHIN: Duration = Duration::from_secs(55);
/// Reply attempts for a refused request.
pub const REFUSED_REPLY_ATTEMPTS: u32 = 2;

/// When the work must stop, and when the reply must have been delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub arrived: Instant,
    pub work_until: Instant,
    pub reply_until: Instant,
}

impl Budget {
    /// The earlier of the Lambda deadline (`deadline_ms`, epoch millis) and the request's arrival
    /// plus the resource's `ServiceTimeout`, less a margin for the reply and, for the reply, a
    /// moment to report the invocation's outcome.
    pub fn new(deadline_ms: u64, service_timeout: Option<Duration>) -> Budget {
        let now = Instant::now();
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let lambda_left = Duration::from_millis(deadline_ms)
            .checked_sub(since_epoch)
            .filter(|left| !left.is_zero() && *left <= LONGEST_INVOCATION)
            .unwrap_or(FALLBACK_TIME);
        let total = match service_timeout {
            Some(service) => lambda_left.min(service),
            None => lambda_left,
        };
        let margin = (total / 4).clamp(MIN_MARGIN, MAX_MARGIN);
        Budget {
            arrived: now,
            work_until: now + total.saturating_sub(margin),
            reply_until: now + total.saturating_sub(OUTCOME_TIME),
        }
    }

    /// The budget of a request that was refused: its reply ends [`REFUSED_WITHIN`] after its
    /// arrival at the latest.
    pub fn for_refusal(self) -> Budget {
        let limit = self.arrived + refused_within().saturating_sub(OUTCOME_TIME);
        Budget {
            reply_until: self.reply_until.min(limit),
            ..self
        }
    }
}

/// [`REFUSED_WITHIN`]; debug builds (the integration tests) may shorten it with
/// `CFN_LOGS_DESTINATION_TEST_REFUSED_WITHIN_MS`, so that a test of the bound takes seconds.
fn refused_within() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("CFN_LOGS_DESTINATION_TEST_REFUSED_WITHIN_MS")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        return Duration::from_millis(ms).min(REFUSED_WITHIN);
    }
    REFUSED_WITHIN
}

/// `ServiceTimeout` as CloudFormation passes it: a string of seconds, 1 to 3600.
pub fn service_timeout(properties: &serde_json::Value) -> Option<Duration> {
    let value = properties.get("ServiceTimeout")?;
    let seconds = match value {
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok()?,
        other => other.as_u64()?,
    };
    (1..=3600)
        .contains(&seconds)
        .then(|| Duration::from_secs(seconds))
}

/// How long an abandoned task is given to stop.
const ABORT_WAIT: Duration = Duration::from_millis(100);

/// Why the work produced no result.
#[derive(Debug, PartialEq, Eq)]
pub enum Interrupted {
    TimedOut,
    Panicked(String),
}

/// Runs `work` on its own task until `until`: a panic is caught (the task unwinds, the process
/// keeps serving) and work still running at `until` is abandoned.
pub async fn guard<T, F>(work: F, until: Instant) -> Result<T, Interrupted>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut task = tokio::spawn(work);
    match tokio::time::timeout_at(until, &mut task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join_error)) if join_error.is_panic() => Err(Interrupted::Panicked(panic_message(
            join_error.into_panic(),
        ))),
        Ok(Err(_)) => Err(Interrupted::Panicked("the task was cancelled".into())),
        Err(_) => {
            task.abort();
            // Let the cancellation land, so that nothing of the work writes after this returns
            // (what follows may put things back).
            let _ = tokio::time::timeout(ABORT_WAIT, &mut task).await;
            Err(Interrupted::TimedOut)
        }
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn epoch_ms_in(d: Duration) -> u64 {
        (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + d)
            .as_millis() as u64
    }

    #[tokio::test]
    async fn the_lambda_deadline_bounds_the_budget_with_a_margin() {
        let start = Instant::now();
        let budget = Budget::new(epoch_ms_in(Duration::from_secs(300)), None);
        let work = budget.work_until - start;
        let reply = budget.reply_until - start;
        let slack = Duration::from_millis(100);
        assert!(
            work > Duration::from_secs(289) && work <= Duration::from_secs(290) + slack,
            "{work:?}"
        );
        assert!(
            reply > Duration::from_secs(299)
                && reply <= Duration::from_secs(300) - OUTCOME_TIME + slack / 10,
            "{reply:?}"
        );
    }

    #[tokio::test]
    async fn a_shorter_service_timeout_wins() {
        let start = Instant::now();
        let budget = Budget::new(
            epoch_ms_in(Duration::from_secs(300)),
            Some(Duration::from_secs(8)),
        );
        let slack = Duration::from_millis(100);
        assert!(budget.reply_until - start <= Duration::from_secs(8) + slack);
        assert!(budget.work_until - start <= Duration::from_secs(6) + slack);
    }

    #[tokio::test]
    async fn missing_or_past_deadlines_use_the_fallback() {
        for deadline in [0, 1_000, epoch_ms_in(Duration::from_secs(5000))] {
            let start = Instant::now();
            let budget = Budget::new(deadline, None);
            let reply = budget.reply_until - start;
            let slack = Duration::from_millis(100);
            let expected = FALLBACK_TIME - OUTCOME_TIME;
            assert!(
                reply > expected - slack && reply <= expected + slack,
                "{deadline}: {reply:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_refusal_replies_within_a_minute_of_its_arrival() {
        let budget = Budget::new(epoch_ms_in(Duration::from_secs(300)), None);
        let refused = budget.for_refusal();
        assert_eq!(refused.work_until, budget.work_until);
        assert!(refused.reply_until - budget.arrived <= REFUSED_WITHIN - OUTCOME_TIME);
        // A shorter invocation keeps its own, earlier end.
        let short = Budget::new(epoch_ms_in(Duration::from_secs(20)), None);
        assert_eq!(short.for_refusal(), short);
    }

    #[test]
    fn service_timeout_is_read_from_strings() {
        assert_eq!(
            service_timeout(&json!({"ServiceTimeout": "60"})),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            service_timeout(&json!({"ServiceTimeout": 5})),
            Some(Duration::from_secs(5))
        );
        assert_eq!(service_timeout(&json!({"ServiceTimeout": "0"})), None);
        assert_eq!(service_timeout(&json!({"ServiceTimeout": "3601"})), None);
        assert_eq!(service_timeout(&json!({})), None);
    }

    #[tokio::test]
    async fn panics_and_overruns_are_reported() {
        let until = Instant::now() + Duration::from_secs(5);
        assert_eq!(guard(async { 7 }, until).await, Ok(7));
        let panicked = guard(async { panic!("boom {}", 1) }, until).await;
        assert_eq!(
            panicked,
            Err::<(), _>(Interrupted::Panicked("boom 1".into()))
        );
        let soon = Instant::now() + Duration::from_millis(50);
        let slow = guard(tokio::time::sleep(Duration::from_secs(60)), soon).await;
        assert_eq!(slow, Err(Interrupted::TimedOut));
    }
}
