//! Unit tests of [`super`]: the table against the SDK's endpoint model, and the Region check.

use super::*;
use aws_sdk_cloudwatchlogs::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use serde_json::Value;

/// The partitions JSON the SDK crate in use embeds (`src/endpoint_lib.rs`), found through
/// `cargo metadata`.
fn sdk_partitions() -> Value {
    // Only the host's dependencies: those are the ones a build has already downloaded.
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let manifest = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "aws-sdk-cloudwatchlogs")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("aws-sdk-cloudwatchlogs is a dependency");
    let source = std::path::Path::new(manifest)
        .with_file_name("src")
        .join("endpoint_lib.rs");
    let text = std::fs::read_to_string(&source).expect("the SDK's endpoint_lib.rs");
    let start = text.find("new_from_json(b\"").expect("the embedded JSON") + 16;
    let end = start + text[start..].find("\")").expect("its end");
    let json = text[start..end]
        .replace("\\\\", "\u{0}")
        .replace("\\\"", "\"");
    serde_json::from_str(&json.replace('\u{0}', "\\")).expect("the partitions JSON")
}

#[test]
fn the_table_is_the_sdks_endpoint_model() {
    let sdk = sdk_partitions();
    let partitions = sdk["partitions"].as_array().expect("partitions");
    assert_eq!(partitions.len(), PARTITIONS.len());
    for p in partitions {
        let id = p["id"].as_str().expect("id");
        let ours = partition(id).unwrap_or_else(|| panic!("partition {id} missing"));
        assert_eq!(p["outputs"]["dnsSuffix"], ours.dns_suffix, "{id}");
        let mut regions: Vec<&str> = p["regions"]
            .as_object()
            .expect("regions")
            .keys()
            .map(String::as_str)
            .filter(|r| !r.ends_with("-global"))
            .collect();
        regions.sort_unstable();
        assert_eq!(regions, ours.regions, "{id}");
        for region in ours.regions {
            assert_eq!(partition_of(region), id, "{region}");
        }
    }
}

#[tokio::test]
async fn the_sdk_resolves_each_region_to_its_partitions_dns_suffix() {
    let resolver = DefaultResolver::new();
    for p in PARTITIONS {
        for region in p.regions {
            let params = Params::builder().region(*region).build().expect("params");
            let endpoint = resolver.resolve_endpoint(&params).await.expect("endpoint");
            assert!(
                endpoint.url().ends_with(p.dns_suffix),
                "{region}: {}",
                endpoint.url()
            );
        }
    }
}

#[test]
fn an_unknown_region_is_refused_with_the_nearest_known_one() {
    assert_eq!(unknown_region_among("eu-west-1", &[]), None);
    assert_eq!(unknown_region_among("cn-northwest-1", &[]), None);
    let refused = unknown_region_among("eu-wst-1", &[]).expect("refused");
    assert!(refused.contains("did you mean eu-west-1?"), "{refused}");
    assert!(refused.contains(EXTRA_REGIONS), "{refused}");
    let far = unknown_region_among("xx-nowhere-9", &[]).expect("refused");
    assert!(!far.contains("did you mean"), "{far}");
    // The pseudo-Regions of the endpoint model are not Regions.
    assert!(unknown_region_among("aws-global", &[]).is_some());
}

#[test]
fn extra_regions_admit_regions_newer_than_this_build() {
    let extra = extra_regions_setting(" ap-future-1, eu-future-2 ,").expect("valid");
    assert_eq!(extra, ["ap-future-1", "eu-future-2"]);
    assert_eq!(unknown_region_among("ap-future-1", &extra), None);
    assert!(unknown_region_among("ap-future-3", &extra).is_some());
    assert!(extra_regions_setting("ap-future")
        .expect_err("not a code")
        .contains(EXTRA_REGIONS));
    assert_eq!(extra_regions_setting(""), Ok(vec![]));
}

#[test]
fn dns_suffixes_by_partition() {
    assert_eq!(dns_suffix("aws"), Some("amazonaws.com"));
    assert_eq!(dns_suffix("aws-cn"), Some("amazonaws.com.cn"));
    assert_eq!(dns_suffix("aws-us-gov"), Some("amazonaws.com"));
    assert_eq!(dns_suffix("nope"), None);
}
