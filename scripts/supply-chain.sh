#!/usr/bin/env bash
# The supply-chain gate (deny.toml says what is allowed, and why):
# - licences: every crate offers one of the accepted licences;
# - bans: no duplicate versions beyond the listed exceptions, no wildcard requirements;
# - sources: the public crate registry only;
# - advisories: Cargo.lock against the RustSec advisory database, offline. The database is the
#   snapshot beside the project (../shared/advisory-db.bundle, or ADVISORY_DB_BUNDLE), cloned
#   to a temporary directory; nothing is fetched.
# Any vulnerability, unmaintained or unsound notice, or yanked crate fails the gate unless
# deny.toml ignores it with a reason. The snapshot's age never fails it: a build must not turn
# red because of the date alone. The age is printed as a warning on every run instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-tools.sh

bundle="${ADVISORY_DB_BUNDLE:-../shared/advisory-db.bundle}"
if [[ ! -f "$bundle" ]]; then
    echo "supply-chain: no advisory database snapshot at $bundle (set ADVISORY_DB_BUNDLE)" >&2
    exit 1
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
# cargo-deny looks for the database of deny.toml's db-urls entry under this name.
db="$root/advisory-db-3157b0e258782691"
git -c init.defaultBranch=main -c advice.detachedHead=false clone --quiet "$bundle" "$db"
# The snapshot holds only its newest commit: tell git so, or it cannot read that commit's date,
# which cargo-deny's staleness limit (deny.toml) is measured from.
git -C "$db" rev-parse HEAD >"$db/.git/shallow"
echo "advisory database snapshot: $(git -C "$db" show -s --format='%h of %cs' HEAD)," \
    "$(find "$db/crates" -name '*.md' | wc -l) advisories"
age_days=$((($(date +%s) - $(git -C "$db" show -s --format=%ct HEAD)) / 86400))
echo "supply-chain: warning: the advisory database snapshot is $age_days days old; advisories" \
    "published since are not checked. To refresh it, see docs/development.md, \"Supply chain\"." >&2

# Every locked crate, for every platform, so that the offline metadata is complete.
cargo fetch --locked --quiet
CFN_ADVISORY_DB_ROOT="$root" cargo deny --offline --locked check \
    licenses bans sources advisories
