//! The crash window of a Create (issue 8): the destination exists, untagged, between
//! PutDestination and TagResource. Killing the process there, or letting the watchdog fire
//! there, must still end with the destination tagged and answered, or removed by the
//! rollback; and an untagged destination the stack did not create is never touched.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;
use support::*;

/// How long to wait for the function to reach a call.
const REACH: Duration = Duration::from_secs(20);

fn full_props(name: &str) -> Value {
    let mut properties = props_with(name, "DestinationPolicy", policy_for("111122223333"));
    properties["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    properties
}

/// Holds TagResource and PutDestinationPolicy (the function makes them at once) and waits
/// until the function is in them: PutDestination has answered.
async fn stop_in_the_window(stack: &Stack, create: &Value) {
    stack.proxy.hang("TagResource");
    stack.proxy.hang("PutDestinationPolicy");
    stack
        .runtime
        .queue(create.clone(), &deadline_header(DEADLINE));
    assert!(
        stack.proxy.wait_for_count("TagResource", 1, REACH).await,
        "the function never called TagResource: {:?}\n{}",
        stack.proxy.calls(),
        stack.function.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_killed_before_tagging_is_finished_by_its_redelivery() {
    let stack = Stack::start();
    let name = unique_name("crash-killed");
    let create = create_request(&stack.url(), "Destination", full_props(&name));
    stop_in_the_window(&stack, &create).await;
    stack.function.kill();

    // The window: the destination exists without tags or policy, and nobody was answered.
    let left = existing(&stack.logs, &name).await;
    assert_eq!(
        (left.target_arn.as_str(), left.role_arn.as_str()),
        (TARGET, ROLE)
    );
    assert_eq!(left.policy, None);
    assert!(tags(&stack.logs, &left.arn).await.is_empty());
    assert!(stack.receiver.puts().is_empty());

    // Lambda's retry: the same request, to a fresh process.
    stack.proxy.clear_rules();
    let retry = Function::builder(&stack.runtime.address(), &stack.proxy.endpoint()).spawn();
    let answer = stack.invoke(&create).await;
    assert_eq!(
        answer.status(),
        "SUCCESS",
        "{}\n{}",
        answer.reply,
        retry.logs()
    );
    assert_eq!(answer.puts.len(), 1);
    assert_eq!(answer.reply["RequestId"], create["RequestId"]);
    assert_eq!(answer.physical_id(), name);
    assert_eq!(answer.reply["Data"]["Arn"], left.arn.as_str());

    let finished = existing(&stack.logs, &name).await;
    assert_eq!(finished.policy, Some(policy_for("111122223333")));
    let tags = tags(&stack.logs, &finished.arn).await;
    assert!(tags.contains_key(OWNER_TAG), "{tags:?}");
    assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
    assert_eq!(names_with_prefix(&stack.logs, &name).await, [name.as_str()]);
    assert!(
        !answer.calls.contains(&"DeleteDestination".to_owned()),
        "{:?}",
        answer.calls
    );

    // And it is the stack's now: its Delete removes it.
    let delete = delete_request(&create, &stack.url(), &name);
    stack.succeed(&delete).await;
    assert_eq!(stored(&stack.logs, &name).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_killed_after_its_policy_but_before_its_tag_is_finished_by_its_redelivery() {
    let stack = Stack::start();
    let name = unique_name("crash-policy");
    let create = create_request(&stack.url(), "Destination", full_props(&name));
    // Tags and policy go out at once: here the policy lands and the tags never do.
    stack.proxy.hang("TagResource");
    stack
        .runtime
        .queue(create.clone(), &deadline_header(DEADLINE));
    let started = std::time::Instant::now();
    while stored(&stack.logs, &name)
        .await
        .is_none_or(|left| left.policy.is_none())
    {
        assert!(started.elapsed() < REACH, "the policy never landed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stack.function.kill();
    let left = existing(&stack.logs, &name).await;
    assert_eq!(left.policy, Some(policy_for("111122223333")));
    assert!(tags(&stack.logs, &left.arn).await.is_empty());

    // Untagged but with exactly the requested policy: still this resource's own creation.
    stack.proxy.clear_rules();
    let _retry = Function::builder(&stack.runtime.address(), &stack.proxy.endpoint()).spawn();
    let answer = stack.invoke(&create).await;
    assert_eq!(answer.status(), "SUCCESS", "{}", answer.reply);
    assert_eq!(answer.physical_id(), name);
    let tags = tags(&stack.logs, &left.arn).await;
    assert!(tags.contains_key(OWNER_TAG), "{tags:?}");
    assert_eq!(names_with_prefix(&stack.logs, &name).await, [name.as_str()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_times_out_before_tagging_is_removed_by_the_rollback() {
    let stack = Stack::start();
    let name = unique_name("crash-timeout");
    let mut properties = full_props(&name);
    // A budget of 3 s (ServiceTimeout less its 1 s margin), spent waiting on TagResource.
    properties["ServiceTimeout"] = json!("4");
    let create = create_request(&stack.url(), "Destination", properties);
    stack.proxy.hang("TagResource");
    let failed = stack.fail(&create).await;
    assert_names_for_rollback(failed.physical_id(), &name);
    assert!(failed.reason().contains("TagResource"), "{}", failed.reply);
    assert!(failed.calls.contains(&"TagResource".to_owned()));

    // CloudFormation's rollback: a Delete of the id the FAILED Create answered.
    stack.proxy.clear_rules();
    let delete = delete_request(&create, &stack.url(), failed.physical_id());
    let rollback = stack.succeed(&delete).await;
    assert!(
        rollback.calls.contains(&"DeleteDestination".to_owned()),
        "{:?}",
        rollback.calls
    );
    assert_eq!(
        stored(&stack.logs, &name).await,
        None,
        "the rollback left {name}"
    );
}

/// Untagged destinations that someone else made, each differing from what the stack asks for
/// in one way the "our own unfinished creation" rule looks at.
#[tokio::test(flavor = "multi_thread")]
async fn an_untagged_destination_the_stack_did_not_create_is_never_touched() {
    let stack = Stack::start();
    let cases: [(&str, &str, &str, bool, bool); 4] = [
        ("other target", OTHER_TARGET, ROLE, false, false),
        ("other role", TARGET, OTHER_ROLE, false, false),
        ("a policy", TARGET, ROLE, true, false),
        ("a tag", TARGET, ROLE, false, true),
    ];
    for (case, target, role, with_policy, with_tag) in cases {
        let name = unique_name("crash-foreign");
        let made = stack
            .logs
            .put_destination()
            .destination_name(&name)
            .target_arn(target)
            .role_arn(role)
            .send()
            .await
            .expect("PutDestination");
        let arn = made.destination().and_then(|d| d.arn()).expect("arn");
        if with_policy {
            stack
                .logs
                .put_destination_policy()
                .destination_name(&name)
                .access_policy(policy_for("777788889999").to_string())
                .send()
                .await
                .expect("PutDestinationPolicy");
        }
        if with_tag {
            stack
                .logs
                .tag_resource()
                .resource_arn(arn)
                .tags("team", "someone-else")
                .send()
                .await
                .expect("TagResource");
        }
        let before = existing(&stack.logs, &name).await;
        let before_tags = tags(&stack.logs, arn).await;

        let create = create_request(&stack.url(), "Destination", props(&name));
        let refused = stack.fail(&create).await;
        assert!(
            refused
                .reason()
                .contains("already exists and is not managed by this stack resource"),
            "{case}: {}",
            refused.reply
        );
        assert!(
            writes(&refused.calls).is_empty(),
            "{case}: {:?}",
            refused.calls
        );

        // A Delete naming it, with the stack's properties.
        let delete = delete_request(&create, &stack.url(), &name);
        let left = stack.succeed(&delete).await;
        assert!(
            !left.reason().is_empty(),
            "{case}: no warning in {}",
            left.reply
        );
        assert!(writes(&left.calls).is_empty(), "{case}: {:?}", left.calls);

        assert_eq!(existing(&stack.logs, &name).await, before, "{case}");
        assert_eq!(tags(&stack.logs, arn).await, before_tags, "{case}");
    }
}
