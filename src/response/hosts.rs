//! Where a reply may go. The ResponseURL is whatever the request's sender wrote, and anyone who
//! may invoke the function can send one: a reply to any URL would let them make the function's
//! network position PUT to internal addresses (instance metadata, VPC endpoints). So a reply
//! goes only over HTTPS to CloudFormation's response buckets in this function's partition, or
//! to a host the deployer listed for local runs (`RESPONSE_URL_HOSTS`).

use crate::properties::partition_of;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;

/// The function setting: comma-separated `host` or `host:port` entries whose URLs are
/// accepted too, `http` included (the demo, the test rig, cargo-lambda, SAM local).
pub const RESPONSE_URL_HOSTS: &str = "RESPONSE_URL_HOSTS";

/// CloudFormation's response bucket in a Region is this prefix and the Region without dashes
/// (`cloudformation-custom-resource-response-useast1`).
const BUCKET_PREFIX: &str = "cloudformation-custom-resource-response-";

/// The hosts a reply may go to, built once per process.
#[derive(Clone, Debug)]
pub struct ResponseHosts {
    /// The DNS suffix of this function's partition.
    suffix: &'static str,
    /// `RESPONSE_URL_HOSTS`, lower case.
    listed: Vec<String>,
}

impl Default for ResponseHosts {
    /// The `aws` partition's buckets, nothing listed.
    fn default() -> Self {
        ResponseHosts::new("", "")
    }
}

impl ResponseHosts {
    /// For a function in `region` (empty: unknown, taken as the `aws` partition), with `listed`
    /// as `RESPONSE_URL_HOSTS` holds it.
    pub fn new(region: &str, listed: &str) -> ResponseHosts {
        ResponseHosts {
            suffix: dns_suffix(partition_of(region)),
            listed: listed
                .split(',')
                .map(|entry| entry.trim().to_ascii_lowercase())
                .filter(|entry| !entry.is_empty())
                .collect(),
        }
    }

    /// The function's Region (`AWS_REGION`, else `AWS_DEFAULT_REGION`) and `RESPONSE_URL_HOSTS`.
    pub fn from_env() -> ResponseHosts {
        let setting = |key| std::env::var(key).unwrap_or_default();
        let region = match setting("AWS_REGION") {
            region if !region.trim().is_empty() => region,
            _ => setting("AWS_DEFAULT_REGION"),
        };
        ResponseHosts::new(region.trim(), &setting(RESPONSE_URL_HOSTS))
    }

    /// Whether a reply may be PUT to `url`; `Err` says why not (without the query string).
    pub fn admits(&self, url: &str) -> Result<(), String> {
        let refused = |why: &str| {
            Err(format!(
                "the ResponseURL {} is not CloudFormation's ({why}): replies go only over https \
                 to a CloudFormation response bucket ({BUCKET_PREFIX}REGION.s3...{}) or to a \
                 host listed in {RESPONSE_URL_HOSTS}",
                super::redacted(url),
                self.suffix
            ))
        };
        // Parsed as the connector parses it, so that the host checked is the host called.
        let mut request = HttpRequest::new(SdkBody::empty());
        let parsed = request
            .set_uri(url)
            .ok()
            .and_then(|()| request.try_into_http1x().ok());
        let Some(parsed) = parsed else {
            return refused("not a valid URL");
        };
        let uri = parsed.uri();
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        let Some(host) = uri.host().map(str::to_ascii_lowercase) else {
            return refused("no host");
        };
        if uri
            .authority()
            .is_some_and(|authority| authority.as_str().contains('@'))
        {
            return refused("user information before the host");
        }
        let port = uri.port_u16().or(match scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        });
        if !matches!(scheme.as_str(), "https" | "http") {
            return refused("neither https nor http");
        }
        let listed = self.listed.iter().any(|entry| {
            entry == &host || port.is_some_and(|port| *entry == format!("{host}:{port}"))
        });
        if listed {
            return Ok(());
        }
        if scheme != "https" || port != Some(443) {
            return refused("not https on its standard port");
        }
        if self.is_response_bucket(&host, uri.path()) {
            Ok(())
        } else {
            refused("another host")
        }
    }

    /// The host forms CloudFormation's response URLs take (virtual-hosted and path-style, with
    /// or without the Region, `s3.` or `s3-`), for the bucket of a Region in this partition.
    fn is_response_bucket(&self, host: &str, path: &str) -> bool {
        let Some(rest) = host
            .strip_suffix(self.suffix)
            .and_then(|r| r.strip_suffix('.'))
        else {
            return false;
        };
        // `s3`, `s3.REGION` or `s3-REGION`: the Region the endpoint names, if any.
        let endpoint_region = |endpoint: &str| -> Option<Option<String>> {
            if endpoint == "s3" {
                return Some(None);
            }
            let region = endpoint
                .strip_prefix("s3.")
                .or_else(|| endpoint.strip_prefix("s3-"))?;
            let well_formed = !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            well_formed.then(|| Some(region.to_owned()))
        };
        let (bucket, endpoint) = match rest.strip_prefix(BUCKET_PREFIX) {
            // Virtual-hosted: BUCKET.s3[.-REGION].SUFFIX
            Some(_) => match rest.split_once('.') {
                Some((bucket, endpoint)) => (bucket, endpoint),
                None => return false,
            },
            // Path-style: s3[.-REGION].SUFFIX/BUCKET/...
            None => match path.trim_start_matches('/').split('/').next() {
                Some(bucket) => (bucket, rest),
                None => return false,
            },
        };
        let Some(region) = endpoint_region(endpoint) else {
            return false;
        };
        let Some(compact) = bucket.strip_prefix(BUCKET_PREFIX) else {
            return false;
        };
        let compact_ok = !compact.is_empty()
            && compact
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        match region {
            None => compact_ok,
            Some(region) => {
                compact_ok
                    && compact == region.replace('-', "")
                    && dns_suffix(partition_of(&region)) == self.suffix
            }
        }
    }
}

/// Each partition's DNS suffix, as the SDK's endpoint model (its `partitions.json`, the
/// `dnsSuffix` of each partition's `outputs`) gives it.
fn dns_suffix(partition: &str) -> &'static str {
    // An unknown partition is `aws`'s, as `partition_of` places an unknown area code there.
    crate::partitions::dns_suffix(partition).unwrap_or("amazonaws.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc";

    fn admits(hosts: &ResponseHosts, url: &str) -> bool {
        hosts.admits(&format!("{url}{QUERY}")).is_ok()
    }

    #[test]
    fn cloudformation_response_buckets_are_admitted_in_each_host_form() {
        let hosts = ResponseHosts::new("us-east-1", "");
        for url in [
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn/x",
            "https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/a",
            "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/a",
            "https://s3.eu-west-1.amazonaws.com/cloudformation-custom-resource-response-euwest1/a",
            "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/a",
            "https://CloudFormation-Custom-Resource-Response-USEast1.S3.AmazonAWS.com:443/a",
            "https://cloudformation-custom-resource-response-usgovwest1.s3.us-gov-west-1.amazonaws.com/a",
        ] {
            assert!(admits(&hosts, url), "{url}");
        }
        let china = ResponseHosts::new("cn-north-1", "");
        assert!(admits(
            &china,
            "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/a"
        ));
        assert!(!admits(
            &china,
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a"
        ));
        let sovereign = ResponseHosts::new("eusc-de-east-1", "");
        assert!(admits(
            &sovereign,
            "https://cloudformation-custom-resource-response-euscdeeast1.s3.eusc-de-east-1.amazonaws.eu/a"
        ));
    }

    #[test]
    fn internal_and_other_hosts_are_refused() {
        let hosts = ResponseHosts::new("us-east-1", "");
        for url in [
            "http://127.0.0.1:8080/internal/admin/api?anything=1",
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "https://example.com/reply",
            // Plain http to the real bucket: the reply would travel unencrypted.
            "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/a",
            // Another bucket, or CloudFormation's name as a subdomain of someone else's host.
            "https://attacker.s3.amazonaws.com/a",
            "https://s3.amazonaws.com/attacker/a",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.net/a",
            "https://cloudformation-custom-resource-response-useast1.evil.net/a",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com@evil.net/a",
            "https://evil.net@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a",
            // The bucket and the endpoint's Region must agree.
            "https://cloudformation-custom-resource-response-useast1.s3.eu-west-1.amazonaws.com/a",
            "https://cloudformation-custom-resource-response-.s3.amazonaws.com/a",
            // Another partition's bucket.
            "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/a",
            "ftp://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a",
            "not a url",
            "",
        ] {
            assert!(!admits(&hosts, url), "{url}");
        }
    }

    #[test]
    fn listed_hosts_are_admitted_with_http_and_a_port_narrows_them() {
        let hosts = ResponseHosts::new("us-east-1", " localhost , 127.0.0.1:9000,");
        assert!(admits(&hosts, "http://localhost:3001/reply"));
        assert!(admits(&hosts, "http://LOCALHOST/reply"));
        assert!(admits(&hosts, "http://127.0.0.1:9000/reply"));
        assert!(!admits(&hosts, "http://127.0.0.1:9001/reply"));
        assert!(!admits(&hosts, "http://127.0.0.2:9000/reply"));
        assert!(!admits(&hosts, "http://localhost.evil.net/reply"));
        // The buckets are still admitted beside the listed hosts.
        assert!(admits(
            &hosts,
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a"
        ));
    }

    #[test]
    fn the_reason_names_the_host_but_never_the_signature() {
        let hosts = ResponseHosts::new("us-east-1", "");
        let reason = hosts
            .admits("http://10.0.0.1/internal?X-Amz-Signature=secret")
            .unwrap_err();
        assert!(reason.contains("http://10.0.0.1/internal"), "{reason}");
        assert!(reason.contains(RESPONSE_URL_HOSTS), "{reason}");
        assert!(!reason.contains("secret"), "{reason}");
    }
}
