//! Issue 9, publishing: the serverless application metadata in `template.yaml` matches the
//! crate (version, licence) and names files that exist, so `sam publish` ships what it says.

use std::collections::BTreeMap;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `AWS::ServerlessRepo::Application` block of `template.yaml`: its scalar fields, and
/// `Labels` as a list. Read line by line (no YAML parser among the dependencies); the block
/// must keep the simple `Key: value` / `- item` shape the test expects, or the test fails.
fn application_metadata() -> (BTreeMap<String, String>, Vec<String>) {
    let template =
        std::fs::read_to_string(Path::new(ROOT).join("template.yaml")).expect("read template.yaml");
    let mut lines = template
        .lines()
        .skip_while(|line| line.trim_end() != "  AWS::ServerlessRepo::Application:");
    assert!(
        lines.next().is_some(),
        "template.yaml has no AWS::ServerlessRepo::Application metadata"
    );
    let mut fields = BTreeMap::new();
    let mut labels = Vec::new();
    let mut key = String::new();
    let mut folded = false;
    for line in lines.take_while(|line| line.starts_with("    ") || line.trim().is_empty()) {
        let text = line.trim();
        if let Some(label) = text.strip_prefix("- ") {
            assert_eq!(key, "Labels", "a list item outside Labels: {line}");
            labels.push(label.to_owned());
        } else if line.starts_with("      ") && folded {
            let value = fields.entry(key.clone()).or_insert_with(String::new);
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(text);
        } else if let Some((k, v)) = text.split_once(':') {
            key = k.to_owned();
            let value = v.trim();
            folded = value == ">-";
            if !folded && !value.is_empty() {
                fields.insert(key.clone(), value.trim_matches('"').to_owned());
            }
        }
    }
    (fields, labels)
}

fn field<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    fields
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing from the application metadata: {fields:?}"))
}

#[test]
fn the_application_version_is_the_crates() {
    let (fields, _) = application_metadata();
    assert_eq!(
        field(&fields, "SemanticVersion"),
        env!("CARGO_PKG_VERSION"),
        "template.yaml's SemanticVersion must follow Cargo.toml's version"
    );
}

#[test]
fn the_licence_and_readme_it_names_exist_and_match_the_crate() {
    let (fields, _) = application_metadata();
    assert_eq!(field(&fields, "SpdxLicenseId"), env!("CARGO_PKG_LICENSE"));
    for name in ["LicenseUrl", "ReadmeUrl"] {
        let path = Path::new(ROOT).join(field(&fields, name));
        assert!(
            path.is_file(),
            "{name} names {}, which does not exist",
            path.display()
        );
    }
    let licence = std::fs::read_to_string(Path::new(ROOT).join(field(&fields, "LicenseUrl")))
        .expect("read the licence");
    assert!(
        licence.contains("Apache License\n                           Version 2.0, January 2004")
    );
    assert!(licence.contains("END OF TERMS AND CONDITIONS"));
}

#[test]
fn the_metadata_has_what_the_serverless_repository_requires() {
    let (fields, labels) = application_metadata();
    for name in ["Name", "Description", "Author", "SourceCodeUrl"] {
        assert!(!field(&fields, name).is_empty(), "{name} is empty");
    }
    assert!(field(&fields, "Description").len() <= 256);
    assert!(field(&fields, "SourceCodeUrl").starts_with("https://"));
    // The repository's limits: 1-10 labels of 1-127 characters from a small alphabet.
    assert!((1..=10).contains(&labels.len()), "{labels:?}");
    for label in &labels {
        assert!(
            (1..=127).contains(&label.len())
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-_:/@".contains(c)),
            "label {label:?}"
        );
    }
}
