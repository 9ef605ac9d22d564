#!/usr/bin/env bash
# The demo: plays sample events through the compiled function (via a local Lambda Runtime API)
# against the local AWS emulator, and prints the answer to each: the reply CloudFormation would
# receive, or the invocation's result for EventBridge and provider-framework events. Installs
# the emulator on first use.
#
# Usage: scripts/demo.sh [EVENT.json ...]
#   default: events/create.json events/update.json events/delete.json
#   A name that is not a file is looked up in events/ (scripts/demo.sh sns-create.json).
# Exit status: 0 when every event was answered as meant (an event whose file name contains
# "fail" is meant to be refused); 1 when one was not; 2 when an event file is missing or is
# not JSON, or the build failed.
set -euo pipefail

here="$PWD"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

events=()
for arg in "$@"; do
    case "$arg" in
        -h | --help)
            sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
    esac
    if [[ "$arg" == /* && -f "$arg" ]]; then
        events+=("$arg")
    elif [[ "$arg" != /* && -f "$here/$arg" ]]; then
        events+=("$here/$arg")
    elif [[ -f "$root/events/$arg" ]]; then
        events+=("$root/events/$arg")
    else
        echo "demo: no such event file: $arg" >&2
        exit 2
    fi
done

for event in "${events[@]+"${events[@]}"}"; do
    if ! problem="$(python3 -c '
import json, sys
try:
    json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit(str(e))
' "$event" 2>&1)"; then
        echo "demo: ${event#"$root/"} is not JSON: $problem" >&2
        exit 2
    fi
done

log="$(mktemp)"
trap 'rm -f "$log" "$log.json"' EXIT

# The emulator's install (first run only) and cargo's build progress show on stderr.
bash scripts/setup-venv.sh || exit 2
echo "demo: building the function and the demo (the first build takes a few minutes)..." >&2
if ! cargo test --test demo --no-run --message-format=json-render-diagnostics >"$log.json"; then
    exit 2
fi
demo="$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "demo" and m.get("executable"):
        print(m["executable"])
' "$log.json")"
rm -f "$log.json"

# The demo prints its answers on stderr: they become this script's stdout, and the test
# runner's own lines (its stdout) are dropped.
DEMO_EVENTS="$(printf '%s\n' "${events[@]+"${events[@]}"}")" \
    "$demo" --exact demo_create_update_delete_from_the_sample_events --nocapture 2>&1 >/dev/null
