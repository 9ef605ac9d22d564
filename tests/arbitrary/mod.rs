//! Strategies for the property tests: arbitrary and hostile JSON, and resource properties that
//! are valid, nearly valid or nonsense.
//!
//! CI runs [`config`]'s fixed number of cases; `PROPTEST_CASES=N` runs a longer campaign.
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Map, Number, Value};

/// Cases per property in CI; small so that the whole suite stays fast on two cores.
const CI_CASES: u32 = 64;

/// `PROPTEST_CASES` when set (a long campaign), otherwise [`CI_CASES`]. Failures are kept in
/// `NAME.proptest-regressions` beside the test's source file (for a test in a directory,
/// `main.proptest-regressions`) and replayed first on every run.
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CI_CASES);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// Text a user, a template or an attacker might send: plain words, any Unicode (control
/// characters, quotes, backslashes, astral planes), the values our rules care about, and
/// strings far beyond every limit.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 _.:/=+@*-]{0,40}",
        3 => ".{0,40}",
        2 => prop::sample::select(vec![
            "", " ", "true", "false", "True", "1", "0", "-1", "3601", "null", "{}", "[]",
            "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "[1,2]", "not json {",
            "arn:aws:iam::123456789012:role/r", "arn:aws:kinesis:us-east-1:123456789012:stream/s",
            "arn:aws:iam::123456789012:user/u", "arn:::::", "aws:cloudformation:stack-name",
            "cfn-logs-destination:owner", "a:b", "*", "\u{0}", "\u{7f}", "\u{2028}", "é", "\u{1F600}",
            "\"\\", "Create", "Update", "Delete",
        ])
        .prop_map(str::to_owned),
        1 => (".{1,3}", 1000usize..6000).prop_map(|(unit, n)| unit.repeat(n / unit.len().max(1))),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0i64..4000).prop_map(Value::from),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ]
}

/// Keys of arbitrary objects: never the names the classifier looks for, so that a random
/// object stays random (the payload strategies add those names on purpose).
fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-zA-Z0-9_-]{0,12}", ".{0,8}"]
}

/// Any JSON: scalars, and arrays and objects nested a few levels deep.
pub fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A property that is either well formed or replaced: kept, removed, or any JSON.
fn slot(valid: BoxedStrategy<Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        4 => valid.prop_map(Some),
        1 => Just(None),
        2 => json().prop_map(Some),
    ]
}

fn valid_name() -> BoxedStrategy<Value> {
    prop_oneof![
        "[a-zA-Z0-9._-]{1,30}".prop_map(Value::String),
        Just(json!("")),
    ]
    .boxed()
}

fn valid_tags() -> BoxedStrategy<Value> {
    prop::collection::btree_map("[a-zA-Z0-9 _.:/=+@-]{1,20}", "[a-zA-Z0-9 _.-]{0,20}", 0..4)
        .prop_map(|tags| {
            Value::Array(
                tags.into_iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect(),
            )
        })
        .boxed()
}

fn valid_policy() -> BoxedStrategy<Value> {
    let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "111122223333"}, "Action": "logs:PutSubscriptionFilter",
        "Resource": "*"}]});
    prop_oneof![
        Just(document.clone()),
        Just(Value::String(document.to_string()))
    ]
    .boxed()
}

/// `ResourceProperties` as a template (or an attacker) might send them: each known property
/// well formed, missing or any JSON, plus unknown properties now and then; sometimes not an
/// object at all.
///
/// Boxed: the value trees of these tuples are large, and unboxed, a few of them nested in one
/// payload overflow a test thread's stack in a debug build.
pub fn resource_properties() -> BoxedStrategy<Value> {
    let fields = (
        slot(valid_name()),
        slot(Just(json!("arn:aws:kinesis:us-east-1:123456789012:stream/s")).boxed()),
        slot(Just(json!("arn:aws:iam::123456789012:role/r")).boxed()),
        slot(valid_policy()),
        slot(prop_oneof![Just(json!("true")), Just(json!(false))].boxed()),
        slot(valid_tags()),
        slot(prop_oneof![Just(json!("true")), Just(json!("false"))].boxed()),
        slot(Just(json!("300")).boxed()),
        prop::collection::btree_map(key(), json(), 0..2),
    );
    let object = fields.prop_map(
        |(name, target, role, policy, force, tags, adopt, timeout, unknown)| {
            let mut map = Map::new();
            let known = [
                ("DestinationName", name),
                ("TargetArn", target),
                ("RoleArn", role),
                ("DestinationPolicy", policy),
                ("ForceUpdate", force),
                ("Tags", tags),
                ("AdoptExisting", adopt),
                ("ServiceTimeout", timeout),
            ];
            for (key, value) in known {
                if let Some(value) = value {
                    map.insert(key.to_owned(), value);
                }
            }
            map.insert(
                "ServiceToken".into(),
                json!("arn:aws:lambda:us-east-1:123456789012:function:f"),
            );
            map.extend(unknown);
            Value::Object(map)
        },
    );
    prop_oneof![9 => object, 1 => json()].boxed()
}
