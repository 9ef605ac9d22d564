use super::*;
use serde_json::json;

fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[test]
fn a_policy_is_compared_statement_by_statement() {
    let keep = json!({"Sid": "Keep", "Effect": "Allow", "Principal": {"AWS": "111122223333"}});
    let old_only = json!({"Effect": "Allow", "Principal": {"AWS": "222233334444"}});
    let new_only = json!({"Effect": "Allow", "Principal": {"AWS": "555566667777"}});
    let grown_before = json!({"Sid": "Org", "Effect": "Allow", "Resource": "a"});
    let grown_after = json!({"Sid": "Org", "Effect": "Allow", "Resource": "b"});
    let before = policy(json!([keep, old_only, grown_before]));
    let after = policy(json!([keep, new_only, grown_after]));
    let diff = policy_diff(Some(&before), &after);
    assert_eq!(diff.unchanged, 1);
    assert_eq!(diff.added, [new_only]);
    assert_eq!(diff.removed, [old_only]);
    assert_eq!(
        diff.changed,
        [StatementChange {
            sid: "Org".into(),
            members: vec!["Resource".into()],
            before: grown_before,
            after: grown_after,
        }]
    );
    // A single statement, not in a list, and no policy before.
    let single = json!({"Version": "2012-10-17", "Statement": keep}).to_string();
    let created = policy_diff(None, &single);
    assert_eq!((created.added.len(), created.unchanged), (1, 0));
}

#[test]
fn tag_changes_leave_out_the_providers_own_tags() {
    let before = Tags::from([
        ("team".to_owned(), "a".to_owned()),
        ("gone".to_owned(), "x".to_owned()),
        (
            "cfn-logs-destination:fingerprint".to_owned(),
            "v1 old".to_owned(),
        ),
    ]);
    let set = Write::Tag(Tags::from([
        ("team".to_owned(), "b".to_owned()),
        (
            "cfn-logs-destination:fingerprint".to_owned(),
            "v1 new".to_owned(),
        ),
    ]));
    let untag = Write::Untag(vec!["gone".into()]);
    let changes = tag_changes(Some(&before), &[&set, &untag]);
    assert_eq!(
        changes.set,
        BTreeMap::from([(
            "team".to_owned(),
            Change {
                before: Some("a".into()),
                after: "b".into()
            }
        )])
    );
    assert_eq!(
        changes.removed,
        BTreeMap::from([("gone".to_owned(), "x".to_owned())])
    );
    let only_bookkeeping = Write::Tag(Tags::from([(
        "cfn-logs-destination:fingerprint".to_owned(),
        "v1 new".to_owned(),
    )]));
    assert_eq!(
        tag_changes(Some(&before), &[&only_bookkeeping]),
        TagChanges::default()
    );
}
