//! The CloudWatch Logs calls, with errors that say which API and which destination failed.

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// DescribeDestinations pages are followed at most this far (then the lookup fails): names are
/// compared exactly within a prefix, so real lists are short, and a server that keeps sending
/// tokens must not keep us looping.
const MAX_DESCRIBE_PAGES: usize = 20;

/// A destination as CloudWatch Logs reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    pub name: String,
    pub arn: String,
    pub target_arn: String,
    pub role_arn: String,
    pub access_policy: Option<String>,
    /// `creationTime`, in milliseconds since the Unix epoch, when AWS reports it.
    pub creation_time_ms: Option<i64>,
}

impl Destination {
    fn from_sdk(d: &aws_sdk_cloudwatchlogs::types::Destination, name: &str) -> Destination {
        Destination {
            name: d.destination_name().unwrap_or(name).to_owned(),
            arn: d.arn().unwrap_or_default().to_owned(),
            target_arn: d.target_arn().unwrap_or_default().to_owned(),
            role_arn: d.role_arn().unwrap_or_default().to_owned(),
            access_policy: d.access_policy().map(str::to_owned),
            creation_time_ms: d.creation_time(),
        }
    }
}

/// A failed CloudWatch Logs call.
#[derive(Clone, Debug)]
pub struct AwsError {
    pub operation: &'static str,
    pub destination: String,
    /// AWS's error code, e.g. `InvalidParameterException`; `None` when no answer came.
    pub code: Option<String>,
    pub message: String,
}

/// Why CloudWatch Logs may fail a new destination's test message, in the order to check:
/// public reports show each (landing-zone-accelerator issue 792; the CloudWatch Logs user
/// guide, pull request 47; a trust policy's `aws:SourceArn`; aws-cdk issue 2452). `source`
/// is what that condition must cover.
fn test_message_checks(target: &str, role: &str, source: &str) -> String {
    format!(
        "{TEST_MESSAGE_CHECKS} (1) the target {target} exists; (2) if it is encrypted, the role \
         {role} may use its KMS key (kms:GenerateDataKey), besides putting records to it \
         (kinesis:PutRecord, or firehose:PutRecord and PutRecordBatch); (3) the role's trust \
         policy lets logs.amazonaws.com assume it, and any aws:SourceArn condition in it covers \
         {source}; (4) a role created moments ago may still be propagating in IAM: retry the \
         stack operation in a few minutes."
    )
}
const TEST_MESSAGE_CHECKS: &str = "Check, in this order:";

/// Transient failures (throttling, service hiccups, network errors) get this many attempts
/// on top of the SDK's own retries.
const TRANSIENT_ATTEMPTS: u32 = 6;
/// A role created moments ago is often not yet usable by CloudWatch Logs: the test message
/// fails until IAM has propagated it, which can take about two minutes.
const ROLE_PROPAGATION_WINDOW: Duration = Duration::from_secs(120);
/// Unit tests retry on a fast clock.
const FIRST_PAUSE: Duration = if cfg!(test) {
    Duration::from_millis(1)
} else {
    Duration::from_millis(200)
};
const LONGEST_PAUSE: Duration = Duration::from_secs(8);

#[derive(Debug, PartialEq, Eq)]
enum Retry {
    Transient,
    RolePropagation,
    Never,
}

impl AwsError {
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException")
    }

    /// AWS answered and refused the call for good: it changed nothing. (No answer, or a
    /// transient error after retries, may follow an attempt that did change something.)
    pub fn is_refusal(&self) -> bool {
        self.code.is_some() && self.retry() != Retry::Transient
    }

    /// The IAM propagation failure: AWS could not use the role to reach the target.
    pub fn is_test_message_failure(&self) -> bool {
        self.code.as_deref() == Some("InvalidParameterException")
            && self.message.contains("Could not deliver test message")
    }

    /// A test message failure that outlasted the retries, with the checks spelled out for this
    /// request's target and role; `source` is the destinations' ARN pattern in this account
    /// and Region, which a trust policy's `aws:SourceArn` must cover.
    fn with_test_message_checks(mut self, target: &str, role: &str, region: &str) -> AwsError {
        if self.is_test_message_failure() {
            // arn:PARTITION:iam::ACCOUNT:role/NAME
            let source = match role.split(':').collect::<Vec<_>>().as_slice() {
                ["arn", partition, "iam", "", account, ..] => {
                    format!("arn:{partition}:logs:{region}:{account}:*")
                }
                _ => "this account's destinations".to_owned(),
            };
            let checks = test_message_checks(target, role, &source);
            self.message = format!("{}. {checks}", self.message.trim_end_matches('.'));
        }
        self
    }

    fn retry(&self) -> Retry {
        match self.code.as_deref() {
            // No answer at all: a network error or a timeout.
            None => Retry::Transient,
            Some(
                "ThrottlingException"
                | "ServiceUnavailableException"
                | "OperationAbortedException"
                | "InternalFailure"
                | "ServiceUnavailable",
            ) => Retry::Transient,
            Some(_) if self.is_test_message_failure() => Retry::RolePropagation,
            Some(_) => Retry::Never,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} for destination {} failed: ",
            self.operation, self.destination
        )?;
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        // Without the request's ARNs (see `with_test_message_checks`), the same checks.
        if self.is_test_message_failure() && !self.message.contains(TEST_MESSAGE_CHECKS) {
            let checks =
                test_message_checks("(TargetArn)", "(RoleArn)", "this account's destinations");
            write!(f, ". {checks}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

fn aws_error<E>(
    operation: &'static str,
    destination: &str,
    error: SdkError<E, HttpResponse>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message) = crate::sdk_error::code_and_message(&error);
    AwsError {
        operation,
        destination: destination.to_owned(),
        code,
        message,
    }
}

/// The calls of the current request: those running (several at once when independent), and
/// the last one made.
#[derive(Debug, Default)]
struct Steps {
    running: Vec<(u64, String)>,
    last: String,
    next_id: u64,
}

/// CloudWatch Logs destinations, through one SDK client built once per process.
#[derive(Clone, Debug)]
pub struct Destinations {
    client: Client,
    /// The calls in progress, so that a timed-out request can say what it was waiting for.
    steps: Arc<Mutex<Steps>>,
    /// This request's clients for other Regions, each built once: a Region is observed, then
    /// written, and maybe cleaned up, each from its own task.
    regional: Arc<Mutex<HashMap<String, Client>>>,
    /// The Region a fanned-out request's client works in, named in its steps (" in REGION"),
    /// so that a timeout says which Regions were still running. Empty for the function's own
    /// client, whose steps read as they did before `Regions`.
    place: String,
}

impl Destinations {
    pub fn new(client: Client) -> Self {
        Destinations {
            client,
            steps: Arc::default(),
            regional: Arc::default(),
            place: String::new(),
        }
    }

    /// The same client with steps and Regional clients of its own, for one request served
    /// beside others (the records of an SNS batch).
    pub fn for_request(&self) -> Destinations {
        Destinations {
            client: self.client.clone(),
            steps: Arc::default(),
            regional: Arc::default(),
            place: self.place.clone(),
        }
    }

    /// Forgets what earlier requests did; called as each request starts.
    pub fn start_request(&self) {
        *self.steps.lock().unwrap_or_else(|p| p.into_inner()) = Steps::default();
        self.regional
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The calls in progress (or the last made), each with the error it is retrying after, if
    /// any.
    pub fn current_step(&self) -> String {
        let steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        if !steps.running.is_empty() {
            let running: Vec<&str> = steps
                .running
                .iter()
                .map(|(_, step)| step.as_str())
                .collect();
            return running.join(" and ");
        }
        if steps.last.is_empty() {
            "the request".into()
        } else {
            steps.last.clone()
        }
    }

    /// Records a call that starts (`id` None, returns its id) or retries.
    fn set_step(&self, id: Option<u64>, step: String) -> u64 {
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        let id = id.unwrap_or_else(|| {
            steps.next_id += 1;
            let id = steps.next_id;
            steps.running.push((id, String::new()));
            id
        });
        if let Some(entry) = steps.running.iter_mut().find(|(running, _)| *running == id) {
            entry.1.clone_from(&step);
        }
        steps.last = step;
        id
    }

    /// A call that ended. One the watchdog abandoned never gets here: it stays running, so
    /// that the timeout's Reason names it.
    fn end_step(&self, id: u64) {
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        steps.running.retain(|(running, _)| *running != id);
    }

    /// Makes one call, retrying what is worth retrying: transient failures a bounded number of
    /// times, the role propagation failure for about two minutes. The watchdog bounds it all.
    async fn call<T, E, F, Fut>(
        &self,
        operation: &'static str,
        name: &str,
        attempt: F,
    ) -> Result<T, AwsError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.call_checked(operation, name, attempt, |_| async { Ok(()) })
            .await
    }

    /// [`Self::call`], with `check(n)` before attempt `n` (from 0): an error from it ends the
    /// call without that attempt.
    async fn call_checked<T, E, F, Fut, C, CFut>(
        &self,
        operation: &'static str,
        name: &str,
        attempt: F,
        check: C,
    ) -> Result<T, AwsError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        C: Fn(u32) -> CFut,
        CFut: Future<Output = Result<(), AwsError>>,
    {
        let started = Instant::now();
        let mut pause = FIRST_PAUSE;
        let mut attempts = 0;
        // Counted apart from the role propagation failures, which have a window of their own.
        let mut transient_failures = 0;
        let place = &self.place;
        let step = self.set_step(None, format!("{operation} for destination {name}{place}"));
        loop {
            if let Err(stop) = check(attempts).await {
                self.end_step(step);
                return Err(stop);
            }
            let error = match attempt().await.map_err(|e| aws_error(operation, name, e)) {
                Ok(value) => {
                    self.end_step(step);
                    return Ok(value);
                }
                Err(error) => error,
            };
            attempts += 1;
            let retry = match error.retry() {
                Retry::Transient => {
                    transient_failures += 1;
                    transient_failures < TRANSIENT_ATTEMPTS
                }
                Retry::RolePropagation => started.elapsed() < ROLE_PROPAGATION_WINDOW,
                Retry::Never => false,
            };
            if !retry {
                self.end_step(step);
                return Err(error);
            }
            let region = self.region().unwrap_or_default();
            tracing::warn!(operation, destination = name, region, attempts, %error, "retrying");
            crate::metrics::retrying();
            self.set_step(
                Some(step),
                format!(
                    "{operation} for destination {name}{place} (attempt {}, after: {error})",
                    attempts + 1
                ),
            );
            tokio::time::sleep(with_jitter(pause)).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    /// The same calls in `region`: a client built on demand from this one's configuration
    /// (HTTP client and TLS, credentials, timeouts, retries), so that listing Regions costs
    /// nothing at start-up, and kept for the rest of the request. It shares this request's
    /// steps and the record of what it holds.
    pub fn in_region(&self, region: &str) -> Destinations {
        let client = self
            .regional
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(region.to_owned())
            .or_insert_with(|| {
                let config = self
                    .client
                    .config()
                    .to_builder()
                    .region(aws_sdk_cloudwatchlogs::config::Region::new(
                        region.to_owned(),
                    ))
                    .build();
                Client::from_conf(config)
            })
            .clone();
        Destinations {
            client,
            steps: Arc::clone(&self.steps),
            regional: Arc::clone(&self.regional),
            place: format!(" in {region}"),
        }
    }

    /// The region the client calls, needed to name a destination's ARN without asking AWS.
    pub fn region(&self) -> Option<String> {
        self.client.config().region().map(|r| r.to_string())
    }

    /// Looks a destination up by its exact name (DescribeDestinations only matches prefixes).
    /// "Absent" only on a page that ends the list: a listing cut short (too many pages, an
    /// empty page that still carries a token, a token served twice) is an error, because
    /// absent lets a Create write over a destination it never saw.
    pub async fn find(&self, name: &str) -> Result<Option<Destination>, AwsError> {
        let mut token: Option<String> = None;
        let mut seen_tokens: Vec<String> = Vec::new();
        for _ in 0..MAX_DESCRIBE_PAGES {
            let page = self
                .call("DescribeDestinations", name, || {
                    self.client
                        .describe_destinations()
                        .destination_name_prefix(name)
                        .limit(50)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            if let Some(found) = page
                .destinations()
                .iter()
                .find(|d| d.destination_name() == Some(name))
            {
                return Ok(Some(Destination::from_sdk(found, name)));
            }
            let Some(next) = page.next_token() else {
                return Ok(None);
            };
            if page.destinations().is_empty() {
                return Err(incomplete_listing(
                    name,
                    "an empty page carried a nextToken",
                ));
            }
            if seen_tokens.iter().any(|seen| seen == next) {
                return Err(incomplete_listing(
                    name,
                    "a nextToken came back a second time",
                ));
            }
            seen_tokens.push(next.to_owned());
            token = Some(next.to_owned());
        }
        Err(incomplete_listing(
            name,
            &format!("more than {MAX_DESCRIBE_PAGES} pages for this name prefix"),
        ))
    }

    /// Creates a destination, or points one at another target and role. It never carries
    /// tags: AWS answers PutDestination with tags by failing its test message (see
    /// docs/fidelity.md), so tags are set with TagResource once the destination exists.
    /// `may_exist(sent_ms)` is called after every attempt that succeeded or got no answer,
    /// with when it was sent (ms since the epoch): the destination may exist from then on,
    /// even if a later attempt fails. `check(n)` runs before attempt `n` (from 0); an error
    /// from it stops the put before that attempt: PutDestination creates or overwrites, so a
    /// creating put looks again before each retry (see the lifecycle's apply).
    pub async fn put<C, CFut>(
        &self,
        name: &str,
        target_arn: &str,
        role_arn: &str,
        may_exist: impl Fn(i64),
        check: C,
    ) -> Result<Destination, AwsError>
    where
        C: Fn(u32) -> CFut,
        CFut: Future<Output = Result<(), AwsError>>,
    {
        let may_exist = &may_exist;
        let output = self
            .call_checked(
                "PutDestination",
                name,
                || async move {
                    let sent_ms = epoch_ms();
                    let sent = self
                        .client
                        .put_destination()
                        .destination_name(name)
                        .target_arn(target_arn)
                        .role_arn(role_arn)
                        .send()
                        .await;
                    if sent
                        .as_ref()
                        .map_or_else(|e| e.as_service_error().is_none(), |_| true)
                    {
                        may_exist(sent_ms);
                    }
                    sent
                },
                check,
            )
            .await
            .map_err(|e| {
                let region = self.region().unwrap_or_default();
                e.with_test_message_checks(target_arn, role_arn, &region)
            })?;
        let destination = output.destination().ok_or_else(|| AwsError {
            operation: "PutDestination",
            destination: name.to_owned(),
            code: None,
            message: "the response did not describe the destination".into(),
        })?;
        Ok(Destination::from_sdk(destination, name))
    }

    pub async fn put_policy(
        &self,
        name: &str,
        policy: &str,
        force_update: bool,
    ) -> Result<(), AwsError> {
        self.call("PutDestinationPolicy", name, || {
            self.client
                .put_destination_policy()
                .destination_name(name)
                .access_policy(policy)
                .force_update(force_update)
                .send()
        })
        .await?;
        Ok(())
    }

    /// Deletes a destination; `Ok(false)` when it was already gone.
    pub async fn delete(&self, name: &str) -> Result<bool, AwsError> {
        let deleted = self
            .call("DeleteDestination", name, || {
                self.client
                    .delete_destination()
                    .destination_name(name)
                    .send()
            })
            .await;
        match deleted {
            Ok(_) => Ok(true),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// All tags of a destination; `Ok(None)` when it does not exist.
    pub async fn tags(
        &self,
        name: &str,
        arn: &str,
    ) -> Result<Option<BTreeMap<String, String>>, AwsError> {
        let listed = self
            .call("ListTagsForResource", name, || {
                self.client
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
            })
            .await;
        match listed {
            Ok(output) => Ok(Some(
                output
                    .tags()
                    .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            )),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub async fn tag(
        &self,
        name: &str,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        let tags = to_hash_map(tags);
        self.call("TagResource", name, || {
            self.client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
        Ok(())
    }

    pub async fn untag(&self, name: &str, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.call("UntagResource", name, || {
            self.client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
        })
        .await?;
        Ok(())
    }
}

/// A DescribeDestinations listing that ended without saying the name is absent.
fn incomplete_listing(name: &str, why: &str) -> AwsError {
    AwsError {
        operation: "DescribeDestinations",
        destination: name.to_owned(),
        code: None,
        message: format!(
            "the listing is incomplete ({why}), so whether the destination exists is unknown"
        ),
    }
}

fn to_hash_map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Now, in ms since the Unix epoch.
pub fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// Between half and all of `pause`, so that many stacks retrying at once spread out.
fn with_jitter(pause: Duration) -> Duration {
    let random = RandomState::new().hash_one(Instant::now());
    let fraction = 0.5 + (random % 1000) as f64 / 2000.0;
    pause.mul_f64(fraction)
}

#[path = "destinations_listing.rs"]
mod listing;

#[cfg(test)]
#[path = "destinations_tests.rs"]
pub(crate) mod tests;
