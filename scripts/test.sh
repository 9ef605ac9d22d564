#!/usr/bin/env bash
# The project's test command: installs the test tools (idempotent, fast when
# already installed), then runs every test. Extra arguments go to cargo test,
# e.g. a name filter `scripts/test.sh fault_proxy` or `scripts/test.sh -- --nocapture`.
# (`--test NAME` adds to --all-targets rather than narrowing it: to run one
# test file, use `cargo test --test NAME` after setup-venv.sh.)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-venv.sh
cargo test --all-targets "$@"
