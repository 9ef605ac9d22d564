//! Integration-test rig: everything the function talks to, run locally.
//!
//! - [`moto_endpoint`]: one moto server per test binary (the AWS stand-in);
//!   [`logs_client`] to assert on its state.
//! - [`RuntimeApi`]: a Lambda Runtime API that hands the function its events.
//! - [`ResponseReceiver`]: stands in for CloudFormation's pre-signed S3 URL.
//! - [`FaultProxy`] / [`BlackHole`]: failures moto never produces; in
//!   [`AwsMode::Strict`] (the rig's default, `CFN_TEST_AWS=moto` for plain moto) the
//!   proxy also answers as AWS does where moto is looser. Point the function at
//!   [`FaultProxy::to_moto`], never at moto itself. [`round_trips`] counts, from the
//!   proxy's record, the round trips a request waited for.
//! - [`Function`]: the compiled binary, started as Lambda would start it.
//! - [`cfn`]: CloudFormation request bodies; [`cloudformation`]: CloudFormation's view of
//!   the stacks, which the function checks each request with (the proxy answers its calls);
//!   [`sts`]: AssumeRole of a trusted account's verifier role, whose credentials that
//!   account's CloudFormation answers; [`account`]: ListRegions, the Regions the rig's account
//!   has enabled (set per test with [`FaultProxy::set_region_status`]).
//!
//! Every server binds 127.0.0.1 on a free port and runs on its own thread with
//! its own tokio runtime, so it keeps serving even while a test blocks, works
//! under any `#[tokio::test]` flavour, and stops when its handle is dropped.
//! Every test-facing wait is bounded.
//!
//! Each test binary uses only part of the rig, hence the `allow`s.
#![allow(dead_code, unused_imports)]

pub mod account;
pub mod cfn;
pub mod cloudformation;
mod function;
mod http;
mod moto;
mod proxy;
mod receiver;
mod rounds;
mod runtime_api;
mod strict;
pub mod sts;
mod throttle;
mod upstream;

pub use account::{account_client, RegionStatus, LIST_REGIONS};
pub use cfn::{
    cfn_request, create_request, delete_request, eventbridge_event, provider_request, sns_event,
    update_request,
};
pub use function::{Function, FunctionBuilder, TEST_ROLE_PATTERNS, TEST_TARGET_PATTERNS};
pub use moto::{
    destination_exists, destinations_named, logs_client, logs_client_in, logs_client_with_retries,
    moto_endpoint,
};
pub use proxy::{BlackHole, CallRecord, CallSpan, FaultProxy, Times};
pub use receiver::{Answered, Behaviour, RecordedPut, ResponseReceiver, SECRET_SIGNATURE};
pub use rounds::{round_trips, round_trips_by_region};
pub use runtime_api::{
    deadline_header, Invocation, Outcome, RuntimeApi, RuntimePost, RuntimePostKind,
    DEFAULT_FUNCTION_ARN,
};
pub use strict::{
    parse_region_list, AwsMode, ARN_PRINCIPAL, DISABLED_REGIONS_VAR, MODE_VAR,
    TEST_MESSAGE_FAILURE, TOO_MANY_TAGS, UNKNOWN_TOKEN,
};
pub use throttle::RATE_EXCEEDED;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A name no other test (in this or a concurrent run against the same moto)
/// has used: `<prefix>-<pid>-<counter>-<nanos>`. Tests share one moto server,
/// so unique destination names are how they stay out of each other's way.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", unique_suffix())
}

/// Hex-ish token unique within this process and very likely across processes.
pub(crate) fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{n}-{nanos:08x}", std::process::id())
}

/// A random-looking UUID (v4 layout), for request ids and stack ids. Not
/// cryptographic: uniqueness comes from [`unique_suffix`]'s inputs, hashed.
pub fn uuid_like() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut words = [0u64; 2];
    for w in &mut words {
        // RandomState is seeded randomly per instance: cheap entropy, no deps.
        let mut h = RandomState::new().build_hasher();
        h.write(unique_suffix().as_bytes());
        *w = h.finish();
    }
    let hex = format!("{:016x}{:016x}", words[0], words[1]);
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}
