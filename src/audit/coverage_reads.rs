//! What coverage reads beyond the audited Regions: ListRegions once, when some resource asks
//! for every enabled Region or records its Regions as a digest, and a look for a resource's
//! name in each Region it asks for (every enabled one, for a digest) that the audit was not
//! asked to read. Read-only, paced, bounded by the audit's deadline.

use super::coverage::{self, Enabled, Looked, Seen};
use super::{bounded, Pace, OUT_OF_TIME, REGIONS_AT_ONCE};
use crate::destinations::Destinations;
use crate::enabled_regions::{EnabledRegions, LIST_REGIONS};
use crate::lifecycle::OWNER_TAG;
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use tokio::time::Instant;

/// What coverage needs beyond the audited Regions: the enabled Regions (when some resource
/// needs them), and a look for each resource's name in each Region it asks for that
/// the audit was not asked to read, paced per Region, a few Regions at once.
pub(super) struct CoverageReads<'a> {
    pub logs: &'a Destinations,
    pub enabled_regions: &'a EnabledRegions,
    pub until: Option<Instant>,
}

impl CoverageReads<'_> {
    pub async fn run(
        &self,
        resources: &[coverage::Resource],
        read: BTreeSet<String>,
        unreadable: BTreeMap<String, String>,
    ) -> Seen {
        let enabled = if resources
            .iter()
            .any(coverage::Resource::needs_enabled_regions)
        {
            self.enabled().await
        } else {
            Enabled::NotAsked
        };
        let mut seen = Seen {
            read,
            unreadable,
            enabled,
            looked: BTreeMap::new(),
        };
        seen.looked = self.look_elsewhere(resources, &seen).await;
        seen
    }

    async fn enabled(&self) -> Enabled {
        match bounded(self.until, self.enabled_regions.list()).await {
            Some(Ok(regions)) => Enabled::Listed(regions),
            Some(Err(why)) => Enabled::Failed(why),
            None => Enabled::Failed(format!("{LIST_REGIONS}: {OUT_OF_TIME}")),
        }
    }

    async fn look_elsewhere(
        &self,
        resources: &[coverage::Resource],
        seen: &Seen,
    ) -> BTreeMap<(String, String), Looked> {
        let until = self.until;
        let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for resource in resources {
            for region in resource.to_look_in(seen) {
                wanted
                    .entry(region)
                    .or_default()
                    .insert(resource.name.clone());
            }
        }
        let looks = wanted.into_iter().map(|(region, names)| {
            let logs = self.logs.in_region(&region);
            async move {
                let pace = Pace::new();
                let mut looked = Vec::new();
                for name in names {
                    let look = bounded(until, look_for(&logs, &pace, &name)).await;
                    let look = look.unwrap_or_else(|| Err(OUT_OF_TIME.into()));
                    looked.push(((region.clone(), name), look));
                }
                looked
            }
        });
        let looked = futures_util::stream::iter(looks)
            .buffer_unordered(REGIONS_AT_ONCE)
            .collect::<Vec<_>>()
            .await;
        looked.into_iter().flatten().collect()
    }
}

/// The ownership tag of the destination `name` in `logs`' Region (`""` when it has none).
async fn look_for(logs: &Destinations, pace: &Pace, name: &str) -> Looked {
    pace.wait().await;
    let Some(destination) = logs.find(name).await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    pace.wait().await;
    let tags = logs
        .tags(name, &destination.arn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(tags.map(|tags| tags.get(OWNER_TAG).cloned().unwrap_or_default()))
}
