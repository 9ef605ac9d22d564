#!/usr/bin/env bash
# Installs the pinned cargo-lambda (scripts/requirements-build.txt) into the repo-local
# .venv-build, for local runs (`cargo lambda watch` / `invoke`) and the test that drives it.
# Only cargo-lambda: the Zig the same file pins is for cross-compiling release builds.
#
# Idempotent and fast when nothing changed: a stamp inside .venv-build records the pin.
# Prints the directory to put on PATH (.venv-build/bin).
# Environment: PYTHON picks the interpreter (default: python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-build"
pin="$(grep -E '^cargo-lambda==' "$root/scripts/requirements-build.txt")"
stamp="$venv/.cargo-lambda-pin"
python="${PYTHON:-python3}"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$pin" ]] && "$venv/bin/cargo-lambda" lambda --version >/dev/null 2>&1; then
    echo "$venv/bin"
    exit 0
fi

echo "setup-cargo-lambda: installing $pin into .venv-build" >&2
rm -f "$stamp"
if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    "$python" -m venv --clear "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "$pin"
"$venv/bin/cargo-lambda" lambda --version >&2
echo "$pin" >"$stamp"
echo "$venv/bin"
