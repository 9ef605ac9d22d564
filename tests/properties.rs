//! Property rules, through the compiled binary: a broken rule is answered FAILED with a Reason
//! naming the property and the rule, before any CloudWatch Logs call; the forms CloudFormation
//! and template authors actually send (strings for scalars, maps, inline policies) work.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::*;

/// Sends a Create with `properties` and checks that it is refused before touching AWS, with a
/// Reason containing each of `expected`. Returns the Reason.
async fn assert_rejected(properties: Value, expected: &[&str]) -> String {
    let stack = Stack::start();
    let request = create_request(&stack.url(), "Destination", properties);
    let answer = stack.fail(&request).await;
    let reason = answer.reason().to_owned();
    assert!(
        reason.starts_with("Invalid resource properties: "),
        "{reason}"
    );
    for needle in expected {
        assert!(reason.contains(needle), "{needle:?} missing from {reason}");
    }
    assert_eq!(
        answer.calls,
        Vec::<String>::new(),
        "invalid properties reached AWS"
    );
    assert!(
        answer.physical_id().contains(':'),
        "a failed Create must answer an id that cannot name a destination: {}",
        answer.reply
    );
    reason
}

fn tag_list(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_property_is_named_exactly_with_the_right_spelling() {
    let mut properties = props(&unique_name("misspelt"));
    let object = properties.as_object_mut().expect("object");
    object.remove("TargetArn");
    object.insert("TargetARN".into(), json!(TARGET));
    assert_rejected(
        properties,
        &[
            "TargetARN is not a known property (did you mean TargetArn?)",
            "TargetArn is required",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_target_arn_is_named() {
    let mut properties = props(&unique_name("no-target"));
    properties.as_object_mut().map(|o| o.remove("TargetArn"));
    let reason = assert_rejected(properties, &["TargetArn is required"]).await;
    assert!(!reason.contains("RoleArn"), "{reason}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_role_arn_is_named() {
    let mut properties = props(&unique_name("no-role"));
    properties.as_object_mut().map(|o| o.remove("RoleArn"));
    let reason = assert_rejected(properties, &["RoleArn is required"]).await;
    assert!(!reason.contains("TargetArn"), "{reason}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_arn_that_is_not_an_arn_is_refused() {
    assert_rejected(
        props_with(
            &unique_name("bad-target"),
            "TargetArn",
            json!("central-logs"),
        ),
        &["TargetArn must be an ARN", "\"central-logs\""],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_arn_that_is_not_a_role_is_refused() {
    assert_rejected(
        props_with(&unique_name("bad-role"), "RoleArn", json!(TARGET)),
        &["RoleArn must be an IAM role ARN"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn destination_names_with_colon_or_star_are_refused() {
    for name in ["central:logs", "central*"] {
        assert_rejected(
            props(name),
            &["DestinationName must not contain ':' or '*'"],
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_name_over_512_characters_is_refused() {
    assert_rejected(
        props(&"d".repeat(513)),
        &["DestinationName must be 1 to 512 characters long (got 513)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_that_is_not_json_is_refused() {
    assert_rejected(
        props_with(
            &unique_name("policy-text"),
            "DestinationPolicy",
            json!("{\"Version\": \"2012-10-17\","),
        ),
        &["DestinationPolicy must be valid JSON"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_that_is_a_json_array_is_refused() {
    assert_rejected(
        props_with(
            &unique_name("policy-array"),
            "DestinationPolicy",
            json!("[{\"Effect\": \"Allow\"}]"),
        ),
        &["DestinationPolicy must be a JSON object"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_over_5120_bytes_is_refused() {
    // A few hundred accounts listed one by one: the usual way to hit the limit.
    let accounts: Vec<String> = (0..400)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i))
        .collect();
    let mut policy = policy_for("111122223333");
    policy["Statement"][0]["Principal"]["AWS"] = json!(accounts);
    assert!(policy.to_string().len() > 5120);
    assert_rejected(
        props_with(&unique_name("policy-big"), "DestinationPolicy", policy),
        &[
            "DestinationPolicy must be at most 5120 bytes",
            "aws:PrincipalOrgID",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn force_update_must_be_a_boolean() {
    assert_rejected(
        props_with(&unique_name("force"), "ForceUpdate", json!("yes")),
        &["ForceUpdate must be true or false"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_keys_reserved_by_aws_are_refused() {
    assert_rejected(
        props_with(
            &unique_name("tag-aws"),
            "Tags",
            tag_list(&[("team", "core"), ("aws:cloudformation:stack-name", "x")]),
        ),
        &["Tags[1].Key \"aws:cloudformation:stack-name\" must not start with aws:"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_keys_over_128_characters_are_refused() {
    let key = "k".repeat(129);
    assert_rejected(
        props_with(&unique_name("tag-key"), "Tags", tag_list(&[(&key, "v")])),
        &["Tags[0].Key must be 1 to 128 characters long (got 129)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_values_over_256_characters_are_refused() {
    let value = "v".repeat(257);
    assert_rejected(
        props_with(
            &unique_name("tag-value"),
            "Tags",
            tag_list(&[("team", &value)]),
        ),
        &["Tags[0].Value must be at most 256 characters long (got 257)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_characters_outside_the_allowed_set_are_refused() {
    assert_rejected(
        props_with(
            &unique_name("tag-chars"),
            "Tags",
            tag_list(&[("cost#centre", "ok"), ("team", "a,b")]),
        ),
        &[
            "Tags[0].Key \"cost#centre\" may only contain letters, digits, spaces and _ . : / = + - @",
            "Tags[1].Value may only contain letters, digits, spaces and _ . : / = + - @",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_tag_keys_are_refused() {
    assert_rejected(
        props_with(
            &unique_name("tag-dup"),
            "Tags",
            tag_list(&[("team", "core"), ("env", "prod"), ("team", "security")]),
        ),
        &["Tags[2].Key \"team\" appears more than once"],
    )
    .await;
}

fn many_tags(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"Key": format!("key{i:02}"), "Value": format!("value {i}")}))
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn forty_nine_tags_are_refused_because_the_ownership_and_fingerprint_tags_take_two() {
    assert_rejected(
        props_with(&unique_name("tags-49"), "Tags", many_tags(49)),
        &["Tags must have at most 48 entries (got 49)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forty_eight_tags_fit_next_to_the_ownership_and_fingerprint_tags() {
    let stack = Stack::start();
    let name = unique_name("tags-48");
    let (_, answer) = stack
        .create("Destination", props_with(&name, "Tags", many_tags(48)))
        .await;
    let arn = answer.reply["Data"]["Arn"].as_str().expect("Arn");
    let stored_tags = tags(&stack.logs, arn).await;
    assert_eq!(stored_tags.len(), 50, "{stored_tags:?}");
    assert!(stored_tags.contains_key(OWNER_TAG));
    assert!(stored_tags.contains_key(FINGERPRINT_TAG));
    assert_eq!(stored_tags["key47"], "value 47");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_broken_rule_is_reported_in_one_reply() {
    let mut properties = json!({
        "DestinationName": "a:b",
        "TargetArn": "stream",
        "ForceUpdate": "maybe",
        "Tags": {"aws:x": "y"},
    });
    properties["Colour"] = json!("blue");
    assert_rejected(
        properties,
        &[
            "Colour is not a known property",
            "DestinationName must not contain",
            "TargetArn must be an ARN",
            "RoleArn is required",
            "ForceUpdate must be true or false",
            "Tags.aws:x.Key \"aws:x\" must not start with aws:",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn force_update_as_the_string_cloudformation_sends_works() {
    let stack = Stack::start();
    let name = unique_name("force-string");
    let mut properties = props_with(&name, "ForceUpdate", json!("true"));
    properties["DestinationPolicy"] = policy_for("111122223333");
    stack.create("Destination", properties).await;
    let destination = existing(&stack.logs, &name).await;
    assert_eq!(destination.policy, Some(policy_for("111122223333")));
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_as_a_plain_map_are_applied() {
    let stack = Stack::start();
    let name = unique_name("tag-map");
    let (_, answer) = stack
        .create(
            "Destination",
            props_with(
                &name,
                "Tags",
                json!({"team": "platform", "cost-centre": "4711", "env": "prod"}),
            ),
        )
        .await;
    let arn = answer.reply["Data"]["Arn"].as_str().expect("Arn");
    let stored_tags = tags(&stack.logs, arn).await;
    assert_eq!(stored_tags["team"], "platform");
    assert_eq!(stored_tags["cost-centre"], "4711");
    assert_eq!(stored_tags["env"], "prod");
    assert!(stored_tags.contains_key(OWNER_TAG), "{stored_tags:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_given_as_a_json_string_is_stored_as_that_document() {
    let stack = Stack::start();
    let name = unique_name("policy-string");
    let policy = policy_for("111122223333");
    // As a JSON template author writes it, with their own whitespace.
    let text = serde_json::to_string_pretty(&policy).expect("json");
    stack
        .create(
            "Destination",
            props_with(&name, "DestinationPolicy", json!(text)),
        )
        .await;
    let destination = existing(&stack.logs, &name).await;
    assert_eq!(destination.policy, Some(policy));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_given_inline_as_an_object_is_stored_as_that_document() {
    let stack = Stack::start();
    let name = unique_name("policy-inline");
    let policy = policy_for("444455556666");
    stack
        .create(
            "Destination",
            props_with(&name, "DestinationPolicy", policy.clone()),
        )
        .await;
    let destination = existing(&stack.logs, &name).await;
    assert_eq!(destination.policy, Some(policy));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_optional_property_counts_as_absent() {
    // `!If [Cond, value, ""]` is how templates leave a property out.
    let stack = Stack::start();
    let name = unique_name("empty-optional");
    let mut properties = props_with(&name, "DestinationPolicy", json!(""));
    properties["ForceUpdate"] = json!("");
    properties["Tags"] = json!("");
    let (_, answer) = stack.create("Destination", properties).await;
    assert_eq!(answer.physical_id(), name);
    assert_eq!(existing(&stack.logs, &name).await.policy, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_invalid_grant_is_named_before_any_write() {
    let mut properties = props(&unique_name("bad-grants"));
    // A YAML number loses the leading zero of 012345678901.
    properties["AllowedAccounts"] = json!([12345678901_u64, "111122223333"]);
    properties["AllowedOrganizations"] = json!("o-a1b2c3d4e5,O-UPPERCASE1");
    properties["AllowedOrganizationPaths"] = json!(["o-a1b2c3d4e5/ou-ab12-11111111/"]);
    assert_rejected(
        properties,
        &[
            "AllowedAccounts[0] must be a 12-digit account ID (got \"12345678901\", 11 digits): \
             if it lost its leading zeros, quote the account ID in the template \
             (\"012345678901\")",
            "AllowedOrganizations[1] must be an organization ID",
            "AllowedOrganizationPaths[0] must be an organization path",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn grants_and_a_hand_written_policy_are_not_combined() {
    let mut properties = props_with(
        &unique_name("grants-and-policy"),
        "DestinationPolicy",
        policy_for("111122223333"),
    );
    properties["AllowedAccounts"] = json!(["444455556666"]);
    assert_rejected(
        properties,
        &["AllowedAccounts and DestinationPolicy cannot be used together"],
    )
    .await;
    let properties = props_with(
        &unique_name("account-level-alone"),
        "AllowAccountLevelSubscriptions",
        json!("true"),
    );
    assert_rejected(
        properties,
        &["AllowAccountLevelSubscriptions needs AllowedAccounts"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_invalid_region_is_named_before_any_write() {
    let properties = props_with(
        &unique_name("bad-regions"),
        "Regions",
        json!("us-east-1, EU-WEST-1,us-east-1,useast1"),
    );
    assert_rejected(
        properties,
        &[
            "Regions[1] must be a Region code such as us-east-1, eu-central-2 or us-gov-west-1 \
             (got \"EU-WEST-1\")",
            "Regions[2] must not repeat \"us-east-1\" (already listed as Regions[0])",
            "Regions[3] must be a Region code",
        ],
    )
    .await;
    let many: Vec<String> = (1..=41).map(|i| format!("xx-test-{i}")).collect();
    assert_rejected(
        props_with(&unique_name("many-regions"), "Regions", json!(many)),
        &["Regions must list at most 40 Regions (got 41)"],
    )
    .await;
    assert_rejected(
        props_with(&unique_name("region-number"), "Regions", json!([1])),
        &["Regions[0]"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn account_level_subscriptions_must_be_a_boolean() {
    let mut properties = props(&unique_name("account-level-word"));
    properties["AllowedAccounts"] = json!(["111122223333"]);
    properties["AllowAccountLevelSubscriptions"] = json!("yes");
    assert_rejected(properties, &["AllowAccountLevelSubscriptions must be"]).await;
}
