#!/usr/bin/env bash
# Checks the MSRV against the lock: fails if any package in the resolved
# dependency graph (every workspace member, every feature, every target platform,
# dev- and build-dependencies included, as Cargo.lock pins them) declares a
# `rust-version` newer than the workspace's (`[workspace.package] rust-version`
# in Cargo.toml, which every member inherits).
#
# Usage: scripts/check-msrv.sh [MSRV]
#   MSRV   check against this version instead of the workspace's (e.g. 1.80, to
#          see the check fail and list what needs more).
# Needs cargo and python3. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo metadata --format-version 1 --locked --all-features |
    python3 -c '
import json, sys

def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

meta = json.load(sys.stdin)
packages = {p["id"]: p for p in meta["packages"]}
members = [packages[m] for m in meta["workspace_members"]]
declared = {p["rust_version"] for p in members}
if len(sys.argv) > 1:
    msrv = sys.argv[1]
elif len(declared) != 1 or None in declared:
    sys.exit(f"workspace members declare different rust-versions: {sorted(map(str, declared))}")
else:
    msrv = declared.pop()

resolved = [packages[node["id"]] for node in meta["resolve"]["nodes"]]
newer = sorted(
    (p["name"], p["version"], p["rust_version"])
    for p in resolved
    if p["rust_version"] and version(p["rust_version"]) > version(msrv)
)
if newer:
    print(f"MSRV {msrv}: these packages in Cargo.lock declare a newer rust-version:")
    for name, ver, rust in newer:
        print(f"  {name} {ver}: rust-version {rust}")
    sys.exit(1)
print(f"MSRV {msrv}: all {len(resolved)} packages of the resolved graph declare it or older (or nothing)")
' "$@"
