//! What a stack request would do, without doing it: the engine's own intent, checks, observe
//! and plan, and no apply. The preview of a change set runs each request CloudFormation would
//! send through here; what it prints is `crate::preview`'s business.

use super::authority::Tags;
use super::intent::Operation;
use super::observe::{self, Seen};
use super::plan::{self, Plan};
use super::{authority, refusal};
use crate::destinations::Destinations;
use crate::enabled_regions::EnabledRegions;
use crate::event::CfnRequest;
use std::collections::BTreeMap;

/// A request's plan, or the Reason it would be refused with, and what it was decided from.
#[derive(Clone, Debug, PartialEq)]
pub struct Foreseen {
    /// The destination's name (`None` when refused before any call, or when the id names none).
    pub name: Option<String>,
    /// Create, Replace, Update or Delete (`None` when refused before any call).
    pub operation: Option<Operation>,
    pub outcome: Outcome,
    /// Each observed Region's tags, as found (what a tag change is measured from).
    pub tags: BTreeMap<String, Tags>,
    /// What the intent notes for the reader: what `Regions: "*"` expanded to and from what.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Planned(Plan),
    /// The Reason the real request would be answered with, and the Regions that stand in the
    /// way (none when it is refused before any call).
    Refused {
        reason: String,
        regions: Vec<String>,
    },
    /// A Delete whose id cannot name a destination: answered at once, nothing touched.
    Nothing,
}

/// `request` as the function would carry it out in `function_arn`'s account, up to its plan;
/// `enabled_regions` expands `Regions: "*"` as for the request itself.
/// CloudFormation is not asked about it (it has not sent it yet), so an untagged destination
/// counts as this request's unfinished creation only if it was made recently, as without
/// verification.
pub async fn foresee(
    (logs, enabled_regions): (&Destinations, &EnabledRegions),
    request: &CfnRequest,
    function_arn: &str,
) -> Foreseen {
    let foreseen = |outcome| Foreseen {
        name: None,
        operation: None,
        outcome,
        tags: BTreeMap::new(),
        notes: Vec::new(),
    };
    let intent = match super::prepare((logs, enabled_regions), request, function_arn).await {
        Ok(Some(intent)) => intent,
        Ok(None) => {
            return Foreseen {
                operation: Some(Operation::Delete),
                ..foreseen(Outcome::Nothing)
            }
        }
        Err(reason) => {
            return foreseen(Outcome::Refused {
                reason,
                regions: Vec::new(),
            })
        }
    };
    let observed = observe::observe(logs, &intent).await;
    let tags = observed
        .iter()
        .filter_map(|(region, seen)| match seen {
            Ok(Seen::Present { tags, .. }) => Some((region.clone(), tags.clone())),
            _ => None,
        })
        .collect();
    let outcome = match plan::plan(&intent, &observed, authority::now_ms()) {
        Ok(plan) => Outcome::Planned(plan),
        Err(blocked) => Outcome::Refused {
            reason: super::noted(refusal::refusal(&intent, &blocked), &intent.notes),
            regions: blocked.into_iter().map(|(region, _)| region).collect(),
        },
    };
    Foreseen {
        name: Some(intent.name),
        operation: Some(intent.operation),
        outcome,
        tags,
        notes: intent.notes,
    }
}
