//! What CloudWatch Logs checks beyond the service model: the principals of an access policy,
//! and the test message PutDestination sends to its target.

use hyper::{HeaderMap, Response};
use serde_json::{json, Value};

use super::super::http::Body;
use super::super::upstream::{aws_error, Upstream};
use super::TEST_MESSAGE_FAILURE;

/// PutDestinationPolicy's answer to an ARN principal (public report: aws-cdk issue 14578).
pub const ARN_PRINCIPAL: &str = "Principal section of policy contains ARN instead of account ID";

/// InvalidParameterException when any statement names an `AWS` principal by ARN.
pub(super) fn arn_principals(policy: &str) -> Option<Response<Body>> {
    let document: Value = serde_json::from_str(policy).ok()?;
    let statements = match &document["Statement"] {
        Value::Array(all) => all.clone(),
        one => vec![one.clone()],
    };
    let names_an_arn = statements.iter().any(|statement| {
        let principals = match &statement["Principal"]["AWS"] {
            Value::Array(all) => all.clone(),
            one => vec![one.clone()],
        };
        principals
            .iter()
            .filter_map(Value::as_str)
            .any(|p| p.starts_with("arn:"))
    });
    names_an_arn.then(|| aws_error(400, "InvalidParameterException", ARN_PRINCIPAL))
}

/// AWS delivers a test message to the target on every PutDestination; a Kinesis stream that
/// does not exist fails it (public report: landing-zone-accelerator issue 792). moto keeps the
/// streams (per account and Region, as the ARN names them); other targets are taken as they
/// are.
pub(super) async fn test_message(upstream: &Upstream, target_arn: &str) -> Option<Response<Body>> {
    let fields: Vec<&str> = target_arn.splitn(6, ':').collect();
    let ["arn", _, "kinesis", region, account, resource] = fields.as_slice() else {
        return None;
    };
    resource.strip_prefix("stream/")?;
    // moto serves the account a 12-digit access key names, and picks the Region from the
    // credential scope.
    let mut signed = HeaderMap::new();
    let scope = format!(
        "AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/kinesis/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    signed.insert("authorization", scope.parse().ok()?);
    let found = upstream
        .call_as(
            &signed,
            "Kinesis_20131202.DescribeStreamSummary",
            &json!({"StreamARN": target_arn}),
        )
        .await;
    found
        .is_err()
        .then(|| aws_error(400, "InvalidParameterException", TEST_MESSAGE_FAILURE))
}
