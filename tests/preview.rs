//! The preview of a change set through the binary (docs/preview.md): `cfn-logs-destination
//! preview --change-set ARN` and `{"Preview": {"ChangeSet": ARN}}` read the change set from the
//! rig's CloudFormation (DescribeChangeSet with property values, a page at a time), run each
//! of this provider's changes through the engine's intent, observe and plan, and write
//! nothing: every test counts the CloudWatch Logs calls the proxy saw.

mod harness;
mod support;

use harness::*;
use serde_json::{json, Value};
use support::cloudformation::{self, RigChange};
use support::*;

/// One stack with several resources: one function, one StackId for all.
struct Scene {
    stack: Stack,
    stack_id: String,
}

impl Scene {
    fn start() -> Scene {
        Scene {
            stack: Stack::start(),
            stack_id: format!(
                "arn:aws:cloudformation:us-east-1:123456789012:stack/{RIG_STACK}/{}",
                uuid_like()
            ),
        }
    }

    /// Creates `logical_id` through the function; returns the request (its properties are
    /// the change's before).
    async fn create(&self, logical_id: &str, properties: Value) -> Value {
        let mut request = create_request(&self.stack.url(), logical_id, properties);
        request["StackId"] = json!(self.stack_id);
        self.stack.succeed(&request).await;
        request
    }

    fn change_set(&self, changes: Vec<RigChange>) -> String {
        cloudformation::change_set(&self.stack_id, changes)
    }

    /// Runs `cfn-logs-destination ARGS` as a person would; returns the exit code, stdout,
    /// stderr, and the CloudWatch Logs calls it made.
    async fn cli(&self, args: &[&str]) -> (Option<i32>, String, String, Vec<String>) {
        let before = self.stack.proxy.calls().len();
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_cfn-logs-destination"))
            .args(args)
            .env_clear()
            .envs([
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_ENDPOINT_URL", self.stack.proxy.endpoint().as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
                ("AWS_CONFIG_FILE", "/dev/null"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ])
            .output()
            .await
            .expect("the command runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
            self.stack.proxy.calls().split_off(before),
        )
    }

    /// `preview --change-set ARN --json`, which must write nothing.
    async fn preview_json(&self, arn: &str) -> (Option<i32>, Value) {
        let (code, stdout, stderr, calls) =
            self.cli(&["preview", "--change-set", arn, "--json"]).await;
        assert_eq!(writes(&calls), Vec::<&String>::new(), "the preview wrote");
        let report = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
        (code, report)
    }
}

fn resource<'a>(report: &'a Value, logical_id: &str) -> &'a Value {
    report["Resources"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["LogicalResourceId"] == logical_id))
        .unwrap_or_else(|| panic!("{logical_id} is not in the preview: {report:#}"))
}

/// The properties with a hand-written policy letting `account` subscribe, and tag team=`team`.
fn with_policy_and_tag(name: &str, account: &str, team: &str) -> Value {
    let mut properties = props(name);
    properties["DestinationPolicy"] = policy_for(account);
    properties["Tags"] = json!([{"Key": "team", "Value": team}]);
    properties
}

fn statement(account: &str) -> Value {
    policy_for(account)["Statement"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_plan_kind_is_previewed_from_a_change_set_and_nothing_is_written() {
    let scene = Scene::start();
    let names: Vec<String> = [
        "preview-create",
        "preview-converge",
        "preview-delete",
        "preview-adopt",
        "preview-taken",
        "preview-same",
    ]
    .iter()
    .map(|prefix| unique_name(prefix))
    .collect();
    let [fresh, converged, gone, adopted, taken, same] = &names[..] else {
        unreachable!()
    };
    // Converge: every aspect changes.
    let converged_before = scene
        .create(
            "Converged",
            with_policy_and_tag(converged, "111122223333", "a"),
        )
        .await;
    let mut converged_after = with_policy_and_tag(converged, "444455556666", "b");
    converged_after["TargetArn"] = json!(OTHER_TARGET);
    converged_after["RoleArn"] = json!(OTHER_ROLE);
    converged_after["ServiceToken"] = json!(cfn::SERVICE_TOKEN);
    // Delete: the resource leaves the template.
    let gone_before = scene.create("Gone", props(gone)).await;
    // Nothing: only ServiceTimeout changes.
    let same_before = scene.create("Same", props(same)).await;
    let mut same_after = same_before["ResourceProperties"].clone();
    same_after["ServiceTimeout"] = json!(300);
    // Take over: a hand-made destination whose owner agreed to this stack adopting it.
    let (found, _) = foreign_destination(&scene.stack, adopted).await;
    agree_to_adoption(&scene.stack.logs, &found.arn, RIG_STACK).await;
    // Refuse: someone else's destination under the name a new resource asks for.
    foreign_destination(&scene.stack, taken).await;

    let with_token = |mut properties: Value| {
        properties["ServiceToken"] = json!(cfn::SERVICE_TOKEN);
        properties
    };
    let arn = scene.change_set(vec![
        RigChange::new("Add", "Fresh", "").after(with_token(props(fresh))),
        RigChange::new("Modify", "Converged", converged)
            .before(converged_before["ResourceProperties"].clone())
            .after(converged_after),
        RigChange::new("Remove", "Gone", gone).before(gone_before["ResourceProperties"].clone()),
        RigChange::new("Add", "Adopted", "").after(with_token(adopting(adopted))),
        RigChange::new("Add", "Taken", "").after(with_token(props(taken))),
        RigChange::new("Modify", "Same", same)
            .before(same_before["ResourceProperties"].clone())
            .after(same_after),
        // Not this provider's: never mentioned.
        RigChange::new("Add", "Topic", "")
            .of_type("AWS::SNS::Topic")
            .after(json!({"TopicName": "t"})),
    ]);
    let checks_before = scene.stack.proxy.cloudformation_calls().len();
    let (code, report) = scene.preview_json(&arn).await;
    assert_eq!(code, Some(1), "a refusal is exit 1: {report:#}");
    // Seven changes, two a page.
    let checks = scene
        .stack
        .proxy
        .cloudformation_calls()
        .split_off(checks_before);
    assert_eq!(checks, vec!["DescribeChangeSet"; 4]);

    assert_eq!(report["ChangeSet"], arn);
    assert_eq!(report["StackId"], scene.stack_id);
    assert_eq!(
        report["Resources"].as_array().map(Vec::len),
        Some(6),
        "{report:#}"
    );
    assert_eq!(report["Refused"], 1);

    let fresh_preview = resource(&report, "Fresh");
    assert_eq!(
        (&fresh_preview["Request"], &fresh_preview["Outcome"]),
        (&json!("Create"), &json!("Planned"))
    );
    assert_eq!(fresh_preview["Regions"][0]["Region"], "us-east-1");
    assert_eq!(fresh_preview["Regions"][0]["Action"], "Create");
    assert_eq!(fresh_preview["Regions"][0]["TargetArn"]["After"], TARGET);
    assert_eq!(
        fresh_preview["Regions"][0]["Writes"],
        json!([["PutDestination"], ["TagResource"]])
    );

    let converge = &resource(&report, "Converged")["Regions"][0];
    assert_eq!(converge["Action"], "Converge", "{converge:#}");
    assert_eq!(
        converge["Aspects"],
        json!(["TargetArn", "RoleArn", "DestinationPolicy", "Tags"])
    );
    assert_eq!(
        converge["TargetArn"],
        json!({"Before": TARGET, "After": OTHER_TARGET})
    );
    assert_eq!(
        converge["RoleArn"],
        json!({"Before": ROLE, "After": OTHER_ROLE})
    );
    assert_eq!(
        converge["DestinationPolicy"],
        json!({"Added": [statement("444455556666")], "Removed": [statement("111122223333")],
               "Unchanged": 0})
    );
    assert_eq!(
        converge["Tags"],
        json!({"Set": {"team": {"Before": "a", "After": "b"}}})
    );

    let delete = resource(&report, "Gone");
    assert_eq!(delete["Request"], "Delete");
    assert_eq!(delete["Regions"][0]["Action"], "Delete");
    assert_eq!(
        delete["Regions"][0]["Writes"],
        json!([["DeleteDestination"]])
    );

    let take_over = &resource(&report, "Adopted")["Regions"][0];
    assert_eq!(take_over["Action"], "TakeOver", "{take_over:#}");
    assert!(
        take_over["Note"]
            .as_str()
            .is_some_and(|n| n.starts_with(&format!(
                "the reply would say: Adopted the existing destination {adopted}"
            ))),
        "{take_over:#}"
    );

    let refused = resource(&report, "Taken");
    assert_eq!(refused["Outcome"], "Refused");
    assert_eq!(refused["Regions"][0]["Action"], "Refuse");
    let reason = refused["Reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(&format!(
            "Destination {taken} already exists and is not managed by this stack resource"
        )),
        "{reason}"
    );

    let nothing = &resource(&report, "Same")["Regions"][0];
    assert_eq!(nothing["Action"], "Nothing", "{nothing:#}");
    assert!(nothing.get("Aspects").is_none(), "{nothing:#}");
    assert!(nothing.get("Writes").is_none(), "{nothing:#}");

    // And every destination is as it was.
    assert_eq!(stored(&scene.stack.logs, fresh).await, None);
    assert!(stored(&scene.stack.logs, gone).await.is_some());
    let still = existing(&scene.stack.logs, converged).await;
    assert_eq!(
        (still.target_arn.as_str(), still.role_arn.as_str()),
        (TARGET, ROLE)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_with_a_region_added_and_a_policy_change_is_shown_as_text() {
    let scene = Scene::start();
    let (old, new) = (unique_name("preview-old"), unique_name("preview-new"));
    let mut before = fanned(&old, &["us-east-1"]);
    before["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    let created = scene.create("Central", before).await;
    let mut after = fanned(&new, &["us-east-1", "eu-west-1"]);
    after["AllowedAccounts"] = json!(["111122223333", "444455556666"]);
    after["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    after["ServiceToken"] = json!(cfn::SERVICE_TOKEN);
    let arn = scene.change_set(vec![RigChange::new("Modify", "Central", &old)
        .before(created["ResourceProperties"].clone())
        .after(after)]);
    let (code, stdout, stderr, calls) = scene.cli(&["preview", "--change-set", &arn]).await;
    eprintln!("{stdout}");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(writes(&calls), Vec::<&String>::new(), "the preview wrote");
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    let has = |wanted: &str| lines.iter().any(|l| l.starts_with(wanted));
    assert!(
        has(&format!(
            "Central (Custom::LogsDestination): Modify -> Update (replace), destination {old} -> {new}"
        )),
        "{stdout}"
    );
    assert!(
        has(&format!(
            "+ create     us-east-1  (DestinationPolicy)  compared with {old}"
        )),
        "{stdout}"
    );
    assert!(
        has("+ create     eu-west-1  (TargetArn, RoleArn, DestinationPolicy, Tags)"),
        "{stdout}"
    );
    assert!(has("then, in CloudFormation's cleanup:"), "{stdout}");
    assert!(has("- delete     us-east-1"), "{stdout}");
    // In us-east-1, the built statement changes: the new account, the new name.
    assert!(
        has("~ statement AllowAccounts (Principal, Resource changed):"),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("+ {") && l.contains(r#"["111122223333","444455556666"]"#)),
        "{stdout}"
    );
    assert!(
        has(
            "Preview: 1 resource(s), 0 refused, 0 unknown until applied; per Region: 2 to \
             create, 0 to converge, 1 to delete, 0 to take over, 0 refused"
        ),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_known_only_after_applying_is_shown_as_such_and_not_guessed() {
    let scene = Scene::start();
    let name = unique_name("preview-later");
    let mut properties = props(&name);
    properties["TargetArn"] = json!("{{changeSet:KNOWN_AFTER_APPLY}}");
    properties["ServiceToken"] = json!(cfn::SERVICE_TOKEN);
    let arn = scene.change_set(vec![RigChange::new("Add", "Later", "").after(properties)]);
    let (code, report) = scene.preview_json(&arn).await;
    assert_eq!(code, Some(0), "{report:#}");
    let later = resource(&report, "Later");
    assert_eq!(later["Outcome"], "Unknown");
    assert_eq!(later["KnownAfterApply"], json!(["TargetArn"]));
    assert_eq!(later["Regions"], json!([]));
    assert_eq!(report["Unknown"], 1);
    let (_, stdout, _, calls) = scene.cli(&["preview", "--change-set", &arn]).await;
    assert!(
        calls.is_empty(),
        "a value it does not know is not looked up: {calls:?}"
    );
    assert!(
        stdout.contains("? unknown until CloudFormation applies the change set"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CloudFormation will know TargetArn only after applying"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preview_could_not_run_is_exit_two() {
    let scene = Scene::start();
    let missing = format!(
        "arn:aws:cloudformation:us-east-1:123456789012:changeSet/none/{}",
        uuid_like()
    );
    let (code, stdout, stderr, calls) = scene.cli(&["preview", "--change-set", &missing]).await;
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("DescribeChangeSet"), "{stderr}");
    assert!(stderr.contains("ChangeSetNotFound"), "{stderr}");
    assert!(calls.is_empty());
    let (code, _, stderr, _) = scene
        .cli(&["preview", "--change-set", "my-change-set"])
        .await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--change-set takes the change set's ARN"),
        "{stderr}"
    );
    let (code, _, stderr, _) = scene.cli(&["preview"]).await;
    assert_eq!(code, Some(2), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_invocation_previews_only_this_functions_resources_of_its_own_account() {
    let scene = Scene::start();
    let (name, other) = (unique_name("preview-invoked"), unique_name("preview-other"));
    let generic = |name: &str, token: &str| {
        let mut properties = props(name);
        properties["ServiceToken"] = json!(token);
        properties
    };
    let elsewhere = "arn:aws:lambda:us-east-1:123456789012:function:another-provider";
    let arn = scene.change_set(vec![
        RigChange::new("Add", "Mine", "")
            .of_type("AWS::CloudFormation::CustomResource")
            .after(generic(&name, &format!("{}:live", cfn::SERVICE_TOKEN))),
        RigChange::new("Add", "Theirs", "").after(generic(&other, elsewhere)),
    ]);
    let answer = scene
        .stack
        .invoke(&json!({"Preview": {"ChangeSet": arn}}))
        .await;
    assert_eq!(
        writes(&answer.calls),
        Vec::<&String>::new(),
        "the preview wrote"
    );
    assert!(answer.puts.is_empty(), "the preview PUT a reply");
    let Outcome::Response(report) = answer.invocation.outcome else {
        panic!(
            "{:?}\n{}",
            answer.invocation.outcome,
            scene.stack.function.logs()
        );
    };
    assert_eq!(
        report["Resources"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    let mine = resource(&report, "Mine");
    assert_eq!(mine["Regions"][0]["Action"], "Create");
    assert_eq!(mine["DestinationName"], name.as_str());
    // Another provider's resource: counted, not named, nothing of its properties.
    assert!(report.get("Skipped").is_none(), "{report:#}");
    assert_eq!(
        report["Notes"],
        json!([
            "1 custom resource(s) of this change set are served by another provider and are \
                not previewed"
        ])
    );
    assert!(!report.to_string().contains("Theirs"), "{report}");
    assert!(!report.to_string().contains(&other), "{report}");

    // A change set of another account is refused before any call.
    let foreign = "arn:aws:cloudformation:us-east-1:999988887777:changeSet/c/1";
    let answer = scene
        .stack
        .invoke(&json!({"Preview": {"ChangeSet": foreign}}))
        .await;
    let Outcome::Error(error) = answer.invocation.outcome else {
        panic!("expected a refusal, got {:?}", answer.invocation.outcome);
    };
    assert_eq!(error["errorType"], "PreviewFailed", "{error}");
    assert!(
        error["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("in account 999988887777")),
        "{error}"
    );
    assert!(answer.calls.is_empty() && answer.checks.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provisioning_function_refuses_a_preview_without_any_call() {
    let stack = Stack::provisioning();
    let answer = stack
        .invoke(&json!({"Preview": {
            "ChangeSet": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1"}}))
        .await;
    let Outcome::Error(error) = answer.invocation.outcome else {
        panic!("expected a refusal, got {:?}", answer.invocation.outcome);
    };
    assert_eq!(error["errorType"], "RefusedEvent", "{error}");
    assert!(answer.calls.is_empty() && answer.checks.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn properties_not_yet_in_a_change_set_are_previewed_with_the_stack_and_logical_id() {
    let scene = Scene::start();
    let (name, fresh) = (unique_name("preview-hand"), unique_name("preview-hand-new"));
    let created = scene
        .create("Existing", with_policy_and_tag(&name, "111122223333", "a"))
        .await;
    cloudformation::show(
        &scene.stack_id,
        "Existing",
        cloudformation::Shown::new("CREATE_COMPLETE", "CREATE_COMPLETE", &name),
    );
    let dir = std::env::temp_dir().join(unique_name("preview-files"));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file = |file: &str, value: &Value| {
        let path = dir.join(file);
        std::fs::write(&path, value.to_string()).expect("written");
        path.to_string_lossy().into_owned()
    };
    let old = file("old.json", &created["ResourceProperties"]);
    let new = file("new.json", &with_policy_and_tag(&name, "111122223333", "b"));
    let brand_new = file("fresh.json", &props(&fresh));
    let stack_id = scene.stack_id.as_str();

    // An existing resource needs the properties CloudFormation would send as the old ones.
    let args = [
        "preview",
        "--stack",
        stack_id,
        "--logical-id",
        "Existing",
        "--properties",
        &new,
    ];
    let (code, _, stderr, calls) = scene.cli(&args).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("pass --old-properties FILE"), "{stderr}");
    assert!(calls.is_empty());

    let mut with_old = args.to_vec();
    with_old.extend(["--old-properties", &old, "--json"]);
    let (code, stdout, stderr, calls) = scene.cli(&with_old).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(writes(&calls), Vec::<&String>::new(), "the preview wrote");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    let existing = resource(&report, "Existing");
    assert_eq!(
        (&existing["Change"], &existing["Request"]),
        (&json!("Proposed"), &json!("Update"))
    );
    assert_eq!(existing["Regions"][0]["Action"], "Converge");
    assert_eq!(existing["Regions"][0]["Aspects"], json!(["Tags"]));

    let args = [
        "preview",
        "--stack",
        stack_id,
        "--logical-id",
        "Brand",
        "--properties",
        &brand_new,
    ];
    let (code, stdout, stderr, calls) = scene.cli(&args).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(calls.iter().all(|c| !WRITES.contains(&c.as_str())));
    assert!(
        stdout.contains(&format!(
            "Brand (Custom::LogsDestination): Proposed -> Create, destination {fresh}"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("+ create     us-east-1"), "{stdout}");

    let missing = format!(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/no-such-stack/{}",
        uuid_like()
    );
    let args = [
        "preview",
        "--stack",
        &missing,
        "--logical-id",
        "Brand",
        "--properties",
        &brand_new,
    ];
    let (code, _, stderr, _) = scene.cli(&args).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_property_the_request_would_be_refused_for_is_named_before_any_call() {
    let scene = Scene::start();
    let name = unique_name("preview-typo");
    let mut properties = fanned(&name, &["us-east-1", "eu-wst-1"]);
    properties["ServiceToken"] = json!(cfn::SERVICE_TOKEN);
    let arn = scene.change_set(vec![RigChange::new("Add", "Typo", "").after(properties)]);
    let (code, report) = scene.preview_json(&arn).await;
    assert_eq!(code, Some(1), "{report:#}");
    let typo = resource(&report, "Typo");
    assert_eq!(typo["Outcome"], "Refused");
    assert_eq!(typo["Regions"], json!([]));
    let reason = typo["Reason"].as_str().unwrap_or_default();
    assert!(reason.contains("Regions[1]"), "{reason}");
    assert!(reason.contains("did you mean eu-west-1?"), "{reason}");
    let (_, _, _, calls) = scene.cli(&["preview", "--change-set", &arn]).await;
    assert!(calls.is_empty(), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_enabled_region_is_shown_when_the_change_asks_for_them_all() {
    let scene = Scene::start();
    scene.stack.proxy.set_account_regions(&[
        ("us-east-1", RegionStatus::EnabledByDefault),
        ("eu-west-1", RegionStatus::EnabledByDefault),
        ("ap-east-1", RegionStatus::Disabled),
    ]);
    let name = unique_name("preview-every");
    let created = scene
        .create("Everywhere", fanned(&name, &["us-east-1"]))
        .await;
    let mut after = created["ResourceProperties"].clone();
    after["Regions"] = json!("*");
    let arn = scene.change_set(vec![RigChange::new("Modify", "Everywhere", &name)
        .before(created["ResourceProperties"].clone())
        .after(after)]);
    let (code, report) = scene.preview_json(&arn).await;
    assert_eq!(code, Some(0), "{report:#}");
    let every = resource(&report, "Everywhere");
    // In the order the plan has them: the expanded Regions, the function's own first.
    let actions: Vec<(&str, &str)> = every["Regions"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|r| {
                    (
                        r["Region"].as_str().unwrap_or_default(),
                        r["Action"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // The Region kept only has its bookkeeping re-tagged (the requested set is in the
    // fingerprint): no aspect of the user's changes there.
    assert_eq!(
        actions,
        [("us-east-1", "Converge"), ("eu-west-1", "Create")]
    );
    assert!(every["Regions"][0].get("Aspects").is_none(), "{every:#}");
    assert!(
        every["Regions"][0]["Note"]
            .as_str()
            .is_some_and(|n| n.starts_with("only this provider's own tags change")),
        "{every:#}"
    );
    let notes = every["Notes"].to_string();
    assert!(
        notes.contains("Regions \\\"*\\\": 2 of the 2 Regions ListRegions reports enabled"),
        "{notes}"
    );
    assert_eq!(scene.stack.proxy.account_calls(), [LIST_REGIONS]);
}
