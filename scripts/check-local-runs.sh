#!/usr/bin/env bash
# Plays every sample event in events/ through cargo-lambda itself (`cargo lambda watch` +
# `cargo lambda invoke`, as docs/deploy.md shows) against moto's server on loopback, and checks
# each answer. Installs moto (.venv) and the pinned cargo-lambda (.venv-build) first.
# Exit status: 0 when every event was answered as expected, 1 otherwise, 2 on setup errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-venv.sh
bin="$(bash scripts/setup-cargo-lambda.sh)" || exit 2
PATH="$bin:$PATH" exec .venv/bin/python scripts/check_local_runs.py
