//! An STS stand-in: `AssumeRole` (the Query protocol, as the SDK speaks it) for the verifier
//! role (`cfn-logs-destination-verifier`) of any account, as the function assumes it to ask a
//! trusted account's CloudFormation; any other role is refused as STS refuses a role that does
//! not trust the caller. The credentials it hands out belong to that account: the
//! CloudFormation stand-in answers about an account's stacks only to its credentials
//! ([`account_of`]), as CloudFormation does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::{Response, StatusCode};

use super::http::{response, Body};

/// The role the function assumes in a trusted account unless `VERIFIER_ROLE_NAME` says otherwise.
pub const VERIFIER_ROLE: &str = "cfn-logs-destination-verifier";
/// The account of the rig's own credentials (moto's default account).
pub const RIG_ACCOUNT: &str = "123456789012";
/// How long assumed credentials last (AssumeRole's default).
const SESSION: Duration = Duration::from_secs(3600);

/// Access key id → the account whose role it was issued for.
fn issued() -> &'static Mutex<HashMap<String, String>> {
    static ISSUED: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    ISSUED.get_or_init(Mutex::default)
}

/// The account a call signed with `access_key` acts in.
pub fn account_of(access_key: &str) -> String {
    issued()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(access_key)
        .cloned()
        .unwrap_or_else(|| RIG_ACCOUNT.to_owned())
}

/// Whether a call is one of STS's.
pub fn is_sts(op: &str) -> bool {
    op == "AssumeRole"
}

/// STS's answer to `body`.
pub fn answer(body: &[u8]) -> Response<Body> {
    let field = |name: &str| {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let role_arn = field("RoleArn");
    let session = field("RoleSessionName");
    // arn:PARTITION:iam::ACCOUNT:role/NAME
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    let (account, name) = match parts.as_slice() {
        ["arn", _, "iam", "", account, resource] => {
            (*account, resource.strip_prefix("role/").unwrap_or_default())
        }
        _ => ("", ""),
    };
    if field("Action") != "AssumeRole" || account.len() != 12 || name != VERIFIER_ROLE {
        return error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            &format!(
                "User: arn:aws:sts::{RIG_ACCOUNT}:assumed-role/cfn-logs-destination/function is \
                 not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            ),
        );
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let key = format!("ASIA{account}{n:04}");
    issued()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.clone(), account.to_owned());
    let expires = SystemTime::now() + SESSION;
    let body = format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
         <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret-{key}\
         </SecretAccessKey><SessionToken>token-{key}</SessionToken><Expiration>{}</Expiration>\
         </Credentials><AssumedRoleUser><AssumedRoleId>AROA{account}:{session}</AssumedRoleId>\
         <Arn>arn:aws:sts::{account}:assumed-role/{name}/{session}</Arn></AssumedRoleUser>\
         </AssumeRoleResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>\
         </AssumeRoleResponse>",
        iso8601(expires),
        super::uuid_like()
    );
    response(StatusCode::OK, "text/xml", body)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
         <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>{}</RequestId></ErrorResponse>",
        super::uuid_like()
    );
    response(status, "text/xml", body)
}

/// `2026-12-07T23:10:00Z`.
fn iso8601(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
