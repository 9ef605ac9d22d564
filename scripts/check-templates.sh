#!/usr/bin/env bash
# Lint and security-check the CloudFormation/SAM templates:
#   template.yaml and examples/*.yaml
# with pinned cfn-lint, sam validate --lint and checkov.
#
# The tools are installed on first use into two virtualenvs at the repository
# root (both gitignored): .venv-tools (cfn-lint + aws-sam-cli, pins in
# scripts/requirements-tools.txt) and .venv-tools-checkov (checkov, pins in
# scripts/requirements-checkov.txt). checkov and aws-sam-cli pin different
# boto3 versions, so they cannot share one venv. A stamp file holding the
# hash of the pin file makes re-runs skip the install.
#
# Needs python3 (3.10+, for aws-sam-cli) with the venv module, and the Python
# package index on the first run only; the rollout test needs cargo. No AWS
# account or credentials are needed: the checks are offline.
#
# Usage: scripts/check-templates.sh             run every check
#        scripts/check-templates.sh --install   only install the tools
#        scripts/check-templates.sh --no-cargo  every check but the rollout test,
#                                               which builds the function
# Env:   PYTHON=python3.11 to choose the interpreter for the venvs.
#
# Exit status: 0 when every check passes, 1 when any fails, 2 on setup errors.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2

PYTHON="${PYTHON:-python3}"
TOOLS_VENV="$ROOT/.venv-tools"
CHECKOV_VENV="$ROOT/.venv-tools-checkov"

# Offline, quiet and reproducible tool behaviour.
export SAM_CLI_TELEMETRY=0
export SAM_CLI_CONTAINER_CONNECTION_TIMEOUT=1
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"
export BC_SKIP_MAPPING=TRUE        # checkov: no download of guideline mappings
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"

log() { printf '==> %s\n' "$*"; }

hash_of() { sha256sum "$1" | cut -d' ' -f1; }

# ensure_venv DIR REQUIREMENTS: create DIR and install REQUIREMENTS into it,
# unless its stamp already records the same requirements hash.
ensure_venv() {
    local venv="$1" req="$2" stamp want
    stamp="$venv/.installed-requirements"
    want="$(hash_of "$req")"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing $(basename "$req") into $(basename "$venv")"
    if [[ ! -x "$venv/bin/python" ]]; then
        "$PYTHON" -m venv "$venv" || { echo "error: cannot create $venv" >&2; return 2; }
    fi
    if ! "$venv/bin/python" -m pip install --quiet -r "$req"; then
        echo "error: installing $req into $venv failed" >&2
        return 2
    fi
    echo "$want" >"$stamp"
}

ensure_venv "$TOOLS_VENV" "$ROOT/scripts/requirements-tools.txt" || exit 2
ensure_venv "$CHECKOV_VENV" "$ROOT/scripts/requirements-checkov.txt" || exit 2

if [[ "${1:-}" == "--install" ]]; then
    log "tools installed"
    exit 0
fi

CFN_LINT="$TOOLS_VENV/bin/cfn-lint"
SAM="$TOOLS_VENV/bin/sam"
CHECKOV="$CHECKOV_VENV/bin/checkov"

shopt -s nullglob
TEMPLATES=(template.yaml examples/*.yaml examples/*.yml)
shopt -u nullglob
if [[ ${#TEMPLATES[@]} -eq 0 ]]; then
    echo "error: no templates found" >&2
    exit 2
fi

log "cfn-lint $("$CFN_LINT" --version | awk '{print $2}'), $("$SAM" --version), checkov $("$CHECKOV" --version)"

failures=()

# 0. The sample events are well-formed JSON (an SNS event's Message must hold
#    the request as a JSON string).
log "events/*.json"
if ! "$TOOLS_VENV/bin/python" - events/*.json <<'PY'
import json, sys
bad = 0
for path in sys.argv[1:]:
    try:
        event = json.load(open(path))
        for record in event.get("Records", []):
            json.loads(record["Sns"]["Message"])
    except Exception as err:  # report every broken file
        print(f"{path}: {err}")
        bad += 1
print(f"{len(sys.argv) - 1 - bad} of {len(sys.argv) - 1} event files parse")
sys.exit(1 if bad else 0)
PY
then
    failures+=("events/*.json")
fi

# 1. cfn-lint: no errors and no warnings (informational findings are shown
#    but do not fail). Exit code bits: 2 = error, 4 = warning, 8 = info.
for t in "${TEMPLATES[@]}"; do
    log "cfn-lint $t"
    "$CFN_LINT" --format parseable -- "$t"
    rc=$?
    if (( rc & 7 )); then
        failures+=("cfn-lint $t (exit $rc)")
    fi
done

# 2. sam validate --lint: the SAM transform (where used) plus the same
#    cfn-lint rules, the way `sam build`/`sam deploy` will see the template.
for t in "${TEMPLATES[@]}"; do
    log "sam validate --lint $t"
    if ! "$SAM" validate --lint --template-file "$t" --region "$AWS_DEFAULT_REGION"; then
        failures+=("sam validate --lint $t")
    fi
done

# 3. checkov: no failed checks (skips must be justified inline in the
#    template's Metadata). checkov drops resources whose Condition is false
#    for the parameter defaults, so each template is also checked as a
#    variant (JSON, made with cfn-lint's decoder) in which every "true"/"false"
#    parameter defaults to "true": the optional resources are checked too.
#    Compact and quiet: failures in full, then the counts.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

run_checkov() { # run_checkov LABEL FILE
    local label="$1" file="$2" out rc
    log "checkov $label"
    out="$("$CHECKOV" --framework cloudformation --file "$file" --compact --quiet \
        --skip-download --output cli 2>&1)"
    rc=$?
    printf '%s\n' "$out" | sed '/^[[:space:]]*$/d'
    if (( rc != 0 )) || ! grep -q 'Failed checks: 0,' <<<"$out"; then
        failures+=("checkov $label (exit $rc)")
    fi
}

for t in "${TEMPLATES[@]}"; do
    run_checkov "$t" "$t"
    variant="$WORK/$(basename "${t%.*}")-all-options.json"
    if ! "$TOOLS_VENV/bin/python" - "$t" "$variant" <<'PY'
import json, sys
from cfnlint.decode import decode
template, matches = decode(sys.argv[1])
if template is None:
    sys.exit("cannot parse %s: %s" % (sys.argv[1], matches))
flipped = 0
for param in (template.get("Parameters") or {}).values():
    allowed = param.get("AllowedValues")
    if allowed and sorted(str(v).lower() for v in allowed) == ["false", "true"]:
        if str(param.get("Default", "")).lower() != "true":
            param["Default"] = "true"
            flipped += 1
with open(sys.argv[2], "w") as f:
    json.dump(template, f)
sys.exit(0 if flipped else 3)
PY
    then
        continue # no optional switch to turn on (exit 3) or parse error (cfn-lint reports it)
    fi
    run_checkov "$t (all optional resources enabled)" "$variant"
done

# 4. The organisation rollout's sender template, beyond what linters see: its
#    account policy renders to the JSON CloudWatch Logs expects, in a sender
#    account (with and without the role) and in the central account (nothing).
log "organization-senders.yaml rendered for a sender and for the central account"
if ! "$TOOLS_VENV/bin/python" -B scripts/check_senders_template.py; then
    failures+=("organization-senders.yaml rendering")
fi

# 5. The ARN the sender template builds with !Sub is the ARN the destination
#    resource returns, in every Region of the partition: an end-to-end test
#    through the compiled function and the rig's AWS stand-in (moto, installed
#    into .venv by scripts/setup-venv.sh). Skipped with --no-cargo.
if [[ "${1:-}" != "--no-cargo" ]]; then
    log "cargo test --test rollout_templates (the senders' ARN is the destination's, every Region)"
    if ! bash scripts/setup-venv.sh >/dev/null; then
        failures+=("scripts/setup-venv.sh (needed by the rollout test)")
    elif ! cargo test --quiet --locked --test rollout_templates; then
        failures+=("cargo test --test rollout_templates")
    fi
fi

if (( ${#failures[@]} )); then
    echo
    echo "FAILED checks:"
    printf '  - %s\n' "${failures[@]}"
    exit 1
fi
echo
echo "All template checks passed (${#TEMPLATES[@]} templates)."
