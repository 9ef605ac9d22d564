#!/usr/bin/env bash
# The demo: plays events/create.json, update.json and delete.json through the compiled
# function (via a local Lambda Runtime API) against the local AWS emulator, and prints the
# reply CloudFormation would receive for each. Installs the emulator on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-venv.sh
cargo test --quiet --test demo -- --nocapture
