//! Create / Update / Delete semantics: ownership, replacement and rollback safety.
//!
//! The rules that keep users safe:
//! - a destination this provider creates carries an ownership tag naming the stack and logical
//!   resource, written atomically with the destination itself;
//! - a destination without that tag is never changed or deleted;
//! - a failed Create answers with an id that cannot name a destination, so its rollback Delete
//!   touches nothing, and it leaves nothing behind that the rollback would not remove.

use crate::destinations::{AwsError, Destination, Destinations};
use crate::event::{CfnRequest, ReplyTarget, RequestKind};
use crate::properties::{self, DestinationProperties, Policy, RESERVED_TAG_PREFIX};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The ownership tag's key.
pub const OWNER_TAG: &str = "cfn-logs-destination:owner";
const MAX_TAG_VALUE_CHARS: usize = 256;

/// A request that was carried out.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub physical_resource_id: String,
    /// The destination's final state, for the reply's `Data`; `None` after a Delete.
    pub destination: Option<Destination>,
    /// Something the user should know although the request succeeded.
    pub warning: Option<String>,
}

/// A request that could not be carried out, and the id to answer it with.
#[derive(Clone, Debug, PartialEq)]
pub struct Failed {
    pub physical_resource_id: String,
    pub reason: String,
}

/// Carries out one request. `function_arn` is the invoked function's ARN: the destination lives
/// in the function's account, which names its ARN without a lookup.
pub async fn run(
    logs: &Destinations,
    request: &CfnRequest,
    function_arn: &str,
) -> Result<Done, Failed> {
    let owner = owner_tag_value(&request.target);
    match &request.kind {
        RequestKind::Create => create(logs, request, &owner).await,
        RequestKind::Update {
            physical_resource_id,
            old_properties,
        } => update(logs, request, &owner, physical_resource_id, old_properties).await,
        RequestKind::Delete {
            physical_resource_id,
        } => delete(logs, physical_resource_id, &owner, function_arn).await,
    }
}

/// What EventBridge-triggered provisioning did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    Deleted,
    AlreadyAbsent,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
            Action::AlreadyAbsent => "already absent",
        }
    }
}

/// EventBridge-triggered provisioning. The sender names the destination and asks for it
/// explicitly, so an existing destination is adopted (Create/Update make it match) and Delete
/// removes it if present. There is no stack, hence no ownership tag.
pub async fn provision(
    logs: &Destinations,
    request_type: &str,
    properties: &Value,
) -> Result<(Action, String, Option<Destination>), String> {
    match request_type {
        "Create" | "Update" => {
            let desired = properties::parse(properties).map_err(|e| e.to_string())?;
            let name = desired.name.clone().ok_or_else(name_required)?;
            let existing = logs.find(&name).await.map_err(|e| e.to_string())?;
            let mut destination = logs
                .put(&name, &desired.target_arn, &desired.role_arn, &desired.tags)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(existing) = &existing {
                destination.access_policy = destination
                    .access_policy
                    .or_else(|| existing.access_policy.clone());
                // PutDestination only tags what it creates.
                if !desired.tags.is_empty() {
                    logs.tag(&name, &destination.arn, &desired.tags)
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }
            if let Some(policy) = &desired.policy {
                put_policy_if_changed(logs, &destination, policy, desired.force_update)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let action = if existing.is_some() {
                Action::Updated
            } else {
                Action::Created
            };
            Ok((action, name, Some(destination)))
        }
        "Delete" => {
            // Only the name matters to a Delete.
            let name = properties
                .get("DestinationName")
                .and_then(Value::as_str)
                .filter(|name| properties::is_valid_name(name))
                .ok_or_else(name_required)?;
            let deleted = logs.delete(name).await.map_err(|e| e.to_string())?;
            let action = if deleted {
                Action::Deleted
            } else {
                Action::AlreadyAbsent
            };
            Ok((action, name.to_owned(), None))
        }
        other => Err(format!(
            "RequestType must be Create, Update or Delete (got {other:?})"
        )),
    }
}

fn name_required() -> String {
    "DestinationName is required for EventBridge requests (1-512 characters, no ':' or '*'): \
     there is no stack to generate one from"
        .into()
}

/// The id a failed Create answers with: it contains `:`, so it can never name a destination
/// and the rollback Delete that carries it deletes nothing.
pub fn failed_create_id(request_id: &str) -> String {
    format!("{RESERVED_TAG_PREFIX}create-failed:{request_id}")
}

async fn create(logs: &Destinations, request: &CfnRequest, owner: &str) -> Result<Done, Failed> {
    let failed_id = failed_create_id(&request.target.request_id);
    let desired = properties::parse(&request.properties).map_err(|errors| Failed {
        physical_resource_id: failed_id.clone(),
        reason: errors.to_string(),
    })?;
    let name = desired
        .name
        .clone()
        .unwrap_or_else(|| generated_name(&request.target));
    match create_destination(logs, &name, &desired, owner).await {
        Ok(destination) => Ok(Done {
            physical_resource_id: name,
            destination: Some(destination),
            warning: None,
        }),
        Err(failure) => Err(Failed {
            // Answer with the real name only while our destination still exists, so that the
            // rollback Delete removes it.
            physical_resource_id: if failure.left_behind { name } else { failed_id },
            reason: failure.reason,
        }),
    }
}

struct CreateFailure {
    reason: String,
    /// The destination this attempt created is still there (its cleanup failed too).
    left_behind: bool,
}

impl From<AwsError> for CreateFailure {
    fn from(error: AwsError) -> Self {
        CreateFailure {
            reason: error.to_string(),
            left_behind: false,
        }
    }
}

/// Creates `name` as Create does: a destination that exists already is only taken over when
/// it carries this resource's ownership tag (a retried delivery of the same request).
async fn create_destination(
    logs: &Destinations,
    name: &str,
    desired: &DestinationProperties,
    owner: &str,
) -> Result<Destination, CreateFailure> {
    let mut tags = desired.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), owner.to_owned());

    if let Some(existing) = logs.find(name).await? {
        let current = logs.tags(name, &existing.arn).await?.unwrap_or_default();
        if current.get(OWNER_TAG).map(String::as_str) != Some(owner) {
            return Err(CreateFailure {
                reason: format!(
                    "Destination {name} already exists and is not managed by this stack \
                     resource (it has no {OWNER_TAG} tag for it); choose another \
                     DestinationName or delete the existing destination"
                ),
                left_behind: false,
            });
        }
        let destination = logs
            .put(name, &desired.target_arn, &desired.role_arn, &tags)
            .await?;
        if let Some(policy) = &desired.policy {
            put_policy_if_changed(logs, &destination, policy, desired.force_update).await?;
        }
        apply_tag_changes(logs, &destination, &without_system_tags(current), &tags).await?;
        return Ok(destination);
    }

    let destination = logs
        .put(name, &desired.target_arn, &desired.role_arn, &tags)
        .await?;
    if let Some(policy) = &desired.policy {
        if let Err(error) = logs
            .put_policy(name, &policy.text, desired.force_update)
            .await
        {
            // Leave no orphan: remove what this attempt created before answering.
            let cleanup = logs.delete(name).await;
            let mut reason = error.to_string();
            if let Err(cleanup_error) = &cleanup {
                reason.push_str(&format!(
                    "; removing the new destination failed as well ({cleanup_error}), so the \
                     rollback will delete it"
                ));
            }
            return Err(CreateFailure {
                reason,
                left_behind: cleanup.is_err(),
            });
        }
    }
    Ok(destination)
}

async fn update(
    logs: &Destinations,
    request: &CfnRequest,
    owner: &str,
    current_id: &str,
    old_properties: &Value,
) -> Result<Done, Failed> {
    let fail = |reason: String| Failed {
        physical_resource_id: current_id.to_owned(),
        reason,
    };
    let desired = properties::parse(&request.properties).map_err(|e| fail(e.to_string()))?;
    let old = properties::parse(old_properties).ok();
    let old_name_was_explicit = old.as_ref().is_some_and(|old| old.name.is_some());
    let name = match &desired.name {
        Some(name) => name.clone(),
        // The template stopped naming the destination: a new, generated one replaces it.
        None if old_name_was_explicit => generated_name(&request.target),
        None => current_id.to_owned(),
    };

    if name != current_id {
        // Replacement: CloudFormation deletes the old destination after a SUCCESS.
        return match create_destination(logs, &name, &desired, owner).await {
            Ok(destination) => Ok(Done {
                physical_resource_id: name,
                destination: Some(destination),
                warning: None,
            }),
            Err(failure) => Err(fail(failure.reason)),
        };
    }
    if !properties::is_valid_name(current_id) {
        return Err(fail(format!(
            "The physical id {current_id:?} is not a destination name this provider created"
        )));
    }

    // PutDestination is an upsert: a destination deleted out of band comes back with the
    // ownership tag, which only takes effect on creation.
    let mut tags = desired.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), owner.to_owned());
    let destination = logs
        .put(&name, &desired.target_arn, &desired.role_arn, &tags)
        .await
        .map_err(|e| fail(e.to_string()))?;

    let had_policy = old.as_ref().map_or_else(
        || properties::has_policy(old_properties),
        |old| old.policy.is_some(),
    );
    let policy = match &desired.policy {
        Some(policy) => Some(policy.clone()),
        // There is no DeleteDestinationPolicy: a removed policy becomes one that grants only
        // the destination's own account, so no other account keeps access.
        None if had_policy || destination.access_policy.is_some() => {
            Some(own_account_only_policy(&destination))
        }
        None => None,
    };
    if let Some(policy) = &policy {
        put_policy_if_changed(logs, &destination, policy, desired.force_update)
            .await
            .map_err(|e| fail(e.to_string()))?;
    }

    // The tag diff comes from the request; only old properties that no longer parse need a
    // look at the destination's actual tags.
    let old_tags = old
        .map(|old| old.tags)
        .or_else(|| properties::parse_tags_only(old_properties));
    let mut old_tags = match old_tags {
        Some(tags) => tags,
        None => logs
            .tags(&name, &destination.arn)
            .await
            .map_err(|e| fail(e.to_string()))?
            .map(without_system_tags)
            .unwrap_or_default(),
    };
    old_tags.insert(OWNER_TAG.to_owned(), owner.to_owned());
    apply_tag_changes(logs, &destination, &old_tags, &tags)
        .await
        .map_err(|e| fail(e.to_string()))?;

    Ok(Done {
        physical_resource_id: name,
        destination: Some(destination),
        warning: None,
    })
}

async fn delete(
    logs: &Destinations,
    id: &str,
    owner: &str,
    function_arn: &str,
) -> Result<Done, Failed> {
    // A failed Create's id, or one CloudFormation generated for a cancelled Create: nothing of
    // ours can carry it.
    if !properties::is_valid_name(id) {
        return Ok(Done {
            physical_resource_id: id.to_owned(),
            destination: None,
            warning: None,
        });
    }
    match delete_if_owned(logs, id, owner, function_arn).await {
        Ok(warning) => Ok(Done {
            physical_resource_id: id.to_owned(),
            destination: None,
            warning,
        }),
        Err(error) => Err(Failed {
            physical_resource_id: id.to_owned(),
            reason: error.to_string(),
        }),
    }
}

async fn delete_if_owned(
    logs: &Destinations,
    name: &str,
    owner: &str,
    function_arn: &str,
) -> Result<Option<String>, AwsError> {
    let arn = match destination_arn(function_arn, logs.region().as_deref(), name) {
        Some(arn) => arn,
        None => match logs.find(name).await? {
            Some(existing) => existing.arn,
            None => return Ok(None),
        },
    };
    let Some(tags) = logs.tags(name, &arn).await? else {
        return Ok(None);
    };
    if tags.get(OWNER_TAG).map(String::as_str) != Some(owner) {
        let warning = format!(
            "Destination {name} has no {OWNER_TAG} tag for this stack resource (it does not \
             exist, or this resource did not create it); it was left untouched"
        );
        tracing::warn!(destination = name, "{warning}");
        return Ok(Some(warning));
    }
    logs.delete(name).await?;
    Ok(None)
}

/// `arn:PARTITION:logs:REGION:ACCOUNT:destination:NAME`, in the invoked function's account.
fn destination_arn(function_arn: &str, region: Option<&str>, name: &str) -> Option<String> {
    let parts: Vec<&str> = function_arn.splitn(7, ':').collect();
    let [_, partition, _, function_region, account, ..] = parts.as_slice() else {
        return None;
    };
    let region = region.unwrap_or(function_region);
    (parts.len() == 7 && !partition.is_empty() && !account.is_empty() && !region.is_empty())
        .then(|| format!("arn:{partition}:logs:{region}:{account}:destination:{name}"))
}

async fn put_policy_if_changed(
    logs: &Destinations,
    destination: &Destination,
    policy: &Policy,
    force_update: bool,
) -> Result<(), AwsError> {
    if policy.same_as(destination.access_policy.as_deref()) {
        return Ok(());
    }
    logs.put_policy(&destination.name, &policy.text, force_update)
        .await
}

/// Tags `desired` has that `current` lacks or differs on are set; keys only `current` has are
/// removed.
async fn apply_tag_changes(
    logs: &Destinations,
    destination: &Destination,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let to_set: BTreeMap<String, String> = desired
        .iter()
        .filter(|(key, value)| current.get(*key) != Some(*value))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let to_remove: Vec<String> = current
        .keys()
        .filter(|key| !desired.contains_key(*key))
        .cloned()
        .collect();
    if !to_remove.is_empty() {
        logs.untag(&destination.name, &destination.arn, &to_remove)
            .await?;
    }
    if !to_set.is_empty() {
        logs.tag(&destination.name, &destination.arn, &to_set)
            .await?;
    }
    Ok(())
}

/// Tags AWS manages (`aws:`) can be neither set nor removed by us.
fn without_system_tags(tags: BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.into_iter()
        .filter(|(key, _)| !key.starts_with("aws:"))
        .collect()
}

/// Replaces a removed policy: only the destination's own account may subscribe.
fn own_account_only_policy(destination: &Destination) -> Policy {
    let account = destination.arn.split(':').nth(4).unwrap_or_default();
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OwnAccountOnly",
            "Effect": "Allow",
            "Principal": {"AWS": account},
            "Action": "logs:PutSubscriptionFilter",
            "Resource": destination.arn,
        }]
    });
    Policy {
        text: document.to_string(),
        document,
    }
}

/// `stack-name/stack-uuid/LogicalId`, the stack's identity that survives nothing but itself;
/// shortened with a hash when it would not fit in a tag value.
pub fn owner_tag_value(target: &ReplyTarget) -> String {
    let stack = target
        .stack_id
        .split_once(":stack/")
        .map_or(target.stack_id.as_str(), |(_, rest)| rest);
    let value: String = format!("{stack}/{}", target.logical_resource_id)
        .chars()
        .map(|c| if properties::is_tag_char(c) { c } else { '_' })
        .collect();
    if value.chars().count() <= MAX_TAG_VALUE_CHARS {
        return value;
    }
    let hash = format!(
        "{:016x}",
        fnv1a(&[&target.stack_id, &target.logical_resource_id])
    );
    let keep: String = value
        .chars()
        .take(MAX_TAG_VALUE_CHARS - hash.len() - 1)
        .collect();
    format!("{keep}={hash}")
}

/// `StackName-LogicalId-SUFFIX`, like CloudFormation's own names. The suffix hashes the stack,
/// the resource and the request, so retries of one request agree on the name and a later
/// replacement gets a new one.
pub fn generated_name(target: &ReplyTarget) -> String {
    let stack_name = target
        .stack_id
        .split_once(":stack/")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or("stack");
    let hash = fnv1a(&[
        &target.stack_id,
        &target.logical_resource_id,
        &target.request_id,
    ]);
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let suffix: String = (0..12)
        .map(|i| ALPHABET[((hash >> (i * 5)) & 31) as usize] as char)
        .collect();
    let base: String = format!("{stack_name}-{}", target.logical_resource_id)
        .chars()
        .map(|c| {
            if matches!(c, ':' | '*') || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .take(properties::MAX_NAME_CHARS - suffix.len() - 1)
        .collect();
    format!("{base}-{suffix}")
}

/// FNV-1a: a tiny hash that, unlike std's, stays the same across Rust releases.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destinations::tests::{created, invalid_parameter};
    use crate::event::RequestKind;
    use aws_sdk_cloudwatchlogs::operation::delete_destination::{
        DeleteDestinationError, DeleteDestinationOutput,
    };
    use aws_sdk_cloudwatchlogs::operation::describe_destinations::DescribeDestinationsOutput;
    use aws_sdk_cloudwatchlogs::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use aws_sdk_cloudwatchlogs::operation::put_destination::PutDestinationError;
    use aws_sdk_cloudwatchlogs::operation::put_destination_policy::PutDestinationPolicyError;
    use aws_sdk_cloudwatchlogs::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
    const NAME: &str = "central";

    fn request(kind: RequestKind, properties: Value) -> CfnRequest {
        CfnRequest {
            kind,
            target: target(STACK, "Destination", "r1"),
            properties,
        }
    }

    fn properties_with_policy() -> Value {
        json!({
            "DestinationName": NAME,
            "TargetArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "DestinationPolicy": {"Version": "2012-10-17", "Statement": []},
        })
    }

    fn no_destination() -> Rule {
        mock!(Client::describe_destinations)
            .then_output(|| DescribeDestinationsOutput::builder().build())
    }

    fn put_ok() -> Rule {
        mock!(Client::put_destination).then_output(created)
    }

    fn policy_rejected() -> Rule {
        mock!(Client::put_destination_policy).then_error(|| {
            PutDestinationPolicyError::InvalidParameterException(invalid_parameter("bad principal"))
        })
    }

    /// A Create whose PutDestinationPolicy is rejected after PutDestination created the
    /// destination; `delete` answers the cleanup.
    async fn create_with_rejected_policy(delete: &Rule) -> Failed {
        let (describe, put, policy) = (no_destination(), put_ok(), policy_rejected());
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put, &policy, delete]
        );
        let create = request(RequestKind::Create, properties_with_policy());
        run(&Destinations::new(client), &create, FUNCTION)
            .await
            .expect_err("the create must fail")
    }

    #[tokio::test]
    async fn a_policy_failure_after_creation_removes_the_new_destination() {
        let delete = mock!(Client::delete_destination)
            .then_output(|| DeleteDestinationOutput::builder().build());
        let failed = create_with_rejected_policy(&delete).await;
        assert_eq!(delete.num_calls(), 1, "the new destination was not removed");
        assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
        assert!(failed.reason.contains("PutDestinationPolicy for destination central failed: InvalidParameterException: bad principal"), "{}", failed.reason);
    }

    #[tokio::test]
    async fn when_cleanup_fails_too_the_reply_names_the_destination_for_the_rollback() {
        let delete = mock!(Client::delete_destination).then_error(|| {
            DeleteDestinationError::InvalidParameterException(invalid_parameter("denied"))
        });
        let failed = create_with_rejected_policy(&delete).await;
        assert_eq!(failed.physical_resource_id, NAME);
        assert!(
            failed.reason.contains("the rollback will delete it"),
            "{}",
            failed.reason
        );
    }

    #[tokio::test]
    async fn the_role_propagation_failure_is_retried_until_it_clears() {
        let describe = no_destination();
        let put = mock!(Client::put_destination)
            .sequence()
            .error(|| {
                PutDestinationError::InvalidParameterException(invalid_parameter(
                    "Could not deliver test message to specified destination. Check if the destination is valid.",
                ))
            })
            .times(2)
            .output(created)
            .build();
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put]
        );
        let mut properties = properties_with_policy();
        properties
            .as_object_mut()
            .map(|p| p.remove("DestinationPolicy"));

        let done = run(
            &Destinations::new(client),
            &request(RequestKind::Create, properties),
            FUNCTION,
        )
        .await
        .expect("created after retries");
        assert_eq!(put.num_calls(), 3);
        assert_eq!(done.physical_resource_id, NAME);
    }

    #[tokio::test]
    async fn other_invalid_parameters_are_not_retried_and_explain_themselves() {
        let describe = no_destination();
        let put = mock!(Client::put_destination).then_error(|| {
            PutDestinationError::InvalidParameterException(invalid_parameter(
                "Role ARN is malformed",
            ))
        });
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put]
        );
        let failed = run(
            &Destinations::new(client),
            &request(RequestKind::Create, properties_with_policy()),
            FUNCTION,
        )
        .await
        .expect_err("fails");
        assert_eq!(put.num_calls(), 1);
        assert_eq!(failed.physical_resource_id, failed_create_id("r1"));
        assert!(failed.reason.contains("PutDestination for destination central failed: InvalidParameterException: Role ARN is malformed"), "{}", failed.reason);
    }

    #[test]
    fn a_persistent_test_message_failure_lists_the_likely_causes() {
        let error = AwsError {
            operation: "PutDestination",
            destination: NAME.into(),
            code: Some("InvalidParameterException".into()),
            message: "Could not deliver test message to specified destination.".into(),
        };
        let text = error.to_string();
        assert!(
            text.contains("logs.amazonaws.com") && text.contains("KMS"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn delete_leaves_a_destination_without_our_tag_alone() {
        let tags = mock!(Client::list_tags_for_resource).then_output(|| {
            ListTagsForResourceOutput::builder()
                .tags(
                    "cfn-logs-destination:owner",
                    "another-stack/uuid/Destination",
                )
                .build()
        });
        let delete = mock!(Client::delete_destination)
            .then_output(|| DeleteDestinationOutput::builder().build());
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&tags, &delete]);
        let kind = RequestKind::Delete {
            physical_resource_id: NAME.into(),
        };
        let done = run(
            &Destinations::new(client),
            &request(kind, json!({})),
            FUNCTION,
        )
        .await
        .expect("a delete of something not ours still succeeds");
        assert_eq!(
            delete.num_calls(),
            0,
            "deleted a destination this stack did not create"
        );
        assert!(done.warning.expect("warning").contains("left untouched"));
    }

    fn target(stack_id: &str, logical: &str, request: &str) -> ReplyTarget {
        ReplyTarget {
            response_url: String::new(),
            stack_id: stack_id.into(),
            request_id: request.into(),
            logical_resource_id: logical.into(),
        }
    }

    const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/central-logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f";

    #[test]
    fn generated_names_are_valid_stable_and_distinct_per_request() {
        let first = generated_name(&target(STACK, "Destination", "r1"));
        assert!(first.starts_with("central-logs-Destination-"), "{first}");
        assert_eq!(first.len(), "central-logs-Destination-".len() + 12);
        assert!(properties::is_valid_name(&first));
        assert_eq!(first, generated_name(&target(STACK, "Destination", "r1")));
        assert_ne!(first, generated_name(&target(STACK, "Destination", "r2")));
        let long = generated_name(&target(
            &format!("{STACK}{}", "x".repeat(600)),
            &"L".repeat(300),
            "r",
        ));
        assert!(
            properties::is_valid_name(&long),
            "{} chars",
            long.chars().count()
        );
    }

    #[test]
    fn owner_tag_names_stack_and_resource_within_tag_limits() {
        let value = owner_tag_value(&target(STACK, "Destination", "r1"));
        assert_eq!(
            value,
            "central-logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f/Destination"
        );
        let long_a = owner_tag_value(&target(STACK, &"A".repeat(300), "r"));
        let long_b = owner_tag_value(&target(STACK, &format!("{}B", "A".repeat(299)), "r"));
        assert_eq!(long_a.chars().count(), 256);
        assert_ne!(long_a, long_b);
        assert!(long_a.chars().all(properties::is_tag_char));
        let odd = owner_tag_value(&target("local#stack", "Dest", "r"));
        assert!(odd.chars().all(properties::is_tag_char), "{odd}");
    }

    #[test]
    fn failed_create_ids_can_never_name_a_destination() {
        assert!(!properties::is_valid_name(&failed_create_id("8a7c-1")));
    }

    #[test]
    fn destination_arns_come_from_the_function_account() {
        let function = "arn:aws:lambda:us-east-1:123456789012:function:cfn-logs-destination";
        assert_eq!(
            destination_arn(function, Some("eu-west-1"), "d").as_deref(),
            Some("arn:aws:logs:eu-west-1:123456789012:destination:d")
        );
        assert_eq!(
            destination_arn(function, None, "d").as_deref(),
            Some("arn:aws:logs:us-east-1:123456789012:destination:d")
        );
        assert_eq!(destination_arn("", None, "d"), None);
    }
}
