//! The command line through the binary, as a person runs it: `--help` and `--version` at the
//! top and per subcommand, a typo's did-you-mean, the Lambda function only inside Lambda's
//! environment, and the audit's refusals that come before any AWS call (no Region, a Region
//! that does not exist). The audit's reading of AWS is in tests/audit.rs.

use std::process::{Command, Output};

/// Runs the binary with `args` and a clean environment plus `env`: no AWS settings of the
/// machine it runs on, and no instance metadata.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cfn-logs-destination"))
        .args(args)
        .env_clear()
        .envs([
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ])
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_exits_zero_at_the_top_and_for_the_audit() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["audit", "--help"],
        &["help", "audit"],
    ] {
        let output = run(args, &[]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
        assert!(
            stdout.contains("Usage: cfn-logs-destination"),
            "{args:?}: {stdout}"
        );
    }
    let (top, _) = text(&run(&["--help"], &[]));
    assert!(top.contains("audit"), "{top}");
    assert!(top.contains("AWS_LAMBDA_RUNTIME_API"), "{top}");
    let (audit, _) = text(&run(&["audit", "--help"], &[]));
    for flag in ["--regions", "--stack-region", "--json", "Exit status"] {
        assert!(audit.contains(flag), "{flag}: {audit}");
    }
    assert!(top.contains("preview"), "{top}");
    let output = run(&["preview", "--help"], &[]);
    let (preview, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{preview}");
    for flag in [
        "--change-set",
        "--stack",
        "--old-properties",
        "--json",
        "Exit status",
    ] {
        assert!(preview.contains(flag), "{flag}: {preview}");
    }
}

#[test]
fn version_exits_zero_at_the_top_and_for_the_audit() {
    for args in [&["--version"][..], &["-V"], &["audit", "--version"]] {
        let output = run(args, &[]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            stdout.contains(env!("CARGO_PKG_VERSION")),
            "{args:?}: {stdout}"
        );
    }
}

#[test]
fn a_typo_gets_a_did_you_mean_and_exit_two() {
    let output = run(&["audti"], &[]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("'audit'"), "{stderr}");
    let output = run(&["audit", "--region", "eu-west-1"], &[]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--regions"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The preview takes a change set or a change by hand, not both, and not neither.
    for args in [
        &["preview"][..],
        &["preview", "--change-set", "a", "--stack", "s"],
        &["preview", "--stack", "s"],
        &["preview", "--logical-id", "L"],
    ] {
        let output = run(args, &[]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("Usage: cfn-logs-destination preview"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn without_a_subcommand_outside_lambda_it_says_how_to_use_it() {
    let output = run(&[], &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("AWS_LAMBDA_RUNTIME_API"), "{stderr}");
    assert!(stderr.contains("cfn-logs-destination audit"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_audit_without_a_region_says_so_in_one_line() {
    // Instance metadata left enabled, as on a workstation: the Region is not asked there
    // (its timeouts and warnings would come first), and nothing else is logged.
    let started = std::time::Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_cfn-logs-destination"))
        .arg("audit")
        .env_clear()
        .envs([
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ])
        .output()
        .expect("the binary runs");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no Region configured"), "{stderr}");
    assert!(stderr.contains("AWS_REGION"), "{stderr}");
}

#[test]
fn a_region_that_does_not_exist_is_refused_before_any_call_naming_what_the_user_typed() {
    // An endpoint nothing listens on: a call would fail differently, and slowly.
    let env = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    ];
    for (args, named, hint) in [
        (
            &["audit", "--regions", "eu-wst-1"][..],
            "--regions",
            "eu-west-1",
        ),
        (
            &["audit", "--regions", "us-east1"],
            "--regions",
            "us-east-1",
        ),
        (
            &["audit", "--stack-region", "eu-wst-1"],
            "--stack-region",
            "eu-west-1",
        ),
    ] {
        let output = run(args, &env);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("did you mean {hint}?")),
            "{args:?}: {stderr}"
        );
        assert!(
            !stderr.contains("AUDIT_REGIONS names"),
            "{args:?}: {stderr}"
        );
    }
    let output = run(
        &["audit"],
        &[
            ("AUDIT_REGIONS", "eu-wst-1"),
            env[0],
            env[1],
            env[2],
            env[3],
        ],
    );
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("AUDIT_REGIONS names \"eu-wst-1\""),
        "{stderr}"
    );
}
