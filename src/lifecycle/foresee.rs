//! What a stack request would do, without doing it: the engine's own intent, checks, observe
//! and plan, and no apply. The preview of a change set runs each request CloudFormation would
//! send through here; what it prints is `crate::preview`'s business.

use super::authority::Tags;
use super::intent::{self, Operation};
use super::observe::{self, Seen};
use super::plan::{self, Plan};
use super::{authority, checks, refusal};
use crate::destinations::Destinations;
use crate::event::CfnRequest;
use std::collections::BTreeMap;

/// A request's plan, or the Reason it would be refused with, and what it was decided from.
#[derive(Clone, Debug, PartialEq)]
pub struct Foreseen {
    /// The destination's name (`None`: the request names none, or cannot name one).
    pub name: Option<String>,
    /// Create, Replace, Update or Delete (`None` when refused before the intent was formed).
    pub operation: Option<Operation>,
    pub outcome: Outcome,
    /// Each observed Region's tags, as found (what a tag change is measured from).
    pub tags: BTreeMap<String, Tags>,
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

/// `request` as the function would carry it out in `function_arn`'s account, up to its plan.
/// CloudFormation is not asked about it (it has not sent it yet), so an untagged destination
/// counts as this request's unfinished creation only if it was made recently, as without
/// verification.
pub async fn foresee(logs: &Destinations, request: &CfnRequest, function_arn: &str) -> Foreseen {
    let refused = |name: Option<String>, operation, reason| Foreseen {
        name,
        operation,
        outcome: Outcome::Refused {
            reason,
            regions: Vec::new(),
        },
        tags: BTreeMap::new(),
    };
    let home = logs.region().unwrap_or_default();
    let mut intent = match intent::for_stack(request, &home) {
        Ok(Some(intent)) => intent,
        Ok(None) => {
            return Foreseen {
                name: None,
                operation: Some(Operation::Delete),
                outcome: Outcome::Nothing,
                tags: BTreeMap::new(),
            }
        }
        Err(reason) => return refused(None, None, reason),
    };
    let (name, operation) = (Some(intent.name.clone()), Some(intent.operation));
    intent.arns = match checks::before_writing(&intent, function_arn, Some(&request.target)) {
        Ok(arns) => arns,
        Err(reason) => return refused(name, operation, reason),
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
            reason: refusal::refusal(&intent, &blocked),
            regions: blocked.into_iter().map(|(region, _)| region).collect(),
        },
    };
    Foreseen {
        name,
        operation,
        outcome,
        tags,
    }
}
