//! Check and write, closed, through the compiled binary. PutDestination creates or
//! overwrites, and is retried for about two minutes while a new role propagates in IAM: a
//! destination that appears after the request looked is never written over, and one that a
//! PutDestination did overwrite is neither taken over nor deleted, and the Reason says so.

mod harness;
mod support;

use harness::*;
use std::time::Duration;
use support::*;

/// How long to wait for the function to reach a call.
const REACH: Duration = Duration::from_secs(20);

/// Finding (v): someone creates the destination between two PutDestination attempts (the
/// test message fails while the role propagates, so the put is retried).
#[tokio::test(flavor = "multi_thread")]
async fn a_destination_that_appears_between_put_retries_is_not_overwritten() {
    let stack = Stack::start();
    let name = unique_name("appears");
    stack.proxy.fail(
        "PutDestination",
        4,
        400,
        "InvalidParameterException",
        TEST_MESSAGE_FAILURE,
    );
    let create = create_request(&stack.url(), "Destination", props(&name));
    let someone_else = async {
        assert!(
            stack.proxy.wait_for_count("PutDestination", 1, REACH).await,
            "the function never called PutDestination"
        );
        foreign_destination(&stack, &name).await
    };
    let (failed, (before, before_tags)) = tokio::join!(stack.send(&create), someone_else);
    assert_eq!(failed.status(), "FAILED", "{}", failed.reply);
    assert!(
        failed.reason().contains(&format!(
            "destination {name} appeared in us-east-1 after this request found the name free"
        )),
        "{}",
        failed.reply
    );
    assert_eq!(existing(&stack.logs, &name).await, before);
    assert_eq!(tags(&stack.logs, &before.arn).await, before_tags);
    assert!(
        !failed.calls.contains(&"DeleteDestination".to_owned()),
        "{:?}",
        failed.calls
    );
    // The rollback Delete of the failed Create touches nothing either.
    let rollback = delete_request(&create, &stack.url(), failed.physical_id());
    assert!(writes(&stack.succeed(&rollback).await.calls).is_empty());
    assert_eq!(existing(&stack.logs, &name).await, before);
}

/// Finding (vi): the look missed a destination that was there all along (DescribeDestinations
/// is eventually consistent: a listing can lag behind a destination made moments before), so
/// the creating PutDestination overwrote it. Its answer's creationTime, earlier than the call,
/// shows it: stop, never tag or delete it, and say so.
#[tokio::test(flavor = "multi_thread")]
async fn a_creating_put_that_overwrote_a_destination_stops_and_says_so() {
    let stack = Stack::start();
    let name = unique_name("overwritten");
    let (before, before_tags) = foreign_destination(&stack, &name).await;
    // Older than the clock skew a creation time is allowed.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    // A listing that does not show it yet: an empty page (a 200 answer without destinations).
    stack
        .proxy
        .fail("DescribeDestinations", 1, 200, "Lagging", "");
    let create = create_request(&stack.url(), "Destination", props(&name));
    let failed = stack.fail(&create).await;
    let reason = failed.reason();
    assert!(
        reason.contains(&format!("destination {name} already existed in us-east-1"))
            && reason.contains(&format!(
                "overwrote its target and role with {TARGET} and {ROLE}"
            ))
            && reason.contains("its owner must check its target and role"),
        "{reason}"
    );
    assert_eq!(
        writes(&failed.calls),
        ["PutDestination"],
        "nothing after the overwrite: {:?}",
        failed.calls
    );
    let now = existing(&stack.logs, &name).await;
    assert_eq!(
        (now.target_arn.as_str(), now.role_arn.as_str()),
        (TARGET, ROLE)
    );
    assert_eq!((&now.arn, &now.policy), (&before.arn, &before.policy));
    assert_eq!(tags(&stack.logs, &now.arn).await, before_tags);

    // Its rollback Delete touches nothing.
    let rollback = delete_request(&create, &stack.url(), failed.physical_id());
    assert!(writes(&stack.succeed(&rollback).await.calls).is_empty());
    assert!(stored(&stack.logs, &name).await.is_some());
}

/// Regions are written eight at a time: the ninth starts only once one of the first eight has
/// finished, long after it was looked at. It looks again before it creates.
#[tokio::test(flavor = "multi_thread")]
async fn a_region_that_starts_late_looks_again_before_it_creates() {
    const REGIONS: [&str; 9] = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "ap-south-1",
        "ap-southeast-2",
    ];
    let late = REGIONS[8];
    let stack = Stack::start();
    let name = unique_name("late-region");
    for region in &REGIONS[..8] {
        stack.proxy.delay(
            &format!("{region}/PutDestination"),
            Duration::from_millis(1_500),
        );
    }
    let create = create_request(&stack.url(), "Destination", fanned(&name, &REGIONS));
    let someone_else = async {
        assert!(
            stack.proxy.wait_for_count("PutDestination", 8, REACH).await,
            "the function never reached the first eight PutDestination calls"
        );
        someone_elses_destination(late, &name).await;
        existing(&client_in(late), &name).await
    };
    let (failed, before) = tokio::join!(stack.send(&create), someone_else);
    assert_eq!(failed.status(), "FAILED", "{}", failed.reply);
    assert!(
        failed
            .reason()
            .contains(&format!("destination {name} appeared in {late}")),
        "{}",
        failed.reply
    );
    assert_eq!(existing(&client_in(late), &name).await, before);
    assert!(tags(&client_in(late), &before.arn).await.is_empty());
    // What the request created in the other Regions was removed again.
    for region in &REGIONS[..8] {
        assert_eq!(stored(&client_in(region), &name).await, None, "{region}");
    }
}
