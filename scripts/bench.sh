#!/usr/bin/env bash
# The performance benchmark (issue 5; see docs/performance.md):
#
#   scripts/bench.sh [--runs N] [--warmup N] [--check] [--cert-dir DIR] [--arm64] [--moto]
#                    [--latency-ms N]
#
# Builds the release binary, starts moto (from .venv, installed by setup-venv.sh), makes a
# throw-away CA and server certificate for an HTTPS ResponseURL on loopback, and runs
# benches/cold_start/, which prints medians of: init, cold create (HTTPS and plain HTTP
# reply), warm update, peak RSS, the release binary size and the AWS calls and round trips per
# operation, also for a resource over 8 and 17 Regions.
#
#   --runs N    measured runs (default 20); --warmup N discarded runs first (default 1)
#   --check     exit 1 when a budget of issue 5 is exceeded
#   --cert-dir DIR  also hand the function SSL_CERT_DIR=DIR (e.g. the system certificate
#               directory, which a host without SSL_CERT_FILE loads as well)
#   --moto      AWS calls answered as moto answers them, instead of the rig's strict-AWS mode
#               (the default; the same as CFN_TEST_AWS=moto)
#   --latency-ms N  also play every operation for 1 and 8 Regions with every CloudWatch Logs
#               call the function makes held N ms at the rig's proxy before it goes to moto, as
#               a remote endpoint's round trip would; reports the cold creates' ratio against
#               the 1.5x budget of `Regions` (moto answers one call at a time, so on bare
#               loopback the 8-Region figure is moto's queue, not the function's overlap), and
#               the round trips of each operation, counted from those runs, against their
#               budgets per Region (without this option they are counted from the raw runs)
#   --arm64     also build with `cargo lambda build --release --arm64` and report its size
#               (needs cargo-lambda and zig, on PATH or in .venv-tools)
#
# Certificate verification stays on: the function gets SSL_CERT_FILE = the system's CA bundle
# plus the bench CA, so it loads and parses a trust store of the usual size.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

pass=()
arm64=0
while (($#)); do
    case "$1" in
        --arm64) arm64=1 ;;
        --moto) export CFN_TEST_AWS=moto ;;
        *) pass+=("$1") ;;
    esac
    shift
done

command -v openssl >/dev/null || { echo "bench: the openssl CLI is required" >&2; exit 2; }

bash scripts/setup-venv.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The bench target is built with dev-dependency features (the SDK's test-util), and cargo
# places its copy of the function binary in the same target/release directory: build the
# harness first, then the real release binary, and measure a copy of the latter.
echo "bench: building the harness" >&2
cargo bench --bench cold_start --no-run --message-format=json-render-diagnostics >"$work/build.json"
harness="$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "cold_start" \
            and m.get("executable"):
        print(m["executable"])
' "$work/build.json")"
[[ -x "$harness" ]] || { echo "bench: harness executable not found" >&2; exit 2; }

echo "bench: building the release binary" >&2
# (This also puts the release build back in target/release: cargo re-links it there even when
# it is up to date.)
cargo build --release --bin cfn-logs-destination
cp target/release/cfn-logs-destination "$work/bootstrap"

arm64_args=()
if ((arm64)); then
    # .venv-tools (when present) holds cargo-lambda and the ziglang it cross-compiles with.
    PATH="$PWD/.venv-tools/bin:$PATH"
    if command -v cargo-lambda >/dev/null; then
        echo "bench: building for arm64 with cargo lambda" >&2
        cargo lambda build --release --arm64 --bin cfn-logs-destination >&2
        arm64_args=(--arm64-binary target/lambda/cfn-logs-destination/bootstrap)
    else
        echo "bench: cargo-lambda not found, no arm64 size" >&2
    fi
fi

# Throw-away PKI: an EC P-256 CA and a server certificate for 127.0.0.1.
tls="$work/tls"
mkdir "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=cfn-logs-destination bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null

# The system bundle (OpenSSL's default cert.pem) plus the bench CA.
system_bundle="$(openssl version -d | sed -E 's/^OPENSSLDIR: "(.*)"$/\1/')/cert.pem"
if [[ -r "$system_bundle" ]]; then
    cat "$system_bundle" "$tls/ca.pem" >"$tls/ca-bundle.pem"
else
    echo "bench: no system CA bundle found; the trust store holds the bench CA only" >&2
    cp "$tls/ca.pem" "$tls/ca-bundle.pem"
fi
echo "bench: trust store of $(grep -c 'BEGIN CERTIFICATE' "$tls/ca-bundle.pem") certificates" >&2

"$harness" --tls-dir "$tls" --binary "$work/bootstrap" "${arm64_args[@]}" "${pass[@]}"
