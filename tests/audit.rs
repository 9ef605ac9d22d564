//! The drift and orphan audit through the binary (docs/audit.md): `{"Audit": {...}}` reads
//! every destination of the audited Regions, reports this provider's as InSync, Drifted (with
//! the aspects), Orphaned or Unverifiable, and never writes; `cfn-logs-destination audit` does
//! the same for a person, as a table. Each test keeps its destination in
//! a Region of its own, so that its audit sees exactly what it arranged (moto is shared by the
//! tests of this file).

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::cloudformation::{self, Shown};
use support::*;

/// Creates `name` in `region` only, with a policy and a user tag, through the function.
async fn create_in(stack: &Stack, region: &str, name: &str) -> Value {
    let mut properties = props_with(name, "Regions", json!([region]));
    properties["DestinationPolicy"] = policy_for("111122223333");
    properties["Tags"] = json!([{"Key": "team", "Value": "observability"}]);
    let (request, _) = stack
        .create(&unique_logical_id("Audited"), properties)
        .await;
    show_complete(&request, name);
    request
}

/// Runs `{"Audit": {"Regions": [region]}}`, checks that it wrote nothing, and returns its result.
async fn audit(stack: &Stack, region: &str) -> Value {
    audit_with(stack, &json!({"Audit": {"Regions": [region]}})).await
}

fn entry(stack_request: &Value, name: &str, region: &str) -> Value {
    json!({
        "DestinationName": name,
        "Region": region,
        "StackId": stack_request["StackId"],
        "LogicalResourceId": stack_request["LogicalResourceId"],
    })
}

fn drifted(request: &Value, name: &str, region: &str, aspects: &[&str]) -> Value {
    let mut entry = entry(request, name, region);
    entry["Aspects"] = json!(aspects);
    json!({"Checked": 1, "InSync": 0, "Drifted": [entry], "Orphaned": [], "Unverifiable": [],
           "Uncovered": []})
}

const IN_SYNC: fn() -> Value = || {
    json!({"Checked": 1, "InSync": 1, "Drifted": [], "Orphaned": [], "Unverifiable": [],
           "Uncovered": []})
};

#[tokio::test(flavor = "multi_thread")]
async fn an_untouched_destination_is_in_sync_and_one_record_per_region_is_written() {
    let stack = Stack::start();
    let (region, name) = ("ap-south-1", unique_name("audit-in-sync"));
    create_in(&stack, region, &name).await;
    assert_eq!(audit(&stack, region).await, IN_SYNC());
    let record = region_record(&stack, region).await;
    assert_eq!(
        (&record["Checked"], &record["Drifted"], &record["Orphaned"]),
        (&json!(1), &json!(0), &json!(0)),
        "{record}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_edited_outside_the_stack_is_drifted_in_its_policy() {
    let stack = Stack::start();
    let (region, name) = ("ap-northeast-2", unique_name("audit-policy"));
    let request = create_in(&stack, region, &name).await;
    // An account quietly added.
    client_in(region)
        .put_destination_policy()
        .destination_name(&name)
        .access_policy(policy_for("999988887777").to_string())
        .send()
        .await
        .expect("policy edited by hand");
    assert_eq!(
        audit(&stack, region).await,
        drifted(&request, &name, region, &["DestinationPolicy"])
    );
    let (found, logs) = logged(&stack, "audit: destination drifted", &name).await;
    assert!(found, "no log record for the drifted destination:\n{logs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_user_tag_is_drifted_in_its_tags() {
    let stack = Stack::start();
    let (region, name) = ("ap-southeast-1", unique_name("audit-tags"));
    let request = create_in(&stack, region, &name).await;
    let arn = existing(&client_in(region), &name).await.arn;
    client_in(region)
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("tag removed by hand");
    assert_eq!(
        audit(&stack, region).await,
        drifted(&request, &name, region, &["Tags"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_changed_outside_the_stack_is_drifted_in_its_target() {
    let stack = Stack::start();
    let (region, name) = ("ap-southeast-2", unique_name("audit-target"));
    let request = create_in(&stack, region, &name).await;
    client_in(region)
        .put_destination()
        .destination_name(&name)
        .target_arn(OTHER_TARGET)
        .role_arn(ROLE)
        .send()
        .await
        .expect("target changed by hand");
    assert_eq!(
        audit(&stack, region).await,
        drifted(&request, &name, region, &["TargetArn"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_whose_stack_was_deleted_is_orphaned() {
    let stack = Stack::start();
    let (region, name) = ("ca-central-1", unique_name("audit-orphan"));
    let request = create_in(&stack, region, &name).await;
    // The stack was deleted and the destination kept (DeletionPolicy Retain, or a failed
    // Delete): CloudFormation still answers for the stack's unique id.
    cloudformation::show(
        request["StackId"].as_str().unwrap_or_default(),
        request["LogicalResourceId"].as_str().unwrap_or_default(),
        Shown::new("DELETE_COMPLETE", "DELETE_SKIPPED", &name),
    );
    let result = audit(&stack, region).await;
    assert_eq!(
        result,
        json!({"Checked": 1, "InSync": 0, "Drifted": [],
               "Orphaned": [entry(&request, &name, region)], "Unverifiable": [],
               "Uncovered": []})
    );
    let (found, logs) = logged(&stack, "audit: orphaned destination", &name).await;
    assert!(found, "no log record for the orphan:\n{logs}");
    let record = region_record(&stack, region).await;
    assert_eq!(record["Orphaned"], 1, "{record}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_without_our_tag_is_not_listed() {
    let stack = Stack::start();
    let (region, name) = ("sa-east-1", unique_name("audit-foreign"));
    someone_elses_destination(region, &name).await;
    let answer = stack.invoke(&json!({"Audit": {"Regions": [region]}})).await;
    let Outcome::Response(result) = answer.invocation.outcome else {
        panic!("the audit did not succeed: {:?}", answer.invocation.outcome);
    };
    assert_eq!(
        result,
        json!({"Checked": 0, "InSync": 0, "Drifted": [], "Orphaned": [], "Unverifiable": [],
               "Uncovered": []})
    );
    // It was read (listed, its tags looked at), and nothing else was done.
    assert_eq!(
        answer.calls,
        ["DescribeDestinations", "ListTagsForResource"]
    );
    assert!(answer.checks.is_empty(), "{:?}", answer.checks);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_revision_repairs_every_aspect_and_the_audit_then_finds_it_in_sync() {
    let stack = Stack::start();
    let (region, name) = ("eu-west-2", unique_name("audit-repair"));
    let create = create_in(&stack, region, &name).await;
    let here = client_in(region);
    let arn = existing(&here, &name).await.arn;
    here.put_destination()
        .destination_name(&name)
        .target_arn(OTHER_TARGET)
        .role_arn(ROLE)
        .send()
        .await
        .expect("target changed by hand");
    here.put_destination_policy()
        .destination_name(&name)
        .access_policy(policy_for("999988887777").to_string())
        .send()
        .await
        .expect("policy edited by hand");
    here.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("tag removed by hand");
    here.tag_resource()
        .resource_arn(&arn)
        .tags("added-by-hand", "x")
        .send()
        .await
        .expect("tag added by hand");
    assert_eq!(
        audit(&stack, region).await,
        drifted(
            &create,
            &name,
            region,
            &["TargetArn", "DestinationPolicy", "Tags"]
        )
    );

    // The repair: the same template with a new Revision, so CloudFormation sends an Update.
    let mut properties = create["ResourceProperties"].clone();
    properties["Revision"] = json!("2");
    let update = update_request(&create, &stack.url(), &name, properties);
    show(&update, "UPDATE_IN_PROGRESS", &name);
    stack.succeed(&update).await;
    show_complete(&update, &name);
    assert_eq!(audit(&stack, region).await, IN_SYNC());
    let repaired = existing(&here, &name).await;
    assert_eq!(repaired.target_arn, TARGET);
    assert_eq!(repaired.policy, Some(policy_for("111122223333")));
    let now = tags(&here, &arn).await;
    assert_eq!(now.get("team").map(String::as_str), Some("observability"));
    assert!(!now.contains_key("added-by-hand"), "{now:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_written_before_fingerprints_is_unverifiable_until_its_next_revision() {
    let stack = Stack::start();
    let (region, name) = ("eu-south-1", unique_name("audit-old"));
    let create = create_in(&stack, region, &name).await;
    let here = client_in(region);
    let arn = existing(&here, &name).await.arn;
    here.untag_resource()
        .resource_arn(&arn)
        .tag_keys(FINGERPRINT_TAG)
        .send()
        .await
        .expect("as written before the audit existed");
    let result = audit(&stack, region).await;
    assert_eq!(result["Checked"], 1, "{result}");
    let unverifiable = &result["Unverifiable"][0];
    assert_eq!(unverifiable["DestinationName"], name.as_str(), "{result}");
    assert!(
        unverifiable["Reason"]
            .as_str()
            .is_some_and(|r| r.contains("new Revision")),
        "{result}"
    );
    let mut properties = create["ResourceProperties"].clone();
    properties["Revision"] = json!(1);
    let update = update_request(&create, &stack.url(), &name, properties);
    show(&update, "UPDATE_IN_PROGRESS", &name);
    let answer = stack.succeed(&update).await;
    // The fingerprint alone is written: one TagResource.
    assert_eq!(writes(&answer.calls), ["TagResource"]);
    show_complete(&update, &name);
    assert_eq!(audit(&stack, region).await, IN_SYNC());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_stays_under_the_rate_limit_and_names_a_region_it_cannot_read() {
    let stack = Stack::start();
    let (region, prefix) = ("eu-north-1", unique_name("audit-many"));
    // A dozen destinations of this provider, whose stack CloudFormation does not know.
    let here = client_in(region);
    for i in 0..12 {
        let name = format!("{prefix}-{i:02}");
        let arn = here
            .put_destination()
            .destination_name(&name)
            .target_arn(TARGET)
            .role_arn(ROLE)
            .send()
            .await
            .expect("made")
            .destination()
            .and_then(|d| d.arn())
            .unwrap_or_default()
            .to_owned();
        here.tag_resource()
            .resource_arn(&arn)
            .tags(OWNER_TAG, format!("gone-stack/0000-{i}/Destination"))
            .send()
            .await
            .expect("tagged");
    }
    stack.proxy.rate_limit(5);
    let result = audit(&stack, region).await;
    assert_eq!(result["Checked"], 12, "{result}");
    assert_eq!(result.get("Unreadable"), None, "{result}");
    assert_eq!(result["Orphaned"].as_array().map(Vec::len), Some(12));
    let throttled: Vec<String> = stack
        .proxy
        .records()
        .into_iter()
        .filter(|r| r.throttled)
        .map(|r| r.op)
        .collect();
    assert!(throttled.is_empty(), "throttled: {throttled:?}");

    // A Region that cannot be read is named, with why, beside the report of the rest, and
    // counted: not an invocation error, which Lambda would retry and dead-letter.
    disable_opt_in_region(&stack.proxy, "me-south-1");
    let result = stack
        .invoke(&json!({"Audit": {"Regions": [region, "me-south-1"]}}))
        .await;
    assert_eq!(writes(&result.calls), Vec::<&String>::new());
    let Outcome::Response(result) = result.invocation.outcome else {
        panic!("the audit did not answer: {:?}", result.invocation.outcome);
    };
    assert_eq!(result["Checked"], 12, "{result}");
    let unreadable = &result["Unreadable"];
    assert_eq!(unreadable[0]["Region"], "me-south-1", "{result}");
    assert!(
        unreadable[0]["Reason"]
            .as_str()
            .is_some_and(|r| r.contains("UnrecognizedClientException")),
        "{result}"
    );
    let record = region_record(&stack, "me-south-1").await;
    assert_eq!(record["Unreadable"], 1, "{record}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_that_does_not_answer_in_time_is_unreadable_and_the_report_still_comes_back() {
    let stack = Stack::start();
    let (region, name) = ("us-west-2", unique_name("audit-slow"));
    create_in(&stack, region, &name).await;
    stack.proxy.hang("af-south-1/DescribeDestinations");
    let answer = stack
        .runtime
        .invoke(
            json!({"Audit": {"Regions": [region, "af-south-1"]}}),
            std::time::Duration::from_secs(8),
        )
        .await;
    let Outcome::Response(result) = answer.outcome else {
        panic!("no report before the deadline: {:?}", answer.outcome);
    };
    assert_eq!(
        (&result["Checked"], &result["InSync"]),
        (&json!(1), &json!(1)),
        "{result}"
    );
    assert_eq!(result["Unreadable"][0]["Region"], "af-south-1", "{result}");
    assert!(
        result["Unreadable"][0]["Reason"]
            .as_str()
            .is_some_and(|r| r.contains("ran out of time")),
        "{result}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provisioning_function_refuses_an_audit_without_any_call() {
    let stack = Stack::provisioning();
    let answer = stack.invoke(&json!({"Audit": {}})).await;
    let Outcome::Error(error) = answer.invocation.outcome else {
        panic!("expected a refusal, got {:?}", answer.invocation.outcome);
    };
    assert_eq!(error["errorType"], "RefusedEvent", "{error}");
    assert!(answer.calls.is_empty() && answer.checks.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_command_prints_a_table_with_a_progress_line_and_writes_nothing() {
    let stack = Stack::start();
    let (region, name) = ("us-west-1", unique_name("audit-cli"));
    let request = create_in(&stack, region, &name).await;
    client_in(region)
        .put_destination_policy()
        .destination_name(&name)
        .access_policy(policy_for("999988887777").to_string())
        .send()
        .await
        .expect("policy edited by hand");
    let calls_before = stack.proxy.calls().len();
    // Run by a person: credentials and Region from their environment, no Lambda runtime.
    let output = audit_command(&stack, &["audit", "--regions", region]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("STATUS"), "{stdout}");
    let logical = request["LogicalResourceId"].as_str().unwrap_or_default();
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        row,
        [
            "Drifted",
            region,
            name.as_str(),
            format!("test-stack/{logical}").as_str(),
            "DestinationPolicy"
        ],
        "{stdout}"
    );
    assert_eq!(
        lines[2],
        "1 checked in 1 Region(s): 0 in sync, 1 drifted, 0 orphaned, 0 unverifiable, 0 uncovered"
    );
    assert!(
        stderr.contains(&format!(
            "audit: 1/1 Regions read ({region}: 1 of this provider's)"
        )),
        "{stderr}"
    );
    let calls = stack.proxy.calls().split_off(calls_before);
    assert!(
        !calls.is_empty(),
        "the command did not go through the proxy"
    );
    assert_eq!(writes(&calls), Vec::<&String>::new());
}
