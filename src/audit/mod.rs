//! The drift and orphan audit (`{"Audit": {}}`): reads every destination in the audited
//! Regions, keeps those carrying this provider's ownership tag, and sorts each into InSync,
//! Drifted (with its aspects), Orphaned or Unverifiable. It never writes.
//!
//! Calls: per Region, DescribeDestinations (pages of 50) and one ListTagsForResource per
//! destination, paced; then one DescribeStackResource per stack resource that owns any
//! (in the function's Region; a destination in another Region whose stack is not found there is
//! looked for in its own Region, where another deployment of the provider may have made it).
//! For coverage (after those, within the same deadline): one ListRegions when some resource
//! asks for every enabled Region or records a digest, and, in each Region a resource asks for
//! that the audit was not asked to read, one DescribeDestinations by its name (and
//! ListTagsForResource when one is there).

mod classify;
mod coverage;
mod coverage_reads;
mod report;
mod table;

pub use classify::{classify, owner_of, Home, Lookup, Owner, Status};
pub use coverage::Enabled;
pub use report::{Entry, Report, ResourceEntry};
pub use table::table;

use crate::destinations::{AwsError, Destination, Destinations};
use crate::enabled_regions::EnabledRegions;
use crate::lifecycle::OWNER_TAG;
use crate::stacks::Stacks;
use coverage::Found;
use coverage_reads::CoverageReads;
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Called as each Region has been read: `(region, Regions done, Regions in all, this
/// provider's destinations found there)`. The local command shows it; the function ignores it.
pub type Progress = Arc<dyn Fn(&str, usize, usize, usize) + Send + Sync>;

/// Calls per second per API and Region (and for CloudFormation's lookups): CloudWatch Logs
/// throttles its control plane per account and Region, and the stacks deploying meanwhile
/// must not be the ones that get throttled.
const CALLS_PER_SECOND: u64 = 4;
/// Regions read at once.
const REGIONS_AT_ONCE: usize = 4;
const OUT_OF_TIME: &str = "the audit ran out of time before reading it (audit fewer Regions at \
     once, or give the function more time)";

/// A destination carrying this provider's ownership tag, as read.
#[derive(Clone, Debug)]
pub struct Owned {
    pub region: String,
    pub destination: Destination,
    pub tags: classify::Tags,
    pub owner: Owner,
}

/// What reading the Regions gave: the owned destinations, and the Regions (or destinations)
/// that could not be read.
#[derive(Debug, Default)]
struct Read {
    region: String,
    owned: Vec<Owned>,
    /// `(Region, why)` when the Region could not be read, wholly or in part.
    problem: Option<(String, String)>,
}

/// What to audit, and how.
#[derive(Clone)]
pub struct Scope {
    pub regions: Vec<String>,
    /// Stacks of other accounts may use this function, so a stack unknown here may exist there.
    pub cross_account: bool,
    pub progress: Option<Progress>,
    /// When to stop: a Region not read by three quarters of the time left is reported
    /// `Unreadable`, a stack resource not asked about by the end leaves its destination
    /// `Unverifiable`, so that a report always comes back (`None`: no limit).
    pub until: Option<Instant>,
    /// Asked (once) only when some resource asks for every enabled Region.
    pub enabled_regions: EnabledRegions,
}

/// Runs the audit.
pub async fn audit(logs: Destinations, stacks: Stacks, home: Home, scope: Scope) -> Report {
    let Scope {
        regions,
        cross_account,
        progress,
        until,
        enabled_regions,
    } = scope;
    // A quarter of the time is kept for CloudFormation's answers, so that one Region that
    // does not answer leaves the others' destinations checked.
    let started = Instant::now();
    let read_until = until.map(|until| started + until.saturating_duration_since(started) * 3 / 4);
    let done = Arc::new(AtomicUsize::new(0));
    let total = regions.len();
    let reads: Vec<_> = regions
        .iter()
        .map(|region| {
            let (progress, done) = (progress.clone(), Arc::clone(&done));
            let read = read_region(logs.clone(), home.clone(), region.clone());
            let region = region.clone();
            async move {
                let read = bounded(read_until, read).await.unwrap_or_else(|| Read {
                    problem: Some((region.clone(), OUT_OF_TIME.into())),
                    region,
                    owned: Vec::new(),
                });
                if let Some(progress) = progress {
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(&read.region, finished, total, read.owned.len());
                }
                read
            }
        })
        .collect();
    let read = futures_util::stream::iter(reads)
        .buffer_unordered(REGIONS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let mut owned = Vec::new();
    let mut unreadable = BTreeMap::new();
    for part in read {
        owned.extend(part.owned);
        unreadable.extend(part.problem);
    }
    let read_whole: BTreeSet<String> = regions
        .iter()
        .filter(|region| !unreadable.contains_key(*region))
        .cloned()
        .collect();
    let lookups = look_up_stacks(&stacks, &home, &owned, cross_account, until).await;
    let mut report = Report::new(&regions);
    let mut covered_by = Vec::new();
    for item in owned {
        let lookup = match &item.owner {
            Owner::Stack {
                stack_id,
                logical_id,
            } => lookups
                .get(&(stack_id.clone(), logical_id.clone(), item.region.clone()))
                .cloned()
                .unwrap_or(Lookup::Failed("it was not looked up".into())),
            _ => Lookup::NotAsked,
        };
        let status = classify(&item.destination, &item.tags, &item.owner, &lookup);
        // An orphan's stack resource no longer holds it, and a value this provider does not
        // write names no resource: neither has a Region set to cover.
        let counts =
            !matches!(status, Status::Orphaned(_)) && !matches!(item.owner, Owner::Unreadable(_));
        report.add(&item, status);
        if counts {
            covered_by.push(item);
        }
    }
    let resources = coverage::resources(covered_by.iter().map(found));
    let reads = CoverageReads {
        logs: &logs,
        enabled_regions: &enabled_regions,
        until,
    };
    let seen = reads.run(&resources, read_whole, unreadable.clone()).await;
    for resource in &resources {
        report.add_coverage(resource, coverage::judge(resource, &seen));
    }
    if let Enabled::Listed(enabled) = seen.enabled {
        report.enabled_regions = Some(enabled);
    }
    report.unreadable = unreadable;
    report.finish()
}

fn found(item: &Owned) -> Found<'_> {
    Found {
        region: &item.region,
        name: &item.destination.name,
        tags: &item.tags,
        owner: &item.owner,
    }
}

/// One Region: every destination, and the tags of each.
async fn read_region(logs: Destinations, home: Home, region: String) -> Read {
    let logs = logs.in_region(&region);
    let pace = Pace::new();
    let mut read = Read {
        region: region.clone(),
        ..Read::default()
    };
    let region = region.as_str();
    let listed = match logs.list_all(|| pace.wait()).await {
        Ok(listed) => listed,
        Err(error) => {
            read.problem = Some((region.to_owned(), error.to_string()));
            return read;
        }
    };
    let mut unread: Vec<AwsError> = Vec::new();
    for destination in listed {
        pace.wait().await;
        let arn = destination.arn.clone();
        match logs.tags(&destination.name, &arn).await {
            // Deleted since it was listed.
            Ok(None) => {}
            Ok(Some(tags)) => {
                let Some(value) = tags.get(OWNER_TAG) else {
                    continue;
                };
                // A destination's stack is in the destination's own account.
                let owner = owner_of(value, &home.of_destination(&destination.arn));
                read.owned.push(Owned {
                    region: region.to_owned(),
                    destination,
                    tags,
                    owner,
                });
            }
            Err(error) => unread.push(error),
        }
    }
    if let Some(first) = unread.first() {
        let why = format!(
            "the tags of {} destination(s) could not be read, so whether they are this \
             provider's is unknown (first: {first})",
            unread.len()
        );
        read.problem = Some((region.to_owned(), why));
    }
    read
}

type LookupKey = (String, String, String);

/// One DescribeStackResource per stack resource (several Regions of one resource share it),
/// paced; a resource unknown in the function's Region is looked for in the destination's.
async fn look_up_stacks(
    stacks: &Stacks,
    home: &Home,
    owned: &[Owned],
    cross_account: bool,
    until: Option<Instant>,
) -> HashMap<LookupKey, Lookup> {
    let ask = |stacks: &Stacks, stack_id: &str, logical_id: &str| {
        let asking = ask(stacks.clone(), stack_id.to_owned(), logical_id.to_owned());
        async move {
            match until {
                None => asking.await,
                Some(until) if Instant::now() >= until => Lookup::Failed(format!(
                    "its stack resource was not asked about: {OUT_OF_TIME}"
                )),
                Some(until) => tokio::time::timeout_at(until, asking)
                    .await
                    .unwrap_or_else(|_| {
                        Lookup::Failed(format!(
                            "its stack resource was not asked about: {OUT_OF_TIME}"
                        ))
                    }),
            }
        }
    };
    let pace = Pace::new();
    let mut by_resource: BTreeMap<(String, String, String), Lookup> = BTreeMap::new();
    let mut other_regions: HashMap<String, Stacks> = HashMap::new();
    let mut answers = HashMap::new();
    for item in owned {
        let Owner::Stack {
            stack_id,
            logical_id,
        } = &item.owner
        else {
            continue;
        };
        let at_home = (stack_id.clone(), logical_id.clone(), home.region.clone());
        if !by_resource.contains_key(&at_home) {
            pace.wait().await;
            let lookup = ask(stacks, stack_id, logical_id).await;
            by_resource.insert(at_home.clone(), lookup);
        }
        let mut lookup = by_resource
            .get(&at_home)
            .cloned()
            .unwrap_or(Lookup::Unknown);
        if lookup == Lookup::Unknown && item.region != home.region {
            let there = (stack_id.clone(), logical_id.clone(), item.region.clone());
            if !by_resource.contains_key(&there) {
                pace.wait().await;
                let regional = other_regions
                    .entry(item.region.clone())
                    .or_insert_with(|| stacks.in_region(&item.region));
                let stack_there = stack_id.replacen(
                    &format!(":cloudformation:{}:", home.region),
                    &format!(":cloudformation:{}:", item.region),
                    1,
                );
                let found = ask(regional, &stack_there, logical_id).await;
                by_resource.insert(there.clone(), found);
            }
            lookup = by_resource.get(&there).cloned().unwrap_or(Lookup::Unknown);
        }
        if lookup == Lookup::Unknown && cross_account {
            lookup = Lookup::Failed(
                "CloudFormation in this account knows no such stack resource, and stacks of \
                 other accounts may use this function (TrustedStackAccounts), which the audit \
                 cannot look into"
                    .into(),
            );
        }
        answers.insert(
            (stack_id.clone(), logical_id.clone(), item.region.clone()),
            lookup,
        );
    }
    answers
}

async fn ask(stacks: Stacks, stack_id: String, logical_id: String) -> Lookup {
    match stacks.resource(&stack_id, &logical_id).await {
        Ok(Some(resource)) => Lookup::Found(resource),
        Ok(None) => Lookup::Unknown,
        Err(error) => Lookup::Failed(format!(
            "its stack resource could not be looked up: {error}"
        )),
    }
}

/// At most [`CALLS_PER_SECOND`] calls a second: each call waits its turn.
pub(super) struct Pace {
    next: std::sync::Mutex<Instant>,
}

impl Pace {
    fn new() -> Pace {
        Pace {
            next: std::sync::Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + Duration::from_millis(1000 / CALLS_PER_SECOND);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// `work`, given until `until` (`None`: no bound); `None` when `until` passed first.
pub(super) async fn bounded<T>(
    until: Option<Instant>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    match until {
        None => Some(work.await),
        Some(until) => tokio::time::timeout_at(until, work).await.ok(),
    }
}
