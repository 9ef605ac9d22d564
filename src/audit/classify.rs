//! Sorting one destination: whose it is by its ownership tag, whether its stack resource
//! still holds it, and which aspects differ from its fingerprint. Pure: the calls are made
//! elsewhere.

use crate::destinations::Destination;
use crate::lifecycle::fingerprint::{Fingerprint, FINGERPRINT_TAG};
use crate::lifecycle::{OWNER_TAG, PROVISIONING_OWNER};
use crate::stacks::StackResource;
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

/// Who the ownership tag says manages a destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A stack resource: its StackId, rebuilt in the function's partition, Region and account
    /// (CloudFormation only sends requests to a function in the stack's Region).
    Stack {
        stack_id: String,
        logical_id: String,
    },
    /// EventBridge provisioning: no stack, so never orphaned.
    Provisioning,
    /// A value too long for a tag was shortened with a hash: the logical id is lost.
    Shortened { stack_id: String },
    /// A value this provider does not write (set by hand, say).
    Unreadable(String),
}

pub use crate::lifecycle::Home;

/// What the audit reads from a function's home.
impl Home {
    /// This home with the partition and account of `destination_arn`, when it names them.
    pub fn of_destination(&self, destination_arn: &str) -> Home {
        let parts: Vec<&str> = destination_arn.splitn(6, ':').collect();
        match parts.as_slice() {
            [_, partition, _, _, account, _] if !partition.is_empty() && !account.is_empty() => {
                Home {
                    partition: (*partition).to_owned(),
                    region: self.region.clone(),
                    account: (*account).to_owned(),
                }
            }
            _ => self.clone(),
        }
    }

    pub fn stack_id(&self, name: &str, uuid: &str) -> String {
        format!(
            "arn:{}:cloudformation:{}:{}:stack/{name}/{uuid}",
            self.partition, self.region, self.account
        )
    }
}

/// The owner a tag value names: `StackName/StackUUID/LogicalId`, `eventbridge-provisioning`,
/// or a shortened `...=HASH`.
pub fn owner_of(value: &str, home: &Home) -> Owner {
    if value == PROVISIONING_OWNER {
        return Owner::Provisioning;
    }
    let parts: Vec<&str> = value.splitn(3, '/').collect();
    let [name, uuid, logical] = parts.as_slice() else {
        return Owner::Unreadable(value.to_owned());
    };
    if name.is_empty() || uuid.is_empty() || logical.is_empty() {
        return Owner::Unreadable(value.to_owned());
    }
    let stack_id = home.stack_id(name, uuid);
    // Stack names and logical ids have no `=`; the shortened form ends in `=` and 16 hex digits.
    let shortened = value
        .rsplit_once('=')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    if shortened {
        Owner::Shortened { stack_id }
    } else if logical.contains('/') {
        Owner::Unreadable(value.to_owned())
    } else {
        Owner::Stack {
            stack_id,
            logical_id: (*logical).to_owned(),
        }
    }
}

/// What CloudFormation said about a destination's stack resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Not a stack's (provisioning).
    NotAsked,
    Found(StackResource),
    /// Neither the stack nor the resource is known.
    Unknown,
    /// No answer that settles it; why.
    Failed(String),
}

/// Where one destination stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    InSync,
    Drifted(Vec<&'static str>),
    Orphaned(String),
    Unverifiable(String),
}

/// Sorts a destination carrying this provider's ownership tag. Orphaned first (a destination
/// no stack manages needs deleting more than repairing); then drift, from its fingerprint;
/// then whatever kept the check from being complete.
pub fn classify(destination: &Destination, tags: &Tags, owner: &Owner, lookup: &Lookup) -> Status {
    if let Some(why) = orphaned(destination, lookup) {
        return Status::Orphaned(why);
    }
    let Some(written) = tags.get(FINGERPRINT_TAG) else {
        return Status::Unverifiable(
            "it has no fingerprint tag: it was last written before the audit existed; deploy \
             its stack with a new Revision to write one"
                .into(),
        );
    };
    let Some(wanted) = Fingerprint::parse(written) else {
        return Status::Unverifiable(format!(
            "its {FINGERPRINT_TAG} tag is not one this provider writes ({written:?})"
        ));
    };
    let aspects = wanted.drifted(&Fingerprint::observed(destination, tags));
    if !aspects.is_empty() {
        return Status::Drifted(aspects);
    }
    match (owner, lookup) {
        (Owner::Shortened { .. }, _) => Status::Unverifiable(format!(
            "its {OWNER_TAG} tag was shortened (the stack and logical id did not fit in a tag \
             value), so its stack resource cannot be looked up"
        )),
        (Owner::Unreadable(value), _) => Status::Unverifiable(format!(
            "its {OWNER_TAG} tag {value:?} names no stack resource this provider writes"
        )),
        (_, Lookup::Failed(why)) => Status::Unverifiable(why.clone()),
        _ => Status::InSync,
    }
}

/// Why the destination's stack resource no longer holds it, if it does not.
fn orphaned(destination: &Destination, lookup: &Lookup) -> Option<String> {
    match lookup {
        Lookup::Unknown => Some("CloudFormation knows neither its stack nor its resource".into()),
        Lookup::Found(resource)
            if matches!(
                resource.status.as_str(),
                "DELETE_COMPLETE" | "DELETE_SKIPPED"
            ) =>
        {
            Some(format!(
                "its stack resource is {} (the stack or the resource was deleted)",
                resource.status
            ))
        }
        // Empty while a Create is in progress: not orphaned.
        Lookup::Found(resource)
            if !resource.physical_id.is_empty() && resource.physical_id != destination.name =>
        {
            Some(format!(
                "its stack resource now has the id {:?}",
                resource.physical_id
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
