//! What undoing plans for a destination that existed before the request: put back as it was
//! observed, only in what the request changes, never deleted.
use super::*;

#[test]
fn changes_to_a_destination_that_existed_before_are_put_back_as_observed() {
    // The rollback of a rename, back to the original name, which has drifted: target, a tag
    // added by hand (a rename sets the whole tag set) and the policy.
    let rename_back = stack(
        RequestKind::Update {
            physical_resource_id: "renamed".into(),
            old_properties: properties(json!({"DestinationName": "renamed"})),
        },
        properties(json!({"AllowedAccounts": ["111122223333"]})),
    );
    let drifted = Seen::Present {
        destination: Some(destination(
            "us-east-1",
            OTHER_TARGET,
            0,
            Some(r#"{"Version":"2012-10-17","Statement":[]}"#),
        )),
        tags: tags(&[
            (OWNER_TAG, OWNER),
            ("team", "observability"),
            ("cost-center", "42"),
            ("aws:cloudformation:stack-name", "x"),
        ]),
    };
    let renamed = plan(&rename_back, &seen(vec![("us-east-1", drifted)]), NOW).expect("a plan");
    let part = only(&renamed);
    assert_eq!(part.step, Step::Converge);
    assert_eq!(
        part.undo,
        [[
            Write::Put {
                target_arn: OTHER_TARGET.into(),
                role_arn: ROLE.into(),
                creates: false
            },
            Write::Untag(vec![FINGERPRINT_TAG.into()]),
            Write::Tag(tags(&[("cost-center", "42")])),
            Write::Policy {
                text: r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
                force_update: true,
                organization_hint: false
            },
        ]],
        "never a Delete, and only the tag it removed"
    );

    // An in-place Update: a key it adds is removed again, one it changes gets its old value;
    // where there was no policy, the own-account-only one stands in (there is no
    // DeleteDestinationPolicy).
    let intent = update(
        json!({}),
        json!({"Tags": [{"Key": "team", "Value": "platform"}, {"Key": "tier", "Value": "1"}],
               "AllowedAccounts": ["111122223333"]}),
    );
    let plan = plan(&intent, &seen(vec![("us-east-1", ours("us-east-1"))]), NOW).expect("a plan");
    let undo = &only(&plan).undo;
    assert_eq!(undo.len(), 1, "{undo:?}");
    assert_eq!(undo[0][0], Write::Untag(vec!["tier".into()]));
    // The fingerprint goes back with the tags it described.
    let mut put_back = owned_tag_set();
    put_back.remove(OWNER_TAG);
    assert_eq!(undo[0][1], Write::Tag(put_back));
    assert!(
        matches!(&undo[0][2], Write::Policy { text, force_update: true, .. }
            if text.contains("OwnAccountOnly")),
        "{undo:?}"
    );
}
