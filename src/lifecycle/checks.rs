//! What can be known before any AWS call: every Region's ARN, that every Region is in the
//! function's partition, that the deployer allows the role and target, that the access policy
//! fits, is not open to the world unless the deployer allows it, and names each Region's
//! destination, and that a stack's SUCCESS reply will fit
//! CloudFormation's 4096 bytes.

use super::intent::{Intent, Operation};
use super::names::destination_arn;
use crate::allowlist;
use crate::attributes;
use crate::destinations::Destination;
use crate::event::ReplyTarget;
use crate::properties::{self, DestinationProperties};
use crate::public_policy;
use std::collections::BTreeMap;

/// Every involved Region's ARN, once what can be known before any call holds: every Region
/// is in the function's partition, the role and target are on the deployer's allow-lists, the
/// access policy fits each Region's ARN, a hand-written one names each Region's destination,
/// and a stack's SUCCESS reply will fit CloudFormation's 4096 bytes.
pub fn before_writing(
    intent: &Intent,
    function_arn: &str,
    reply: Option<&ReplyTarget>,
) -> Result<BTreeMap<String, String>, String> {
    let involved: Vec<String> = intent.involved().cloned().collect();
    check_partition(function_arn, &involved)?;
    let mut arns = BTreeMap::new();
    for region in &involved {
        let arn = destination_arn(function_arn, Some(region), &intent.name).ok_or_else(|| {
            format!(
                "The function's ARN {function_arn:?} does not name its partition and account (a \
                 local run takes them from AWS_REGION and STS GetCallerIdentity; its log says \
                 why that failed)"
            )
        })?;
        arns.insert(region.clone(), arn);
    }
    let Some(desired) = intent
        .desired
        .as_ref()
        .filter(|_| intent.operation != Operation::Delete)
    else {
        return Ok(arns);
    };
    allowlist::admits(&desired.role_arn, &desired.target_arn)?;
    let regional: Vec<(String, String)> = intent
        .regions
        .iter()
        .map(|r| (r.clone(), arns.get(r).cloned().unwrap_or_default()))
        .collect();
    for (_, arn) in &regional {
        if let Some(policy) = desired.access_policy(arn)? {
            public_policy::admits(&policy.document)?;
        }
    }
    if intent.listed {
        check_hand_written_policy(desired, &intent.name, &regional)?;
    }
    if let (Some(target), Some((_, first))) = (reply, regional.first()) {
        let predicted = Destination {
            name: intent.name.clone(),
            arn: first.clone(),
            target_arn: desired.target_arn.clone(),
            role_arn: desired.role_arn.clone(),
            access_policy: None,
            creation_time_ms: None,
        };
        let shown: &[(String, String)] = if intent.listed { &regional } else { &[] };
        attributes::check_reply_size(target, &predicted, shown, intent.every)?;
    }
    Ok(arns)
}

/// A function's credentials work only in its own partition, and a destination's ARN names its
/// partition: a Region of another one could only fail, with a bare token error.
fn check_partition(function_arn: &str, regions: &[String]) -> Result<(), String> {
    let Some(own) = function_arn.split(':').nth(1).filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let elsewhere: Vec<String> = regions
        .iter()
        .filter(|r| properties::partition_of(r) != own)
        .map(|r| format!("{r} ({})", properties::partition_of(r)))
        .collect();
    if elsewhere.is_empty() {
        return Ok(());
    }
    Err(format!(
        "Regions {} are not in this function's partition ({own}): a function's credentials \
         and a destination's ARN belong to one partition. Remove them from Regions and deploy \
         the provider in their partition for them",
        elsewhere.join(", ")
    ))
}

/// A hand-written `DestinationPolicy` goes to every Region as it is: a `Resource` that names
/// one Region's destination would grant nothing in the others, and the senders there would
/// only find out when their subscription filters are refused.
fn check_hand_written_policy(
    desired: &DestinationProperties,
    name: &str,
    regional: &[(String, String)],
) -> Result<(), String> {
    let Some(policy) = desired.policy.as_ref().filter(|_| desired.grants.is_none()) else {
        return Ok(());
    };
    let mut wrong: Vec<String> = Vec::new();
    let mut regions = Vec::new();
    for (region, arn) in regional {
        let resources = policy.resources_not_naming(arn);
        if !resources.is_empty() {
            regions.push(region.as_str());
            for resource in resources {
                if !wrong.contains(&resource) {
                    wrong.push(resource);
                }
            }
        }
    }
    if regions.is_empty() {
        return Ok(());
    }
    Err(format!(
        "DestinationPolicy must name every Region's destination in its Resource: with \
         Regions the same policy goes to each Region, and {} cannot name destination {name} in \
         {}. Use a wildcard Resource (\"arn:PARTITION:logs:*:ACCOUNT:destination:{name}\" or \
         \"*\"), or the policy builder (AllowedAccounts, AllowedOrganizations, \
         AllowedOrganizationPaths), which names each Region's ARN",
        wrong
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        regions.join(", ")
    ))
}
