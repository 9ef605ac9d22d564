#!/usr/bin/env bash
# Installs the cargo tools the project's checks need, at pinned versions, into ~/.cargo/bin.
# A tool already installed at its pinned version is left alone, so a machine that keeps
# ~/.cargo/bin pays for the build once. On a fresh machine cargo-deny compiles in about
# 4-5 minutes on 2 cores.
set -euo pipefail

# name version: bump here, in one place.
TOOLS=(
    "cargo-deny 0.20.2"
)

for entry in "${TOOLS[@]}"; do
    read -r tool version <<<"$entry"
    installed="$("$tool" --version 2>/dev/null || true)"
    if [[ "$installed" == "$tool $version" ]]; then
        echo "$tool $version: already installed"
        continue
    fi
    echo "$tool $version: installing (found: ${installed:-none})"
    started=$SECONDS
    # --locked: the tool's own Cargo.lock, not whatever its dependencies released since.
    cargo install --locked --quiet "$tool" --version "=$version"
    echo "$tool $version: installed in $((SECONDS - started)) s"
done
