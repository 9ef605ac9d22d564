//! The audit's coverage through the binary (docs/audit.md, "Coverage"): a resource whose
//! Region set includes a Region where its destination is not is `Uncovered`, naming that
//! Region and the fix, whether the Region was deleted from by hand or enabled for the account
//! since (`Regions: "*"`); a covered resource is not, and the fixes it names (a new Revision,
//! ExcludedRegions) cover it again; what cannot be checked is `CoverageUnknown`, never
//! silently left out. The audit never writes. Each test audits Regions of its own (moto is
//! shared by the tests of this file), and sets its account's enabled Regions when it uses
//! `"*"`.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::account::RegionStatus;
use support::*;

/// Creates `name` through the function in `regions` (a list, or `"*"`), with a policy and a
/// user tag: its fingerprint records the Region set.
async fn create_in(stack: &Stack, regions: Value, name: &str) -> Value {
    let mut properties = props_with(name, "Regions", regions);
    properties["DestinationPolicy"] = policy_for("111122223333");
    properties["Tags"] = json!([{"Key": "team", "Value": "observability"}]);
    let (request, _) = stack
        .create(&unique_logical_id("Covered"), properties)
        .await;
    show_complete(&request, name);
    request
}

/// The stack's Update of `previous` to `properties`, as CloudFormation sends it.
async fn update(stack: &Stack, previous: &Value, name: &str, properties: Value) -> Value {
    let request = update_request(previous, &stack.url(), name, properties);
    show(&request, "UPDATE_IN_PROGRESS", name);
    stack.succeed(&request).await;
    show_complete(&request, name);
    request
}

/// The Region set the fingerprint of `name` in `region` records (`Regions=SPEC`).
async fn recorded_set(region: &str, name: &str) -> String {
    let here = client_in(region);
    let arn = existing(&here, name).await.arn;
    let print = tags(&here, &arn)
        .await
        .remove(FINGERPRINT_TAG)
        .unwrap_or_default();
    print
        .split(' ')
        .find_map(|word| word.strip_prefix("Regions="))
        .unwrap_or_else(|| panic!("{name} in {region}: no Region set in {print:?}"))
        .to_owned()
}

async fn delete_by_hand(region: &str, name: &str) {
    client_in(region)
        .delete_destination()
        .destination_name(name)
        .send()
        .await
        .expect("deleted by hand");
}

async fn audit(stack: &Stack, regions: &[&str]) -> Value {
    audit_with(stack, &json!({"Audit": {"Regions": regions}})).await
}

/// The coverage record (one per audit, without dimensions) of the `nth` audit of this test.
async fn coverage_record(stack: &Stack, nth: usize) -> Value {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let metrics = stack.function.metrics();
        let records: Vec<&Value> = metrics
            .iter()
            .filter(|m| m.get("Uncovered").is_some())
            .collect();
        if let Some(record) = records.get(nth - 1) {
            return (*record).clone();
        }
        assert!(
            std::time::Instant::now() < end,
            "no coverage record for audit {nth}: {metrics:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The Regions in which the function called `op`, from `since` (an index into the proxy's
/// calls).
fn regions_called(stack: &Stack, op: &str, since: usize) -> Vec<String> {
    stack
        .proxy
        .call_spans()
        .into_iter()
        .skip(since)
        .filter(|c| c.op == op)
        .map(|c| c.region)
        .collect()
}

/// `cfn-logs-destination audit --regions REGIONS`, as a person runs it: (exit code, stdout).
async fn audit_table(stack: &Stack, regions: &str) -> (Option<i32>, String) {
    let output = audit_command(stack, &["audit", "--regions", regions]).await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    // Shown with --nocapture: the table as a person sees it.
    println!("{stdout}");
    (output.status.code(), stdout)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_deleted_by_hand_in_a_listed_region_is_uncovered_naming_that_region() {
    let stack = Stack::start();
    let (kept, lost) = ("eu-west-3", "ap-northeast-1");
    let name = unique_name("cover-listed");
    let create = create_in(&stack, json!([kept, lost]), &name).await;
    assert_eq!(recorded_set(kept, &name).await, format!("{lost}/{kept}"));

    // Covered: nothing to report, and no look beyond the audited Regions.
    let result = audit(&stack, &[kept, lost]).await;
    assert_eq!(
        (&result["InSync"], &result["Uncovered"]),
        (&json!(2), &json!([])),
        "{result}"
    );
    assert_eq!(coverage_record(&stack, 1).await["Uncovered"], 0);

    delete_by_hand(lost, &name).await;
    // Auditing only the Region that kept it: the other listed Region is looked at by name.
    let since = stack.proxy.call_spans().len();
    let result = audit(&stack, &[kept]).await;
    let uncovered = json!([{
        "DestinationName": name,
        "StackId": create["StackId"],
        "LogicalResourceId": create["LogicalResourceId"],
        "Requested": {"Regions": [lost, kept]},
        "MissingRegions": [lost],
        "Reason": format!("its Regions include {lost}, where its destination is not"),
        "Fix": "deploy its stack with a new Revision (it creates the destination there \
                again), or remove the Region from Regions",
    }]);
    assert_eq!(result["Uncovered"], uncovered, "{result}");
    assert_eq!(result["InSync"], 1, "{result}");
    assert_eq!(
        regions_called(&stack, "DescribeDestinations", since),
        [kept, lost],
        "one listing of the audited Region, one look for the name in the other"
    );
    assert!(
        stack.proxy.account_calls().is_empty(),
        "no \"*\": no ListRegions"
    );
    let (found, logs) = logged(&stack, "audit: uncovered", &name).await;
    assert!(found, "no log record for the uncovered resource:\n{logs}");
    assert_eq!(coverage_record(&stack, 2).await["Uncovered"], 1);

    // Auditing both Regions says the same.
    let both = audit(&stack, &[kept, lost]).await;
    assert_eq!(both["Uncovered"], uncovered, "{both}");

    // The table a person sees names the Region and the fix; exit 1 as for drift.
    let (code, table) = audit_table(&stack, kept).await;
    assert_eq!(code, Some(1), "{table}");
    let logical = create["LogicalResourceId"].as_str().unwrap_or_default();
    let row: Vec<&str> = table
        .lines()
        .find(|line| line.starts_with("Uncovered"))
        .unwrap_or_else(|| panic!("no Uncovered row:\n{table}"))
        .split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    assert_eq!(
        row[..4],
        [
            "Uncovered",
            lost,
            name.as_str(),
            format!("{RIG_STACK}/{logical}").as_str()
        ],
        "{table}"
    );
    assert!(row[4].contains("new Revision"), "{table}");
    assert!(
        table.ends_with("1 in sync, 0 drifted, 0 orphaned, 0 unverifiable, 1 uncovered\n"),
        "{table}"
    );

    // The fix: a new Revision creates it there again.
    let mut properties = create["ResourceProperties"].clone();
    properties["Revision"] = json!("2");
    update(&stack, &create, &name, properties).await;
    existing(&client_in(lost), &name).await;
    let repaired = audit(&stack, &[kept]).await;
    assert_eq!(repaired["Uncovered"], json!([]), "{repaired}");
}

/// The rig's account with `enabled` Regions (the first enabled by default, the others opted
/// in) and `later` not enabled yet.
fn account(stack: &Stack, enabled: &[&str], later: &str) {
    let mut regions: Vec<(&str, RegionStatus)> = enabled
        .iter()
        .enumerate()
        .map(|(i, region)| match i {
            0 => (*region, RegionStatus::EnabledByDefault),
            _ => (*region, RegionStatus::Enabled),
        })
        .collect();
    regions.push((later, RegionStatus::Disabled));
    stack.proxy.set_account_regions(&regions);
}

/// A `"*"` resource, created while `new` was not enabled, is covered; once the account
/// enables `new`, it is Uncovered naming it, with both fixes. Returns its Create.
async fn uncovered_once_enabled(stack: &Stack, enabled: &[&str], new: &str, name: &str) -> Value {
    account(stack, enabled, new);
    let audited = enabled[1];
    let create = create_in(stack, json!("*"), name).await;
    assert_eq!(recorded_set(audited, name).await, "all");
    let calls_before = stack.proxy.account_calls().len();
    let result = audit(stack, &[audited]).await;
    assert_eq!(result["Uncovered"], json!([]), "{result}");
    let mut sorted = enabled.to_vec();
    sorted.sort();
    assert_eq!(result["EnabledRegions"], json!(sorted), "{result}");

    // The account enables another Region: "*" now includes it, and it has no destination.
    stack.proxy.set_region_status(new, RegionStatus::Enabled);
    let since = stack.proxy.call_spans().len();
    let result = audit(stack, &[audited]).await;
    assert_eq!(
        stack.proxy.account_calls().len() - calls_before,
        2,
        "one ListRegions per audit"
    );
    let uncovered = &result["Uncovered"];
    assert_eq!(uncovered.as_array().map(Vec::len), Some(1), "{result}");
    assert_eq!(uncovered[0]["DestinationName"], name);
    assert_eq!(
        uncovered[0]["LogicalResourceId"],
        create["LogicalResourceId"]
    );
    assert_eq!(uncovered[0]["MissingRegions"], json!([new]), "{result}");
    assert_eq!(
        uncovered[0]["Requested"],
        json!({"Regions": "*", "ExcludedRegions": []})
    );
    assert!(
        uncovered[0]["Fix"]
            .as_str()
            .is_some_and(|fix| fix.contains("new Revision") && fix.contains("ExcludedRegions")),
        "{result}"
    );
    // The audited Region listed whole, every other enabled one looked at for the name.
    let mut looked_in = regions_called(stack, "DescribeDestinations", since);
    looked_in.sort();
    let mut expected: Vec<&str> = enabled.iter().copied().chain([new]).collect();
    expected.sort();
    assert_eq!(looked_in, expected, "{result}");
    assert_eq!(coverage_record(stack, 2).await["Uncovered"], 1);
    create
}

#[tokio::test(flavor = "multi_thread")]
async fn every_enabled_region_is_uncovered_in_a_region_enabled_since_until_a_new_revision() {
    let stack = Stack::start();
    let new = "ap-northeast-3";
    let name = unique_name("cover-every");
    let create = uncovered_once_enabled(
        &stack,
        &["us-east-1", "us-east-2", "eu-central-1"],
        new,
        &name,
    )
    .await;
    let (code, table) = audit_table(&stack, "us-east-2").await;
    assert_eq!(code, Some(1), "{table}");
    let row = table
        .lines()
        .find(|line| line.starts_with("Uncovered"))
        .unwrap_or_else(|| panic!("no Uncovered row:\n{table}"));
    assert!(
        row.contains(&format!("includes {new}, where its destination is not")),
        "{table}"
    );

    let mut properties = create["ResourceProperties"].clone();
    properties["Revision"] = json!("2");
    update(&stack, &create, &name, properties).await;
    existing(&client_in(new), &name).await;
    let result = audit(&stack, &["us-east-2"]).await;
    assert_eq!(result["Uncovered"], json!([]), "{result}");
    assert_eq!(coverage_record(&stack, 3).await["Uncovered"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_enabled_region_is_uncovered_in_a_region_enabled_since_until_it_is_excluded() {
    let stack = Stack::start();
    let new = "ap-south-1";
    let name = unique_name("cover-exclude");
    let create = uncovered_once_enabled(
        &stack,
        &["us-east-1", "eu-north-1", "ap-southeast-1"],
        new,
        &name,
    )
    .await;
    let mut properties = create["ResourceProperties"].clone();
    properties["ExcludedRegions"] = json!([new]);
    update(&stack, &create, &name, properties).await;
    assert_eq!(
        recorded_set("eu-north-1", &name).await,
        format!("all-except/{new}")
    );
    let result = audit(&stack, &["eu-north-1"]).await;
    assert_eq!(result["Uncovered"], json!([]), "{result}");
    assert_eq!(coverage_record(&stack, 3).await["Uncovered"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_cannot_be_checked_is_coverage_unknown_not_covered() {
    let stack = Stack::start();
    let (audited, unread) = ("eu-west-2", "ca-central-1");
    account(&stack, &["us-east-1", audited, unread], "me-south-1");
    let every = unique_name("cover-refused");
    create_in(&stack, json!("*"), &every).await;
    let listed = unique_name("cover-unread");
    create_in(&stack, json!([audited, unread]), &listed).await;
    delete_by_hand(unread, &listed).await;

    stack.proxy.fail(
        "ListRegions",
        1,
        400,
        "AccessDeniedException",
        "User is not authorized to perform: account:ListRegions",
    );
    stack.proxy.fail(
        &format!("{unread}/DescribeDestinations"),
        1,
        400,
        "AccessDeniedException",
        "User is not authorized to perform: logs:DescribeDestinations",
    );
    let result = audit(&stack, &[audited]).await;
    assert_eq!(result["Uncovered"], json!([]), "{result}");
    assert_eq!(result.get("EnabledRegions"), None, "{result}");
    let unknown = result["CoverageUnknown"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let reason_of = |name: &str| {
        unknown
            .iter()
            .find(|e| e["DestinationName"] == name)
            .and_then(|e| e["Reason"].as_str())
            .unwrap_or_else(|| panic!("{name} is not in CoverageUnknown: {result}"))
            .to_owned()
    };
    let refused = reason_of(&every);
    assert!(
        refused.contains("ListRegions") && refused.contains("AccessDeniedException"),
        "{refused}"
    );
    let unreadable = reason_of(&listed);
    assert!(
        unreadable.starts_with(&format!("{unread} could not be read"))
            && unreadable.contains("AccessDeniedException"),
        "{unreadable}"
    );
    let record = coverage_record(&stack, 1).await;
    assert_eq!(
        (&record["Uncovered"], &record["CoverageUnknown"]),
        (&json!(0), &json!(2)),
        "{record}"
    );
    let (found, logs) = logged(&stack, "audit: could not check", &every).await;
    assert!(found, "no log record for the unchecked resource:\n{logs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_set_recorded_as_a_digest_is_compared_whole_and_names_no_region() {
    let stack = Stack::start();
    // Too many Regions to spell out in a tag value: the fingerprint records a digest.
    let regions = [
        "sa-east-1",
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-south-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ca-central-1",
    ];
    let (audited, lost) = (regions[0], "ap-northeast-2");
    let mut enabled = regions.to_vec();
    enabled.push("eu-south-1");
    account(&stack, &enabled, "me-south-1");
    let name = unique_name("cover-digest");
    let create = create_in(&stack, json!(regions), &name).await;
    let spec = recorded_set(audited, &name).await;
    assert!(spec.starts_with("n12:"), "{spec}");

    let result = audit(&stack, &[audited]).await;
    assert_eq!(result["Uncovered"], json!([]), "{result}");
    assert_eq!(result.get("CoverageUnknown"), None, "{result}");

    delete_by_hand(lost, &name).await;
    let result = audit(&stack, &[audited]).await;
    let uncovered = &result["Uncovered"];
    assert_eq!(uncovered.as_array().map(Vec::len), Some(1), "{result}");
    assert_eq!(
        uncovered[0]["LogicalResourceId"],
        create["LogicalResourceId"]
    );
    assert_eq!(uncovered[0]["MissingRegions"], json!([]), "{result}");
    assert_eq!(
        uncovered[0]["Requested"]["RegionCount"],
        json!(12),
        "{result}"
    );
    let reason = uncovered[0]["Reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("the 11 Region(s) where its destination is") && !reason.contains(lost),
        "{reason}"
    );
    assert_eq!(coverage_record(&stack, 2).await["Uncovered"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destination_written_before_the_region_set_was_kept_is_never_uncovered() {
    let stack = Stack::start();
    let (kept, lost) = ("me-south-1", "af-south-1");
    let name = unique_name("cover-v1");
    create_in(&stack, json!([kept, lost]), &name).await;
    // As a provider without the Region set wrote it: v1, the same hashes, no Regions word.
    let here = client_in(kept);
    let arn = existing(&here, &name).await.arn;
    let print = tags(&here, &arn)
        .await
        .remove(FINGERPRINT_TAG)
        .unwrap_or_default();
    let hashes: Vec<&str> = print
        .split(' ')
        .skip(1)
        .filter(|word| !word.starts_with("Regions="))
        .collect();
    here.tag_resource()
        .resource_arn(&arn)
        .tags(FINGERPRINT_TAG, format!("v1 {}", hashes.join(" ")))
        .send()
        .await
        .expect("fingerprint rewritten as v1");
    delete_by_hand(lost, &name).await;

    let since = stack.proxy.call_spans().len();
    let result = audit(&stack, &[kept]).await;
    // In sync (the hashes still match), and its coverage unknown: not reported, not looked for.
    assert_eq!(
        (&result["InSync"], &result["Uncovered"]),
        (&json!(1), &json!([])),
        "{result}"
    );
    assert_eq!(result.get("CoverageUnknown"), None, "{result}");
    assert_eq!(
        regions_called(&stack, "DescribeDestinations", since),
        [kept]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_that_does_not_answer_leaves_coverage_unknown_and_the_report_still_comes_back() {
    let stack = Stack::start();
    let (audited, silent) = ("ap-east-1", "ap-southeast-2");
    let name = unique_name("cover-slow");
    create_in(&stack, json!([audited, silent]), &name).await;
    stack.proxy.hang(&format!("{silent}/DescribeDestinations"));
    let answer = stack
        .runtime
        .invoke(
            json!({"Audit": {"Regions": [audited]}}),
            std::time::Duration::from_secs(8),
        )
        .await;
    let Outcome::Response(result) = answer.outcome else {
        panic!("no report before the deadline: {:?}", answer.outcome);
    };
    assert_eq!(result["InSync"], 1, "{result}");
    assert_eq!(result["Uncovered"], json!([]), "{result}");
    let reason = result["CoverageUnknown"][0]["Reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.starts_with(&format!("{silent} could not be read"))
            && reason.contains("ran out of time"),
        "{result}"
    );
}
