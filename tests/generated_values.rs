//! What the function makes up from request data, by property: generated destination names,
//! ownership tag values and reply bodies stay valid for arbitrary stack ids, logical ids,
//! request ids and messages.

mod arbitrary;

use arbitrary::text;
use cfn_logs_destination::event::ReplyTarget;
use cfn_logs_destination::lifecycle::{generated_name, owner_tag_value};
use cfn_logs_destination::properties::{
    is_tag_char, is_taggable_name, is_valid_name, MAX_NAME_CHARS,
};
use cfn_logs_destination::response::{Reply, Status, MAX_BODY_BYTES};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// Ids as CloudFormation sends them, and as a hostile payload might.
fn stack_id() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-zA-Z][a-zA-Z0-9-]{0,127}", "[0-9a-f-]{36}").prop_map(|(name, uuid)| format!(
            "arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/{uuid}"
        )),
        text().prop_map(|rest| format!("arn:aws:cloudformation:eu-west-1:1:stack/{rest}")),
        text(),
    ]
}

fn target() -> impl Strategy<Value = ReplyTarget> {
    (stack_id(), text(), text()).prop_map(|(stack_id, logical_resource_id, request_id)| {
        ReplyTarget {
            response_url: String::new(),
            stack_id,
            request_id,
            logical_resource_id,
        }
    })
}

/// What CloudFormation itself sends: every id within its documented bounds.
fn cloudformation_target() -> impl Strategy<Value = ReplyTarget> {
    (
        "[a-zA-Z][a-zA-Z0-9-]{0,127}",
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[A-Za-z0-9]{1,255}",
    )
        .prop_map(|(name, uuid, logical_resource_id)| ReplyTarget {
            response_url: String::new(),
            stack_id: format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/{uuid}"),
            request_id: uuid,
            logical_resource_id,
        })
}

/// A reply; `physical_resource_id` is ours (a destination name of up to 512 characters, or a
/// failed Create's id) or, for a hostile request's Update or Delete, whatever it held.
fn reply(physical_resource_id: BoxedStrategy<String>) -> impl Strategy<Value = Reply> {
    (
        any::<bool>(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        physical_resource_id,
        proptest::collection::btree_map(text(), text(), 0..4),
    )
        .prop_map(
            |(success, reason, reason_suffix, physical_resource_id, data)| Reply {
                status: if success {
                    Status::Success
                } else {
                    Status::Failed
                },
                reason,
                reason_suffix,
                physical_resource_id,
                data,
            },
        )
}

proptest! {
    #![proptest_config(arbitrary::config())]

    /// A name CloudWatch Logs accepts, the same for a retried request, ending in the suffix.
    #[test]
    fn generated_names_are_valid_and_stable(target in target()) {
        let name = generated_name(&target);
        prop_assert!(is_valid_name(&name), "{name:?}");
        prop_assert!(is_taggable_name(&name), "{name:?}");
        prop_assert!(name.chars().count() <= MAX_NAME_CHARS);
        prop_assert_eq!(&name, &generated_name(&target));
        let suffix = name.rsplit('-').next().unwrap_or_default();
        prop_assert_eq!(suffix.len(), 12, "{}", name);
        prop_assert!(suffix.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    }

    /// For the ids CloudFormation sends (stack names `[a-zA-Z][-a-zA-Z0-9]*`, alphanumeric
    /// logical ids), a generated name is one the tagging APIs can address
    /// (`[\w+=/:,.@-]*` in its ARN), so the ownership tag can always be set.
    #[test]
    fn generated_names_for_cloudformation_ids_can_be_tagged(target in cloudformation_target()) {
        let name = generated_name(&target);
        prop_assert!(is_taggable_name(&name), "{name:?}");
    }

    /// A tag value CloudWatch Logs accepts (0-256 characters of its alphabet), the same for
    /// the same stack resource, and different for another logical id of the same stack.
    #[test]
    fn owner_tag_values_are_valid_and_stable(target in target(), other in text()) {
        let value = owner_tag_value(&target);
        prop_assert!(value.chars().count() <= 256, "{} characters", value.chars().count());
        prop_assert!(value.chars().all(is_tag_char), "{value:?}");
        prop_assert_eq!(&value, &owner_tag_value(&target));
        let mut sibling = target.clone();
        sibling.logical_resource_id = other;
        if sibling.logical_resource_id != target.logical_resource_id
            && [&target, &sibling].iter().all(|t| t.logical_resource_id.chars().all(is_tag_char))
        {
            prop_assert_ne!(value, owner_tag_value(&sibling));
        }
    }

    /// For what CloudFormation sends, the reply always fits, keeps every echoed field and the
    /// status, and a shortened Reason is a prefix of the original cut between characters,
    /// marked, with the log location kept whole.
    #[test]
    fn reply_bodies_fit_and_keep_what_cloudformation_matches_on(
        reply in reply(prop_oneof!["[a-zA-Z0-9._-]{1,512}", ".{1,512}"].boxed()),
        target in cloudformation_target(),
    ) {
        let body = reply.body(&target);
        prop_assert!(body.len() <= MAX_BODY_BYTES, "{} bytes", body.len());
        let json: Value = serde_json::from_slice(&body)
            .map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
        prop_assert_eq!(json["StackId"].as_str(), Some(target.stack_id.as_str()));
        prop_assert_eq!(json["RequestId"].as_str(), Some(target.request_id.as_str()));
        prop_assert_eq!(
            json["LogicalResourceId"].as_str(),
            Some(target.logical_resource_id.as_str())
        );
        prop_assert_eq!(
            json["PhysicalResourceId"].as_str(),
            Some(reply.physical_resource_id.as_str())
        );
        let sent = json["Reason"].as_str().unwrap_or_default();
        let full = format!(
            "{}{}",
            reply.reason.as_deref().unwrap_or_default(),
            reply.reason_suffix.as_deref().unwrap_or_default()
        );
        if sent.starts_with("The reply would exceed CloudFormation's 4096-byte limit") {
            // Only a reply that cannot fit even with its Reason cut becomes the short FAILED.
            prop_assert_eq!(json["Status"].as_str(), Some("FAILED"));
            prop_assert!(json.get("Data").is_none_or(|d| d.as_object().is_some_and(|d| d.is_empty())));
            return Ok(());
        }
        prop_assert_eq!(json["Status"].as_str(), Some(reply.status.as_str()));
        let data: BTreeMap<String, String> = serde_json::from_value(json["Data"].clone())
            .unwrap_or_default();
        prop_assert_eq!(&data, &reply.data);
        match reply.reason.as_deref() {
            None => prop_assert!(json.get("Reason").is_none(), "{sent:?}"),
            Some(_) if sent == full => {}
            Some(reason) => {
                let mark = format!(
                    " [truncated]{}",
                    reply.reason_suffix.as_deref().unwrap_or_default()
                );
                let kept = sent.strip_suffix(mark.as_str());
                prop_assert!(kept.is_some(), "shortened Reason without its mark: {sent:?}");
                prop_assert!(reason.starts_with(kept.unwrap_or_default()));
            }
        }
    }

    /// Whatever the echoed fields hold (a hostile payload's), the body stays within the limit.
    #[test]
    fn reply_bodies_fit_whatever_the_request_held(
        reply in reply(text().boxed()),
        target in target(),
    ) {
        let body = reply.body(&target);
        prop_assert!(body.len() <= MAX_BODY_BYTES, "{} bytes", body.len());
        prop_assert!(serde_json::from_slice::<Value>(&body).is_ok());
    }
}
