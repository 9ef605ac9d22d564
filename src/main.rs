//! Wiring only: logging, the SDK client, the runtime loop.
#![recursion_limit = "256"]

use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use cfn_logs_destination::destinations::Destinations;
use cfn_logs_destination::handler::App;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();

    // One rustls (ring) stack for the SDK and the reply. Standard configuration applies:
    // AWS_REGION, AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS, credentials from the environment.
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    // A hung endpoint must not hold the function: every attempt and call is bounded, and the
    // watchdog bounds the whole request.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .timeout_config(timeouts)
        .load()
        .await;
    let app = App::new(Destinations::new(aws_sdk_cloudwatchlogs::Client::new(
        &config,
    )));

    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        app.handle(event).await
    }))
    .await
}
