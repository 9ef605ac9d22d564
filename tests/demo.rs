//! The demo: the sample events in `events/` played through the compiled binary against the
//! local emulator, printing each CloudFormation reply. `scripts/demo.sh` runs it with output.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::*;

fn sample(name: &str, response_url: &str) -> Value {
    let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample event")).expect("json");
    event["ResponseURL"] = Value::String(response_url.to_owned());
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_create_update_delete_from_the_sample_events() {
    let moto = moto_endpoint();
    let runtime = RuntimeApi::start();
    let receiver = ResponseReceiver::start(Behaviour::Accept);
    // The function's calls go through the rig's AWS mode (strict unless CFN_TEST_AWS=moto).
    let aws = FaultProxy::to_moto();
    let _function = Function::builder(&runtime.address(), &aws.endpoint()).spawn();
    let logs = logs_client(&moto);

    for (step, file) in ["create.json", "update.json", "delete.json"]
        .iter()
        .enumerate()
    {
        let event = sample(file, &receiver.url());
        runtime.invoke(event.clone(), Duration::from_secs(30)).await;
        let reply = receiver
            .wait_for_puts(step + 1, Duration::from_secs(30))
            .await[step]
            .json();
        println!(
            "\n== events/{file} ({} {}) -> CloudFormation reply:\n{}",
            event["RequestType"].as_str().unwrap_or_default(),
            event["ResourceProperties"]["DestinationName"]
                .as_str()
                .unwrap_or_default(),
            serde_json::to_string_pretty(&reply).expect("json")
        );
        assert_eq!(reply["Status"], "SUCCESS", "{reply}");
        let found = destinations_named(&logs, "central-logs").await;
        let present = found.len();
        println!("   destinations named central-logs in the emulator: {present}");
        assert_eq!(present, usize::from(*file != "delete.json"));
    }
}
