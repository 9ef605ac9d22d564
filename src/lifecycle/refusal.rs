//! The Reason of a request refused before any write, naming every Region that stands in the
//! way and why.

use super::authority::PROVISIONING_OWNER;
use super::intent::Intent;
use super::names::{ADOPTABLE_BY_TAG, OWNER_TAG};
use super::plan::{Blocked, Blocker};
use crate::destinations::AwsError;

/// The Reason of a request refused before any write.
pub fn refusal(intent: &Intent, blocked: &Blocked) -> String {
    let name = &intent.name;
    if let (false, [(_, blocker)]) = (intent.listed, blocked.as_slice()) {
        return match blocker {
            Blocker::Exists { predates, .. } => format!(
                "Destination {name} already exists and is not managed by this stack resource \
                 (it has no {OWNER_TAG} tag for it{}); choose another DestinationName, delete \
                 the existing destination, or set AdoptExisting: true to take it over (with \
                 its owner's consent, the {ADOPTABLE_BY_TAG} tag)",
                if *predates {
                    ", and it was created before this request began, so it is not this \
                     request's unfinished creation"
                } else {
                    ""
                }
            ),
            Blocker::NoLongerManaged => format!(
                "Destination {name} is no longer managed by this stack resource: it exists \
                 without the {OWNER_TAG} tag for it (it was probably deleted and created again \
                 outside this stack). Nothing was changed. Delete that destination to let this \
                 stack recreate it, or give this resource another DestinationName"
            ),
            Blocker::NotAdoptable { manager } => not_adoptable(name, manager),
            Blocker::NoConsent { command } => format!(
                "Destination {name} exists and no stack resource or provisioning manages it, \
                 but AdoptExisting takes it only with its owner's consent: the tag \
                 {ADOPTABLE_BY_TAG} naming {}, which only whoever may tag the destination can \
                 set. To agree, run: {command} ; then retry. The \
                 adoption removes the tag. Nothing was changed",
                if intent.authority.is_stack() {
                    "this stack (its name or StackId)"
                } else {
                    "provisioning"
                }
            ),
            Blocker::NotProvisionings { .. } => format!(
                "Refused: destination {name} exists and {}; nothing was changed",
                whose(blocker)
            ),
            Blocker::Unreachable(error) => error.to_string(),
        };
    }
    let by_region = |blocker: &dyn Fn(&Blocker) -> Option<String>| -> Vec<String> {
        blocked
            .iter()
            .filter_map(|(region, b)| blocker(b).map(|text| text.replace("{region}", region)))
            .collect()
    };
    if !intent.authority.is_stack() {
        let stopped = by_region(&|b| {
            Some(match b {
                Blocker::Unreachable(error) => {
                    format!(
                        "{{region}}: it could not be looked at: {}",
                        unreachable(error, "{region}")
                    )
                }
                other => format!("{{region}}: it exists and {}", whose(other)),
            })
        });
        return format!(
            "Refused: destination {name} cannot be provisioned in {} of {} Regions, so nothing \
             was changed in any Region: {}",
            stopped.len(),
            intent.regions.len(),
            stopped.join("; ")
        );
    }
    let mut problems = Vec::new();
    let foreign =
        by_region(&|b| (!matches!(b, Blocker::Unreachable(_))).then(|| "{region}".into()));
    if !foreign.is_empty() {
        problems.push(format!(
            "Destination {name} already exists and is not managed by this stack resource in {}; \
             choose another DestinationName or delete those destinations",
            foreign.join(", ")
        ));
    }
    let unreachable = by_region(&|b| match b {
        Blocker::Unreachable(error) => {
            Some(format!("{{region}} ({})", unreachable(error, "{region}")))
        }
        _ => None,
    });
    if !unreachable.is_empty() {
        problems.push(format!(
            "These Regions could not be checked: {}",
            unreachable.join(", ")
        ));
    }
    format!("{}. Nothing was changed", problems.join(". "))
}

fn whose(blocker: &Blocker) -> String {
    match blocker {
        Blocker::NotProvisionings {
            manager: Some(owner),
        } => format!("it is managed by {owner:?}, not by provisioning"),
        Blocker::NotAdoptable { manager } => format!(
            "it is managed by {manager:?}, which AdoptExisting never takes a destination from"
        ),
        Blocker::NoConsent { command } => format!(
            "nobody manages it, but it lacks its owner's consent to adoption (the \
             {ADOPTABLE_BY_TAG} tag); to agree, run: {command}"
        ),
        _ => format!(
            "provisioning did not create it (it has no {OWNER_TAG}={PROVISIONING_OWNER} \
             tag); send AdoptExisting: true to take it over, with its owner's consent (the \
             {ADOPTABLE_BY_TAG}={} tag)",
            super::names::PROVISIONING_CONSENT
        ),
    }
}

/// Why a destination that someone manages is never adopted.
fn not_adoptable(name: &str, manager: &str) -> String {
    format!(
        "Destination {name} is managed by {manager:?} ({OWNER_TAG} tag) and cannot be adopted: \
         AdoptExisting only takes over destinations that no stack resource or provisioning \
         manages"
    )
}

/// An opt-in Region that is not enabled answers every call with a credentials error; say so.
fn unreachable(error: &AwsError, region: &str) -> String {
    let credentials = matches!(
        error.code.as_deref(),
        Some("UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidSignatureException")
    );
    if credentials {
        format!(
            "{error}. If {region} is an opt-in Region, it may not be enabled for this account: \
             enable it in the AWS console (Account settings > AWS Regions) or with `aws account \
             enable-region --region-name {region}`, wait until it shows Enabled, then retry; or \
             remove it from Regions"
        )
    } else {
        error.to_string()
    }
}
