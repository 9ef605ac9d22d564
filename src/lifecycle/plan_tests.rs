//! The plan as data: (request, what each Region holds) -> each Region's step, writes and undo,
//! or the refusal; one table row per rule of docs/trust.md ("Ownership and rollback safety")
//! and docs/regions.md, for stacks and for provisioning.

use super::*;
use crate::event::{CfnRequest, RequestKind};
use crate::lifecycle::authority::{Tags, PROVISIONING_OWNER};
use crate::lifecycle::checks::before_writing;
use crate::lifecycle::fingerprint::{Fingerprint, RequestedRegions, FINGERPRINT_TAG};
use crate::lifecycle::intent::{for_provisioning, for_stack};
use crate::lifecycle::names::ADOPTABLE_BY_TAG;
use crate::lifecycle::refusal::refusal;
use crate::lifecycle::tests::{target, STACK};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
const OTHER_TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/other";
const ROLE: &str = "arn:aws:iam::123456789012:role/r";
const OWNER: &str = "central-logs/0f9a4b20-1c2d-11ef-9a4b-0a1b2c3d4e5f/Destination";
const NOW: i64 = 1_800_000_000_000;

fn properties(extra: Value) -> Value {
    let mut properties = json!({
        "DestinationName": "central",
        "TargetArn": TARGET,
        "RoleArn": ROLE,
        "Tags": [{"Key": "team", "Value": "observability"}],
    });
    if let (Some(p), Some(extra)) = (properties.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    properties
}

fn stack(kind: RequestKind, properties: Value) -> Intent {
    let request = CfnRequest {
        kind,
        target: target(STACK, "Destination", "r1"),
        properties,
        resource_type: "Custom::LogsDestination".into(),
    };
    let mut intent = for_stack(&request, "us-east-1", None)
        .expect("a valid request")
        .expect("work to do");
    intent.arns = before_writing(&intent, FUNCTION, None).expect("checked");
    intent
}

fn create(extra: Value) -> Intent {
    stack(RequestKind::Create, properties(extra))
}

fn update(old: Value, new: Value) -> Intent {
    stack(
        RequestKind::Update {
            physical_resource_id: "central".into(),
            old_properties: properties(old),
        },
        properties(new),
    )
}

fn delete(extra: Value) -> Intent {
    stack(
        RequestKind::Delete {
            physical_resource_id: "central".into(),
        },
        properties(extra),
    )
}

fn provisioning(request_type: &str, extra: Value) -> Intent {
    let mut intent = for_provisioning(
        request_type,
        &properties(extra),
        None,
        "",
        ("us-east-1", None),
    )
    .expect("a valid event");
    intent.arns = before_writing(&intent, FUNCTION, None).expect("checked");
    intent
}

fn destination(region: &str, target: &str, created: i64, policy: Option<&str>) -> Destination {
    Destination {
        name: "central".into(),
        arn: format!("arn:aws:logs:{region}:123456789012:destination:central"),
        target_arn: target.into(),
        role_arn: ROLE.into(),
        access_policy: policy.map(str::to_owned),
        creation_time_ms: Some(created),
    }
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Long ago, tagged as `pairs` say.
fn present(region: &str, pairs: &[(&str, &str)]) -> Seen {
    Seen::Present {
        destination: Some(destination(region, TARGET, 0, None)),
        tags: tags(pairs),
    }
}

/// Ours, as this file's `properties` (no policy) last wrote it, fingerprint included.
fn ours(region: &str) -> Seen {
    Seen::Present {
        destination: Some(destination(region, TARGET, 0, None)),
        tags: owned_tag_set(),
    }
}

/// `tags` plus the fingerprint of `target`, ROLE, `policy` and `tags`' user tags.
fn with_print(mut tags: Tags, target: &str, policy: Option<&Value>) -> Tags {
    let print = Fingerprint::of(target, ROLE, policy, &tags)
        .with_regions(RequestedRegions::listed(&["us-east-1".to_owned()]))
        .tag_value();
    tags.insert(FINGERPRINT_TAG.into(), print);
    tags
}

/// The policy a write sets, as a document.
fn written_policy(write: &Write) -> Option<Value> {
    match write {
        Write::Policy { text, .. } => serde_json::from_str(text).ok(),
        _ => None,
    }
}

fn seen(states: Vec<(&str, Seen)>) -> Observation {
    states
        .into_iter()
        .map(|(region, seen)| (region.to_owned(), Ok(seen)))
        .collect()
}

fn steps(plan: &Plan) -> Vec<(&str, Step)> {
    plan.regions
        .iter()
        .map(|p| (p.region.as_str(), p.step))
        .collect()
}

fn only(plan: &Plan) -> &RegionPlan {
    assert_eq!(plan.regions.len(), 1, "{plan:?}");
    &plan.regions[0]
}

fn refused(intent: &Intent, observed: &Observation) -> String {
    let blocked = plan(intent, observed, NOW).expect_err("refused");
    refusal(intent, &blocked)
}

fn owned_tag_set() -> Tags {
    with_print(
        tags(&[(OWNER_TAG, OWNER), ("team", "observability")]),
        TARGET,
        None,
    )
}

#[test]
fn create_of_an_absent_destination_puts_then_tags_and_sets_the_policy_at_once() {
    let intent = create(json!({"AllowedAccounts": ["111122223333"]}));
    let plan = plan(&intent, &seen(vec![("us-east-1", Seen::Absent)]), NOW).expect("a plan");
    let part = only(&plan);
    assert_eq!(part.step, Step::Create);
    assert_eq!(part.writes.len(), 2, "two round trips of writes");
    assert_eq!(
        part.writes[0],
        [Write::Put {
            target_arn: TARGET.into(),
            role_arn: ROLE.into(),
            creates: true
        }]
    );
    // The fingerprint, of the policy it writes, goes in the one TagResource.
    let policy = written_policy(&part.writes[1][1]);
    let base = tags(&[(OWNER_TAG, OWNER), ("team", "observability")]);
    assert_eq!(
        part.writes[1][0],
        Write::Tag(with_print(base, TARGET, policy.as_ref()))
    );
    assert!(
        matches!(&part.writes[1][1], Write::Policy { text, .. } if text.contains("111122223333")
            && text.contains("arn:aws:logs:us-east-1:123456789012:destination:central")),
        "{:?}",
        part.writes[1]
    );
    assert_eq!(part.undo, [[Write::Delete]]);
}

#[test]
fn create_takes_over_its_own_destination_tagged_or_unfinished_and_would_remove_it_on_failure() {
    let intent = create(json!({}));
    let plan_for = |seen_here| plan(&intent, &seen(vec![("us-east-1", seen_here)]), NOW);
    let just_made = Seen::Present {
        destination: Some(destination("us-east-1", TARGET, NOW - 1_000, None)),
        tags: owned_tag_set(),
    };
    let tagged = plan_for(just_made).expect("a plan");
    assert_eq!(only(&tagged).step, Step::Converge);
    assert!(only(&tagged).writes.is_empty(), "nothing differs");
    assert_eq!(only(&tagged).undo, [[Write::Delete]]);
    // Its own tag on a destination made long before this request (a resource removed with
    // DeletionPolicy Retain and added back): it existed before, so it is only put back.
    let long_ago = plan_for(ours("us-east-1")).expect("a plan");
    assert_eq!(only(&long_ago).step, Step::Converge);
    assert!(
        only(&long_ago).undo.is_empty(),
        "nothing written, nothing to put back"
    );

    let unfinished = Seen::Present {
        destination: Some(destination("us-east-1", TARGET, NOW - 1_000, None)),
        tags: Tags::new(),
    };
    let finish = plan_for(unfinished).expect("a plan");
    assert_eq!(only(&finish).step, Step::Finish);
    assert_eq!(only(&finish).writes, [[Write::Tag(owned_tag_set())]]);
    assert_eq!(only(&finish).undo, [[Write::Delete]]);
}

#[test]
fn create_refuses_anyone_elses_destination_before_any_write() {
    let intent = create(json!({}));
    for other in [
        present("us-east-1", &[]),
        present("us-east-1", &[("team", "x")]),
        present(
            "us-east-1",
            &[(OWNER_TAG, "another-stack/uuid/Destination")],
        ),
        Seen::Present {
            destination: Some(destination("us-east-1", OTHER_TARGET, NOW, None)),
            tags: Tags::new(),
        },
    ] {
        let reason = refused(&intent, &seen(vec![("us-east-1", other)]));
        assert!(
            reason.starts_with(
                "Destination central already exists and is not managed by this stack resource"
            ) && reason.contains("AdoptExisting: true"),
            "{reason}"
        );
    }
}

#[test]
fn adoption_takes_over_what_nobody_manages_and_plans_putting_it_back() {
    let intent = create(json!({"AdoptExisting": "true", "TargetArn": OTHER_TARGET}));
    // Its owner agreed, naming the stack: the consent goes with the adoption.
    let found = Seen::Present {
        destination: Some(destination("us-east-1", TARGET, 0, Some("{}"))),
        tags: tags(&[("legacy", "yes"), (ADOPTABLE_BY_TAG, "central-logs")]),
    };
    let plan = plan(&intent, &seen(vec![("us-east-1", found)]), NOW).expect("a plan");
    let part = only(&plan);
    assert_eq!(part.step, Step::Adopt);
    // The ownership tag first, then target and role, the policy last.
    let own_account = written_policy(&part.writes[2][0]);
    let base = tags(&[(OWNER_TAG, OWNER), ("team", "observability")]);
    assert_eq!(
        part.writes[0],
        [
            Write::Untag(vec![ADOPTABLE_BY_TAG.into(), "legacy".into()]),
            Write::Tag(with_print(base, OTHER_TARGET, own_account.as_ref()))
        ]
    );
    assert!(
        matches!(part.writes[1][0], Write::Put { creates: false, ref target_arn, .. } if target_arn == OTHER_TARGET)
    );
    assert!(
        matches!(&part.writes[2][0], Write::Policy { text, .. } if text.contains("OwnAccountOnly"))
    );
    // Putting back is one round trip: target and role, the tags it changed, the policy.
    assert_eq!(
        part.undo,
        [[
            Write::Put {
                target_arn: TARGET.into(),
                role_arn: ROLE.into(),
                creates: false
            },
            Write::Untag(vec![
                FINGERPRINT_TAG.into(),
                OWNER_TAG.into(),
                "team".into()
            ]),
            Write::Tag(tags(&[
                ("legacy", "yes"),
                (ADOPTABLE_BY_TAG, "central-logs")
            ])),
            Write::Policy {
                text: "{}".into(),
                force_update: true,
                organization_hint: false
            },
        ]]
    );
    assert!(part
        .note
        .as_deref()
        .is_some_and(|n| n.starts_with("Adopted the existing destination central")));

    let managed = present(
        "us-east-1",
        &[(OWNER_TAG, "another-stack/uuid/Destination")],
    );
    let reason = refused(&intent, &seen(vec![("us-east-1", managed)]));
    assert!(reason.contains("cannot be adopted"), "{reason}");
}

#[test]
fn adoption_without_its_owners_consent_is_refused_with_the_command_that_gives_it() {
    let intent = create(json!({"AdoptExisting": "true"}));
    let command = r#"aws logs tag-resource --region us-east-1 --resource-arn arn:aws:logs:us-east-1:123456789012:destination:central --tags '{"cfn-logs-destination:adoptable-by":"central-logs"}'"#;
    for consent in [
        &[][..],
        &[(ADOPTABLE_BY_TAG, "another-stack")],
        &[(ADOPTABLE_BY_TAG, "provisioning")],
        &[("adoptable-by", "central-logs")],
    ] {
        let reason = refused(
            &intent,
            &seen(vec![("us-east-1", present("us-east-1", consent))]),
        );
        assert!(
            reason.contains("only with its owner's consent") && reason.contains(command),
            "{reason}"
        );
    }
    // The StackId names the stack as well as its name does.
    let by_id = present("us-east-1", &[(ADOPTABLE_BY_TAG, STACK)]);
    let adopted = plan(&intent, &seen(vec![("us-east-1", by_id)]), NOW).expect("a plan");
    assert_eq!(only(&adopted).step, Step::Adopt);
}

#[test]
fn update_in_place_writes_only_what_differs_all_in_one_round_trip() {
    let same = update(json!({}), json!({}));
    let unchanged =
        plan(&same, &seen(vec![("us-east-1", ours("us-east-1"))]), NOW).expect("a plan");
    assert_eq!(only(&unchanged).step, Step::Converge);
    assert!(only(&unchanged).writes.is_empty());
    assert!(
        only(&unchanged).undo.is_empty(),
        "the rollback Update undoes"
    );

    let changed = update(
        json!({}),
        json!({"TargetArn": OTHER_TARGET, "Tags": [{"Key": "tier", "Value": "1"}],
               "AllowedAccounts": ["111122223333"]}),
    );
    let found = present(
        "us-east-1",
        &[
            (OWNER_TAG, OWNER),
            ("team", "observability"),
            ("added-by-hand", "x"),
        ],
    );
    let plan = plan(&changed, &seen(vec![("us-east-1", found)]), NOW).expect("a plan");
    let part = only(&plan);
    assert_eq!(part.writes.len(), 1, "one round trip: {:?}", part.writes);
    let writes = &part.writes[0];
    assert!(matches!(writes[0], Write::Put { creates: false, .. }));
    // Only keys the old properties set are removed; a tag added by hand stays. The
    // fingerprint follows what is requested, in the same TagResource.
    assert_eq!(writes[1], Write::Untag(vec!["team".into()]));
    let policy = written_policy(&writes[3]);
    let print = with_print(tags(&[("tier", "1")]), OTHER_TARGET, policy.as_ref());
    assert_eq!(writes[2], Write::Tag(print));
    assert!(matches!(writes[3], Write::Policy { .. }));
}

#[test]
fn an_update_that_removes_the_policy_leaves_only_the_own_account() {
    let intent = update(json!({"AllowedAccounts": ["111122223333"]}), json!({}));
    let plan = plan(&intent, &seen(vec![("us-east-1", ours("us-east-1"))]), NOW).expect("a plan");
    let writes = &only(&plan).writes[0];
    assert!(
        matches!(&writes[1], Write::Policy { text, .. }
            if text.contains("OwnAccountOnly") && text.contains("\"123456789012\"")),
        "{writes:?}"
    );
    // The fingerprint now records the own-account-only policy.
    let policy = written_policy(&writes[1]);
    let print = with_print(tags(&[("team", "observability")]), TARGET, policy.as_ref());
    assert_eq!(
        writes[0],
        Write::Tag(tags(&[(FINGERPRINT_TAG, &print[FINGERPRINT_TAG])]))
    );
}

#[test]
fn update_recreates_a_vanished_destination_and_refuses_one_it_no_longer_owns() {
    let intent = update(json!({}), json!({}));
    let gone = plan(&intent, &seen(vec![("us-east-1", Seen::Absent)]), NOW).expect("a plan");
    assert_eq!(only(&gone).step, Step::Create);
    let reason = refused(
        &intent,
        &seen(vec![("us-east-1", present("us-east-1", &[]))]),
    );
    assert!(
        reason.contains("is no longer managed by this stack resource"),
        "{reason}"
    );
}

#[test]
fn update_with_regions_adds_keeps_and_removes_and_never_touches_anyone_elses() {
    let intent = update(
        json!({"Regions": ["us-east-1", "ap-south-1", "sa-east-1", "ca-central-1"]}),
        json!({"Regions": ["us-east-1", "eu-west-1"]}),
    );
    let plan = plan(
        &intent,
        &seen(vec![
            ("us-east-1", ours("us-east-1")),
            ("eu-west-1", Seen::Absent),
            ("ap-south-1", ours("ap-south-1")),
            ("sa-east-1", Seen::Absent),
            ("ca-central-1", present("ca-central-1", &[])),
        ]),
        NOW,
    )
    .expect("a plan");
    assert_eq!(
        steps(&plan),
        [
            ("us-east-1", Step::Converge),
            ("eu-west-1", Step::Create),
            ("ap-south-1", Step::Delete),
            ("sa-east-1", Step::Nothing),
            ("ca-central-1", Step::Nothing),
        ]
    );
    assert!(plan.regions[4]
        .note
        .as_deref()
        .is_some_and(|n| n.contains("in ca-central-1") && n.contains("left untouched")));

    let added_foreign = refused(
        &intent,
        &seen(vec![
            ("us-east-1", ours("us-east-1")),
            ("eu-west-1", present("eu-west-1", &[])),
            ("ap-south-1", Seen::Absent),
            ("sa-east-1", Seen::Absent),
            ("ca-central-1", Seen::Absent),
        ]),
    );
    assert!(
        added_foreign.contains("not managed by this stack resource in eu-west-1; choose another")
            && added_foreign.ends_with("Nothing was changed"),
        "{added_foreign}"
    );
}

#[test]
fn a_region_that_cannot_be_looked_at_refuses_the_request_naming_it() {
    let intent = create(json!({"Regions": ["us-east-1", "ap-east-1"]}));
    let mut observed = seen(vec![("us-east-1", Seen::Absent)]);
    observed.insert(
        "ap-east-1".into(),
        Err(AwsError {
            operation: "DescribeDestinations",
            destination: "central".into(),
            code: Some("UnrecognizedClientException".into()),
            message: "The security token included in the request is invalid.".into(),
        }),
    );
    let reason = refused(&intent, &observed);
    assert!(
        reason.starts_with("These Regions could not be checked: ap-east-1 (")
            && reason.contains("opt-in Region, it may not be enabled")
            && reason.ends_with("Nothing was changed"),
        "{reason}"
    );
    let unobserved = refused(&intent, &seen(vec![("us-east-1", Seen::Absent)]));
    assert!(unobserved.contains("ap-east-1 ("), "{unobserved}");
}

#[test]
fn delete_removes_only_its_own_destination() {
    let intent = delete(json!({}));
    let plan_for = |seen_here| plan(&intent, &seen(vec![("us-east-1", seen_here)]), NOW);
    let tagged_only = Seen::Present {
        destination: None,
        tags: tags(&[(OWNER_TAG, OWNER)]),
    };
    assert_eq!(
        only(&plan_for(tagged_only).expect("a plan")).writes,
        [[Write::Delete]]
    );
    // An untagged destination is removed only by the rollback Delete of the failed Create
    // that made it: its id carries the creation time.
    let unfinished = || Seen::Present {
        destination: Some(destination("us-east-1", TARGET, NOW, None)),
        tags: Tags::new(),
    };
    let plain = plan_for(unfinished()).expect("a plan");
    assert_eq!(only(&plain).step, Step::Nothing);
    let rollback = stack(
        RequestKind::Delete {
            physical_resource_id: format!("cfn-logs-destination:created:{NOW}-{NOW}:central"),
        },
        properties(json!({})),
    );
    let removed = plan(&rollback, &seen(vec![("us-east-1", unfinished())]), NOW).expect("a plan");
    assert_eq!(only(&removed).step, Step::Delete);
    assert_eq!(
        only(&plan_for(Seen::Absent).expect("a plan")).step,
        Step::Nothing
    );
    for other in [
        present("us-east-1", &[]),
        Seen::Present {
            destination: None,
            tags: tags(&[(OWNER_TAG, "another-stack/uuid/Destination")]),
        },
    ] {
        let plan = plan_for(other).expect("a Delete of something not ours still succeeds");
        assert_eq!(only(&plan).step, Step::Nothing);
        assert!(only(&plan).writes.is_empty());
        assert!(only(&plan)
            .note
            .as_deref()
            .is_some_and(|n| n.ends_with("it was left untouched")));
    }
}

#[test]
fn only_a_request_that_creates_finds_an_untagged_destination_made_after_it_was_issued() {
    let made = |created| Seen::Present {
        destination: Some(destination("us-east-1", TARGET, created, None)),
        tags: Tags::new(),
    };
    let mut issued = create(json!({}));
    issued.issued_ms = Some(NOW - 60_000);
    let finish = plan(&issued, &seen(vec![("us-east-1", made(NOW - 30_000))]), NOW);
    assert_eq!(only(&finish.expect("a plan")).step, Step::Finish);
    // Made before the request was issued (more than the clock skew allows): someone else's.
    let before = refused(&issued, &seen(vec![("us-east-1", made(NOW - 70_000))]));
    assert!(before.contains("already exists"), "{before}");

    // An in-place Update finds it made before it was issued: no longer ours.
    let mut update = update(json!({}), json!({}));
    update.issued_ms = Some(NOW - 60_000);
    let reason = refused(&update, &seen(vec![("us-east-1", made(NOW - 70_000))]));
    assert!(reason.contains("no longer managed"), "{reason}");
    // Regions an Update removes never count an untagged destination as ours.
    let mut removing = super::super::intent::for_stack(
        &CfnRequest {
            kind: RequestKind::Update {
                physical_resource_id: "central".into(),
                old_properties: properties(json!({"Regions": ["us-east-1", "eu-west-1"]})),
            },
            target: target(STACK, "Destination", "r1"),
            properties: properties(json!({"Regions": ["us-east-1"]})),
            resource_type: "Custom::LogsDestination".into(),
        },
        "us-east-1",
        None,
    )
    .expect("valid")
    .expect("work");
    removing.arns = before_writing(&removing, FUNCTION, None).expect("checked");
    removing.issued_ms = Some(NOW - 60_000);
    let kept = plan(
        &removing,
        &seen(vec![
            ("us-east-1", ours("us-east-1")),
            ("eu-west-1", made(NOW)),
        ]),
        NOW,
    )
    .expect("a plan");
    assert_eq!(
        steps(&kept),
        [("us-east-1", Step::Converge), ("eu-west-1", Step::Nothing)]
    );
}

#[test]
fn a_rename_creates_the_new_name_and_never_plans_to_remove_what_existed_before() {
    let intent = stack(
        RequestKind::Update {
            physical_resource_id: "old-name".into(),
            old_properties: properties(json!({"DestinationName": "old-name"})),
        },
        properties(json!({})),
    );
    assert_eq!(intent.operation, Operation::Replace);
    let new = plan(&intent, &seen(vec![("us-east-1", Seen::Absent)]), NOW).expect("a plan");
    assert_eq!(only(&new).undo, [[Write::Delete]]);
    // Renaming back to a name this resource still owns (its rollback, say): kept on failure.
    let back = plan(&intent, &seen(vec![("us-east-1", ours("us-east-1"))]), NOW).expect("a plan");
    assert_eq!(only(&back).step, Step::Converge);
    assert!(only(&back).undo.is_empty(), "{:?}", only(&back).undo);
}

#[test]
fn provisioning_manages_only_its_own_or_asked_to_adopt_what_nobody_manages() {
    let put = provisioning("Create", json!({}));
    let plan_for =
        |intent: &Intent, seen_here| plan(intent, &seen(vec![("us-east-1", seen_here)]), NOW);
    let created = plan_for(&put, Seen::Absent).expect("a plan");
    assert_eq!(
        only(&created).writes[1][0],
        Write::Tag(with_print(
            tags(&[(OWNER_TAG, PROVISIONING_OWNER), ("team", "observability")]),
            TARGET,
            None
        ))
    );
    let own = present(
        "us-east-1",
        &[(OWNER_TAG, PROVISIONING_OWNER), ("old", "x")],
    );
    let updated = plan_for(&put, own).expect("a plan");
    assert_eq!(only(&updated).step, Step::Converge);
    // The event is the whole tag set.
    assert!(only(&updated).writes[0].contains(&Write::Untag(vec!["old".into()])));
    // It existed before this request: a failure puts back the tags it changed, never deletes.
    assert_eq!(
        only(&updated).undo,
        [[
            Write::Untag(vec![FINGERPRINT_TAG.into(), "team".into()]),
            Write::Tag(tags(&[("old", "x")]))
        ]]
    );

    let untagged = refused(&put, &seen(vec![("us-east-1", present("us-east-1", &[]))]));
    assert!(
        untagged.starts_with("Refused: destination central exists and provisioning did not"),
        "{untagged}"
    );
    let stacks = present("us-east-1", &[(OWNER_TAG, OWNER)]);
    let adopt = provisioning("Create", json!({"AdoptExisting": true}));
    assert!(
        refused(&adopt, &seen(vec![("us-east-1", stacks.clone())])).contains("cannot be adopted")
    );

    let remove = provisioning("Delete", json!({}));
    assert!(refused(&remove, &seen(vec![("us-east-1", stacks)])).contains("not by provisioning"));
    // Adopting (or deleting) what nobody manages takes its owner's consent.
    let unmanaged = present("us-east-1", &[("team", "x")]);
    let reason = refused(&adopt, &seen(vec![("us-east-1", unmanaged.clone())]));
    assert!(
        reason.contains("only with its owner's consent")
            && reason.contains(r#"--tags '{"cfn-logs-destination:adoptable-by":"provisioning"}'"#),
        "{reason}"
    );
    let consented = present("us-east-1", &[(ADOPTABLE_BY_TAG, "provisioning")]);
    let adopted = plan_for(&adopt, consented.clone()).expect("a plan");
    assert_eq!(only(&adopted).step, Step::Adopt);
    let remove_adopted = provisioning("Delete", json!({"AdoptExisting": "true"}));
    let reason = refused(&remove_adopted, &seen(vec![("us-east-1", unmanaged)]));
    assert!(reason.contains("only with its owner's consent"), "{reason}");
    let deleting = plan_for(&remove_adopted, consented).expect("a plan");
    assert_eq!(only(&deleting).step, Step::Delete);
}

#[test]
fn provisioning_with_regions_names_every_region_that_stops_it() {
    let intent = provisioning(
        "Create",
        json!({"Regions": ["us-east-1", "eu-west-1", "ap-south-1"]}),
    );
    let reason = refused(
        &intent,
        &seen(vec![
            ("us-east-1", Seen::Absent),
            ("eu-west-1", present("eu-west-1", &[(OWNER_TAG, OWNER)])),
            ("ap-south-1", present("ap-south-1", &[])),
        ]),
    );
    assert!(
        reason.starts_with(
            "Refused: destination central cannot be provisioned in 2 of 3 Regions, so nothing \
             was changed in any Region: eu-west-1: it exists and it is managed by"
        ) && reason.contains("; ap-south-1: it exists and provisioning did not create it")
            && !reason.contains("us-east-1"),
        "{reason}"
    );
}

#[test]
fn every_region_has_its_arn_from_the_functions_account() {
    let intent = create(json!({"Regions": ["us-east-1", "eu-west-1"]}));
    let arns: BTreeMap<&str, &str> = intent
        .arns
        .iter()
        .map(|(r, a)| (r.as_str(), a.as_str()))
        .collect();
    assert_eq!(
        arns.get("eu-west-1").copied(),
        Some("arn:aws:logs:eu-west-1:123456789012:destination:central")
    );
}

#[path = "put_back_tests.rs"]
mod put_back_tests;

#[test]
fn the_fingerprint_is_written_where_missing_and_a_new_revision_takes_every_tag_over() {
    // Written before fingerprints: an Update adds one, and nothing else.
    let before_fingerprints = present(
        "us-east-1",
        &[(OWNER_TAG, OWNER), ("team", "observability")],
    );
    let same = update(json!({}), json!({}));
    let plan_for = |intent: &Intent, seen_here| {
        plan(intent, &seen(vec![("us-east-1", seen_here)]), NOW).expect("a plan")
    };
    let print = owned_tag_set()[FINGERPRINT_TAG].clone();
    assert_eq!(
        only(&plan_for(&same, before_fingerprints)).writes,
        [[Write::Tag(tags(&[(FINGERPRINT_TAG, &print)]))]]
    );

    let mut by_hand = owned_tag_set();
    by_hand.insert("by-hand".into(), "x".into());
    let added_by_hand = Seen::Present {
        destination: Some(destination("us-east-1", TARGET, 0, None)),
        tags: by_hand,
    };
    // An ordinary Update leaves a tag added outside the stack alone...
    let kept = plan_for(&same, added_by_hand.clone());
    assert!(only(&kept).writes.is_empty(), "{:?}", only(&kept).writes);
    // ...a new Revision makes the requested tags the whole set again.
    let revised = update(json!({"Revision": 1}), json!({"Revision": "2"}));
    let repaired = plan_for(&revised, added_by_hand);
    assert_eq!(
        only(&repaired).writes,
        [[Write::Untag(vec!["by-hand".into()])]]
    );
    // The same Revision, as a number or a string, is no repair.
    let unchanged = update(json!({"Revision": "1"}), json!({"Revision": 1}));
    assert_eq!(unchanged.tag_scope, same.tag_scope);
    assert_ne!(revised.tag_scope, same.tag_scope);
}

#[test]
fn cloudformations_times_decide_what_is_an_unfinished_creation_and_the_request_only_narrows() {
    use crate::lifecycle::authority::Recorded;
    let made = |created| Seen::Present {
        destination: Some(destination("us-east-1", TARGET, created, None)),
        tags: Tags::new(),
    };
    let step = |intent: &Intent, created| {
        plan(intent, &seen(vec![("us-east-1", made(created))]), NOW).map(|p| only(&p).step)
    };
    // CloudFormation began the Create a minute ago: made since (less 2 s of skew) is ours,
    // made before is someone else's, and the Reason says why.
    let mut create = create(json!({}));
    create.recorded = Some(Recorded {
        began_ms: Some(NOW - 60_000),
        create_window: None,
    });
    assert_eq!(step(&create, NOW - 62_000).ok(), Some(Step::Finish));
    let before = refused(&create, &seen(vec![("us-east-1", made(NOW - 62_001))]));
    assert!(
        before.contains("created before this request began"),
        "{before}"
    );
    // A ResponseURL dated in 2000 does not widen it; one dated later narrows it.
    create.issued_ms = Some(946_684_800_000);
    assert!(step(&create, NOW - 62_001).is_err());
    create.issued_ms = Some(NOW - 10_000);
    assert!(step(&create, NOW - 30_000).is_err());
    assert_eq!(step(&create, NOW - 15_000).ok(), Some(Step::Finish));

    // Not asked (verification off): only what was made within the last two hours.
    let mut unverified = super::super::intent::for_stack(
        &CfnRequest {
            kind: RequestKind::Create,
            target: target(STACK, "Destination", "r1"),
            properties: properties(json!({})),
            resource_type: "Custom::LogsDestination".into(),
        },
        "us-east-1",
        None,
    )
    .expect("valid")
    .expect("work");
    unverified.arns = before_writing(&unverified, FUNCTION, None).expect("checked");
    let two_hours = UNFINISHED_WINDOW.as_millis() as i64;
    assert_eq!(step(&unverified, NOW - two_hours).ok(), Some(Step::Finish));
    assert!(step(&unverified, NOW - two_hours - 1).is_err());

    // A failed Create's rollback: CloudFormation's create window, narrowed by the id's times.
    let rollback = |id_times: &str, window| {
        let mut intent = stack(
            RequestKind::Delete {
                physical_resource_id: format!("cfn-logs-destination:created:{id_times}:central"),
            },
            properties(json!({})),
        );
        intent.recorded = Some(Recorded {
            began_ms: Some(NOW - 60_000),
            create_window: window,
        });
        intent
    };
    let window = Some((NOW - 60_000, NOW - 50_000));
    let everything = rollback("0-4102444800000", window);
    assert_eq!(step(&everything, NOW - 55_000).ok(), Some(Step::Delete));
    assert_eq!(step(&everything, NOW - 48_000).ok(), Some(Step::Delete));
    let left = plan(
        &everything,
        &seen(vec![("us-east-1", made(NOW - 70_000))]),
        NOW,
    )
    .expect("a plan");
    assert_eq!(only(&left).step, Step::Nothing);
    assert!(only(&left)
        .note
        .as_deref()
        .is_some_and(|n| n.contains("created before this resource's Create began")));
    assert_eq!(step(&everything, NOW - 47_999).ok(), Some(Step::Nothing));
    let narrowed = rollback(&format!("{}-{}", NOW - 56_000, NOW - 54_000), window);
    assert_eq!(step(&narrowed, NOW - 57_000).ok(), Some(Step::Nothing));
    assert_eq!(step(&narrowed, NOW - 55_000).ok(), Some(Step::Delete));
    // The events showed no creation: nothing untagged is this resource's.
    let unknown = rollback("0-4102444800000", None);
    assert_eq!(step(&unknown, NOW - 55_000).ok(), Some(Step::Nothing));
}
