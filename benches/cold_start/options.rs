//! The harness's command line (`scripts/bench.sh` passes it on).

use std::path::PathBuf;
use std::time::Duration;

pub struct Options {
    pub runs: usize,
    pub warmup: usize,
    pub check: bool,
    pub tls_dir: PathBuf,
    pub binary: PathBuf,
    pub arm64_binary: Option<PathBuf>,
    pub cert_dir: Option<PathBuf>,
    pub latency: Option<Duration>,
}

pub fn options() -> Result<Options, String> {
    let mut options = Options {
        runs: 20,
        warmup: 1,
        check: false,
        tls_dir: PathBuf::new(),
        binary: PathBuf::from(env!("CARGO_BIN_EXE_cfn-logs-destination")),
        arm64_binary: None,
        cert_dir: None,
        latency: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--runs" => {
                options.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?
            }
            "--warmup" => {
                options.warmup = value("--warmup")?
                    .parse()
                    .map_err(|e| format!("--warmup: {e}"))?
            }
            "--check" => options.check = true,
            "--tls-dir" => options.tls_dir = value("--tls-dir")?.into(),
            "--binary" => options.binary = value("--binary")?.into(),
            "--arm64-binary" => options.arm64_binary = Some(value("--arm64-binary")?.into()),
            "--cert-dir" => options.cert_dir = Some(value("--cert-dir")?.into()),
            "--latency-ms" => {
                let ms: u64 = value("--latency-ms")?
                    .parse()
                    .map_err(|e| format!("--latency-ms: {e}"))?;
                options.latency = Some(Duration::from_millis(ms));
            }
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(options)
}
