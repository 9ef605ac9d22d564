//! When a request was issued, as far as the request itself can tell: a destination created
//! before that moment cannot be this request's own creation. A redelivered invocation carries
//! the very same ResponseURL, so its signing time is the first delivery's.

/// How far the clocks of the services involved may disagree.
pub const SKEW_MS: i64 = 5_000;
/// The life of a ResponseURL signed the older way (SigV2: `Expires` only): two hours, as the
/// SigV4 ones say in `X-Amz-Expires`.
const SIGV2_LIFETIME_MS: i64 = 7_200_000;

/// The signing time of a CloudFormation ResponseURL, in ms since the Unix epoch: SigV4's
/// `X-Amz-Date`, or SigV2's `Expires` less the URL's lifetime. `None` for any other URL.
pub fn from_response_url(url: &str) -> Option<i64> {
    let (_, query) = url.split_once('?')?;
    let value = |key: &str| {
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.eq_ignore_ascii_case(key).then_some(v)
        })
    };
    if let Some(date) = value("X-Amz-Date") {
        // 20200513T001318Z
        let digits = |from: usize, to: usize| date.get(from..to)?.parse::<i64>().ok();
        if date.len() != 16 || date.as_bytes()[8] != b'T' || !date.ends_with('Z') {
            return None;
        }
        return epoch_ms(
            digits(0, 4)?,
            digits(4, 6)?,
            digits(6, 8)?,
            digits(9, 11)?,
            digits(11, 13)?,
            digits(13, 15)?,
        );
    }
    let expires: i64 = value("Expires")?.parse().ok()?;
    Some(expires.checked_mul(1000)? - SIGV2_LIFETIME_MS)
}

/// An EventBridge event's `time` (`2026-12-02T19:00:00Z`), in ms since the Unix epoch.
pub fn from_event_time(time: &str) -> Option<i64> {
    let digits = |from: usize, to: usize| time.get(from..to)?.parse::<i64>().ok();
    let shape = time.len() == 20
        && time.as_bytes()[4] == b'-'
        && time.as_bytes()[10] == b'T'
        && time.ends_with('Z');
    if !shape {
        return None;
    }
    epoch_ms(
        digits(0, 4)?,
        digits(5, 7)?,
        digits(8, 10)?,
        digits(11, 13)?,
        digits(14, 16)?,
        digits(17, 19)?,
    )
}

/// A UTC time of the proleptic Gregorian calendar in ms since the epoch (days from civil,
/// after Howard Hinnant's algorithm).
fn epoch_ms(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&min)
        && (0..61).contains(&sec);
    if !valid {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + min) * 60_000 + sec * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sigv4_url_was_issued_at_its_signing_time() {
        let url = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?\
                   X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20200513T001318Z&\
                   X-Amz-SignedHeaders=host&X-Amz-Expires=7200&X-Amz-Signature=abc";
        assert_eq!(from_response_url(url), Some(1_589_328_798_000));
    }

    #[test]
    fn a_sigv2_url_was_issued_two_hours_before_it_expires() {
        let url = "https://s3.amazonaws.com/x?AWSAccessKeyId=A&Expires=1589335998&Signature=s";
        assert_eq!(from_response_url(url), Some(1_589_328_798_000));
    }

    #[test]
    fn other_urls_and_malformed_times_say_nothing() {
        for url in [
            "http://127.0.0.1:9/reply",
            "https://x/y?X-Amz-Date=2020-05-13",
            "https://x/y?X-Amz-Date=20201313T001318Z",
            "https://x/y?Expires=soon",
        ] {
            assert_eq!(from_response_url(url), None, "{url}");
        }
    }

    #[test]
    fn an_event_time_is_read_as_utc() {
        assert_eq!(
            from_event_time("2020-05-13T00:13:18Z"),
            Some(1_589_328_798_000)
        );
        assert_eq!(
            from_event_time("2024-02-29T23:59:59Z"),
            Some(1_709_251_199_000)
        );
        assert_eq!(from_event_time("yesterday"), None);
    }
}
