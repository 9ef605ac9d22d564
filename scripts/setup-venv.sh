#!/usr/bin/env bash
# Creates (or refreshes) the repo-local .venv holding the Python test tools
# pinned in scripts/requirements-test.txt (moto's server, the AWS stand-in the
# integration tests talk to).
#
# Idempotent and fast when nothing changed: a stamp file inside .venv records
# the hash of the requirements file it was built from.
#
# Environment: PYTHON picks the interpreter (default: python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/scripts/requirements-test.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "$req" | cut -d' ' -f1)"

# Fast path: stamp matches and the venv's interpreter still runs (a venv breaks
# when the Python it was made from is removed or upgraded).
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && "$venv/bin/python" -c '' >/dev/null 2>&1; then
    exit 0
fi

echo "setup-venv: installing test tools into .venv" >&2
rm -f "$stamp"
if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    "$python" -m venv --clear "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
    --requirement "$req"
# Fail here, not in a test, if the install is unusable.
"$venv/bin/python" -c 'import moto, moto.server; assert moto.__version__' >/dev/null

echo "$want" >"$stamp"
echo "setup-venv: done ($("$venv/bin/python" -c 'import moto; print("moto", moto.__version__)'))" >&2
