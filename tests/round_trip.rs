//! A create, update and delete round trip through the compiled binary, as Lambda runs it.

mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::*;

const TARGET: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/central-logs";
const ROLE: &str = "arn:aws:iam::123456789012:role/central-logs-destination-role";
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn create_update_delete_through_the_runtime_api() {
    let moto = moto_endpoint();
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    // The function's calls go through the rig's AWS mode (strict unless CFN_TEST_AWS=moto).
    let aws = FaultProxy::to_moto();
    let function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();
    let logs = logs_client(&moto);
    let name = unique_name("round-trip");

    let create = create_request(
        &receiver.url(),
        "Destination",
        json!({"DestinationName": name, "TargetArn": TARGET, "RoleArn": ROLE,
               "Tags": [{"Key": "team", "Value": "platform"}]}),
    );
    let invocation = runtime.invoke(create.clone(), DEADLINE).await;
    assert!(
        matches!(invocation.outcome, Outcome::Response(_)),
        "{:?}\n{}",
        invocation.outcome,
        function.logs()
    );
    let puts = receiver.wait_for_puts(1, DEADLINE).await;
    let reply = puts[0].json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    assert_eq!(reply["Data"]["DestinationName"], name.as_str());
    assert_eq!(reply["Data"]["TargetArn"], TARGET);
    let arn = reply["Data"]["Arn"].as_str().expect("Arn").to_owned();
    assert!(arn.ends_with(&format!(":destination:{name}")), "{arn}");
    assert_eq!(puts[0].header("content-type").as_deref(), Some(""));
    assert_eq!(
        puts[0].header("content-length"),
        Some(puts[0].body.len().to_string())
    );

    let tags = logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("tags");
    let tags = tags.tags().cloned().unwrap_or_default();
    assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
    assert!(tags.contains_key("cfn-logs-destination:owner"), "{tags:?}");

    let update = update_request(
        &create,
        &receiver.url(),
        &name,
        json!({"DestinationName": name, "TargetArn": TARGET, "RoleArn": ROLE,
               "DestinationPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"AWS": "111122223333"}, "Action": "logs:PutSubscriptionFilter",
                 "Resource": arn}]},
               "Tags": [{"Key": "team", "Value": "security"}]}),
    );
    runtime.invoke(update.clone(), DEADLINE).await;
    let reply = receiver.wait_for_puts(2, DEADLINE).await[1].json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    assert_eq!(reply["PhysicalResourceId"], name.as_str());
    let found = destinations_named(&logs, &name).await;
    let policy: Value =
        serde_json::from_str(found[0].access_policy().expect("policy")).expect("json");
    assert_eq!(policy["Statement"][0]["Principal"]["AWS"], "111122223333");

    let delete = delete_request(&update, &receiver.url(), &name);
    runtime.invoke(delete, DEADLINE).await;
    let reply = receiver.wait_for_puts(3, DEADLINE).await[2].json();
    assert_eq!(reply["Status"], "SUCCESS", "{reply}");
    let found = destinations_named(&logs, &name).await;
    assert!(found.is_empty(), "destination still exists");
    assert!(
        !function.logs().contains(SECRET_SIGNATURE),
        "the query string was logged"
    );
    println!("{}", function.logs());
}
