//! Wiring only: logging, the SDK clients, the runtime loop.
#![recursion_limit = "256"]

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use cfn_logs_destination::cli::{self, Cli, Command, RUNTIME_API};
use cfn_logs_destination::destinations::Destinations;
use cfn_logs_destination::enabled_regions::EnabledRegions;
use cfn_logs_destination::handler::App;
use cfn_logs_destination::invoked::{env_region, env_value, InvokedArn};
use cfn_logs_destination::lifecycle::Origin;
use cfn_logs_destination::metrics::AwsCallCounter;
use cfn_logs_destination::mode::Mode;
use cfn_logs_destination::partitions::{extra_regions_setting, EXTRA_REGIONS};
use cfn_logs_destination::response::{ReplySender, CONNECT_TIMEOUT};
use cfn_logs_destination::stacks::Stacks;
use cfn_logs_destination::verifier::Verifier;
use clap::Parser;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // `--help`, `--version` and mistakes end here (exit 0, 0 and 2). On Lambda there are no
    // arguments: parsing none costs nothing measurable.
    let command = Cli::try_parse().unwrap_or_else(|e| e.exit()).command;
    match command {
        Some(Command::Audit(args)) => {
            // The audit reports its own problems: SDK logs only when asked for (RUST_LOG).
            if std::env::var("RUST_LOG").is_ok() {
                lambda_runtime::tracing::init_default_subscriber();
            }
            std::process::exit(cli::audit(args).await);
        }
        Some(Command::Preview(args)) => {
            if std::env::var("RUST_LOG").is_ok() {
                lambda_runtime::tracing::init_default_subscriber();
            }
            std::process::exit(cli::preview(args).await);
        }
        None if env_value(RUNTIME_API).is_none() => {
            eprintln!("{}", cli::usage_outside_lambda());
            std::process::exit(2);
        }
        None => {}
    }
    // The runtime logs every raw event at TRACE, ResponseURL included: its query string is a
    // credential for the stack's result, so at TRACE the runtime's own logs stop at DEBUG.
    let asks_for_trace = ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .any(|key| std::env::var(key).is_ok_and(|v| v.to_ascii_lowercase().contains("trace")));
    if asks_for_trace {
        let directives = std::env::var("RUST_LOG").unwrap_or_default();
        std::env::set_var("RUST_LOG", format!("{directives},lambda_runtime=debug"));
    }
    lambda_runtime::tracing::init_default_subscriber();
    // A wrong setting fails the function's start (an init error Lambda reports on every
    // invocation) rather than serving the wrong requests.
    let mode = Mode::from_env()?;
    extra_regions_setting(&std::env::var(EXTRA_REGIONS).unwrap_or_default())?;

    // One rustls (ring) connector for the SDK and the reply, so the trust store is loaded and
    // parsed once. That is the costly part of start-up: it runs on its own thread while the
    // runtime fetches the first event, and the first call that needs it waits for it.
    let replies = Arc::new(ReplySender::new());
    replies.warm_up_in_background();

    // A hung endpoint must not hold the function: every attempt and call is bounded, and the
    // watchdog bounds the whole request.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    // Standard configuration applies (AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS, ...). Lambda puts the
    // region and credentials in the environment: taken from there, the default chains (which
    // build an STS client for web identity and an IMDS client, each loading the trust store
    // again) are not needed. Elsewhere the default chains still apply.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(replies.http_client())
        .timeout_config(timeouts);
    if let Some(region) = env_region() {
        loader = loader.region(Region::new(region));
    }
    if env_value("AWS_ACCESS_KEY_ID").is_some() && env_value("AWS_SECRET_ACCESS_KEY").is_some() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    }
    let config = loader.load().await;

    // Every AWS call is counted for the request's metrics (no work until a call is made).
    let client = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(&config)
            .interceptor(AwsCallCounter)
            .build(),
    );
    let stacks = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::from(&config)
            .interceptor(AwsCallCounter)
            .build(),
    );
    // Trusted accounts' stacks are asked about through a role there: nothing is assumed
    // until such a stack's request arrives.
    let origin = Origin::from_env(Stacks::new(stacks))?.with_verifier(Verifier::from_env(&config)?);
    // The Account API's client is built by the first request with `Regions: "*"`.
    let clients = (Destinations::new(client), EnabledRegions::new(&config));
    let app = App::new(clients, origin, replies)
        .with_mode(mode)
        .with_invoked(InvokedArn::new(config));

    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        app.handle(event).await
    }))
    .await
}
