use super::*;
use serde_json::json;

const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1";
const MINE: &str = "arn:aws:lambda:us-east-1:123456789012:function:provider";

fn change(
    action: &str,
    resource_type: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    let context = |p: Option<Value>| p.map(|p| json!({"Properties": p}).to_string());
    ResourceChange {
        action: action.into(),
        logical_id: "Destination".into(),
        physical_id: if action == "Add" { "" } else { "old" }.into(),
        resource_type: resource_type.into(),
        replacement: "False".into(),
        policy_action: String::new(),
        before_context: context(before),
        after_context: context(after),
    }
}

fn served_by(token: Option<&str>, only: bool) -> Served {
    Served {
        token: token.map(str::to_owned),
        only_this_token: only,
        account: "123456789012".into(),
    }
}

#[test]
fn each_action_becomes_the_request_cloudformation_would_send() {
    let before = json!({"ServiceToken": MINE, "DestinationName": "old", "ServiceTimeout": 300});
    let after = json!({"ServiceToken": MINE, "DestinationName": "new", "AdoptExisting": true});
    let all = [
        change("Add", SERVED_TYPES[0], None, Some(after.clone())),
        change(
            "Modify",
            SERVED_TYPES[0],
            Some(before.clone()),
            Some(after.clone()),
        ),
        change("Remove", SERVED_TYPES[0], Some(before.clone()), None),
    ];
    let (proposed, skipped) = proposed(&all, STACK, &served_by(None, false));
    assert!(skipped.is_empty());
    let kinds: Vec<RequestKind> = proposed
        .iter()
        .map(|p| p.request.as_ref().expect("a request").kind.clone())
        .collect();
    // Scalars arrive as strings, as CloudFormation sends them.
    let sent_before =
        json!({"ServiceToken": MINE, "DestinationName": "old", "ServiceTimeout": "300"});
    assert_eq!(
        kinds,
        [
            RequestKind::Create,
            RequestKind::Update {
                physical_resource_id: "old".into(),
                old_properties: sent_before.clone(),
            },
            RequestKind::Delete {
                physical_resource_id: "old".into()
            },
        ]
    );
    let create = proposed[0].request.as_ref().expect("a request");
    assert_eq!(create.properties["AdoptExisting"], "true");
    assert_eq!(create.target.stack_id, STACK);
    assert_eq!(create.target.logical_resource_id, "Destination");
    assert_eq!(
        proposed[2].request.as_ref().map(|r| &r.properties),
        Some(&sent_before)
    );
}

#[test]
fn a_replacement_cloudformation_decides_is_a_create_and_the_old_ones_cleanup_delete() {
    let mut replaced = change(
        "Modify",
        SERVED_TYPES[0],
        Some(json!({"DestinationName": "a"})),
        Some(json!({"DestinationName": "b"})),
    );
    replaced.replacement = "True".into();
    let (proposed, _) = proposed(&[replaced], STACK, &Served::default());
    assert_eq!(
        proposed[0].request.as_ref().map(|r| r.kind.clone()),
        Some(RequestKind::Create)
    );
    assert_eq!(
        proposed[0].cleanup.as_ref().map(|r| r.kind.clone()),
        Some(RequestKind::Delete {
            physical_resource_id: "old".into()
        })
    );
}

#[test]
fn a_retained_resource_gets_no_delete_and_unreadable_values_no_guess() {
    let mut retained = change("Remove", SERVED_TYPES[0], Some(json!({})), None);
    retained.policy_action = "Retain".into();
    let mut cut = change("Modify", SERVED_TYPES[0], Some(json!({})), None);
    cut.after_context = Some(r#"{"Properties": {"DestinationName": "trunc"#.into());
    let (proposed, _) = proposed(&[retained, cut], STACK, &Served::default());
    assert!(proposed[0].request.is_none() && !proposed[0].undecidable);
    assert!(proposed[0]
        .note
        .as_deref()
        .is_some_and(|n| n.contains("Retain")));
    assert!(proposed[1].request.is_none() && proposed[1].undecidable);
    assert!(proposed[1]
        .note
        .as_deref()
        .is_some_and(|n| n.contains("cut short")));
}

#[test]
fn only_this_providers_resources_are_taken_and_others_are_named_without_their_values() {
    let with = |token: &str| Some(json!({"ServiceToken": token, "DestinationName": "secret"}));
    let other = "arn:aws:lambda:us-east-1:123456789012:function:other";
    let all = [
        change("Add", SERVED_TYPES[0], None, with(MINE)),
        change("Add", SERVED_TYPES[0], None, with(other)),
        change("Add", SERVED_TYPES[1], None, with(&format!("{MINE}:live"))),
        change("Add", SERVED_TYPES[1], None, with(other)),
        change("Add", "Custom::Other", None, with(MINE)),
        change("Add", "Custom::Other", None, with(other)),
        change("Add", "AWS::SNS::Topic", None, Some(json!({}))),
    ];
    // The function: only its own token.
    let (taken, skipped) = proposed(&all, STACK, &served_by(Some(MINE), true));
    assert_eq!(taken.len(), 2);
    assert_eq!(skipped.len(), 3);
    assert!(skipped.iter().all(|s| !s.why.contains("secret")));
    assert!(skipped[2]
        .why
        .contains("serves only Custom::LogsDestination"));
    // The command line: every Custom::LogsDestination, and generic ones of the given token.
    let (taken, skipped) = proposed(&all, STACK, &served_by(Some(MINE), false));
    assert_eq!((taken.len(), skipped.len()), (3, 2));
    let (taken, _) = proposed(&all, STACK, &served_by(None, false));
    assert_eq!(taken.len(), 2);
    // A provider in another account keeps its destinations there.
    let trusted = "arn:aws:lambda:us-east-1:210987654321:function:provider";
    let (taken, skipped) = proposed(
        &[change("Add", SERVED_TYPES[0], None, with(trusted))],
        STACK,
        &served_by(None, false),
    );
    assert!(taken.is_empty());
    assert!(
        skipped[0].why.contains("account 210987654321"),
        "{skipped:?}"
    );
}

#[test]
fn values_known_only_after_applying_are_found_wherever_they_are() {
    let properties = json!({
        "TargetArn": KNOWN_AFTER_APPLY,
        "Regions": ["us-east-1", KNOWN_AFTER_APPLY],
        "Tags": [{"Key": "k", "Value": KNOWN_AFTER_APPLY}],
        "RoleArn": "arn:aws:iam::123456789012:role/r",
    });
    assert_eq!(
        known_after_apply(&properties),
        ["TargetArn", "Regions[1]", "Tags[0].Value"]
    );
    assert!(same_function(MINE, &format!("{MINE}:3")));
    assert!(!same_function(
        MINE,
        "arn:aws:lambda:us-east-1:123456789012:function:provider2"
    ));
    assert!(!same_function("", ""));
}
