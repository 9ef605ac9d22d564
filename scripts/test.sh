#!/usr/bin/env bash
# The project's test command: installs the test tools (idempotent, fast when
# already installed), then runs every test: the unit tests once, and the
# end-to-end suites (tests/*.rs) in both AWS modes of the rig, strict (AWS as it
# answers, where moto is looser) and moto (moto as it is). CFN_TEST_AWS picks
# the mode; see docs/fidelity.md.
#
# Extra arguments go to both cargo test runs, e.g. a name filter
# `scripts/test.sh fault_proxy` or `scripts/test.sh -- --nocapture`.
# (`--test NAME` adds to the selection rather than narrowing it: to run one
# test file, use `CFN_TEST_AWS=strict cargo test --test NAME` after setup-venv.sh.)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-venv.sh
status=0
echo "== unit tests, and end-to-end tests in strict-AWS mode (CFN_TEST_AWS=strict)"
CFN_TEST_AWS=strict cargo test --no-fail-fast --all-targets "$@" || status=$?
echo "== end-to-end tests in moto mode (CFN_TEST_AWS=moto)"
CFN_TEST_AWS=moto cargo test --no-fail-fast --test '*' "$@" || status=$?
exit "$status"
