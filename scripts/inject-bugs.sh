#!/usr/bin/env bash
# Proof that the tests can fail.
#
# Builds the test suites with the test-only `--cfg eventorder_inject_bugs` (in
# RUSTFLAGS, in its own target dir: a cfg flag, not a Cargo feature), then runs
# them once with no bug (everything must pass) and once per injected bug of
# `src/inject.rs` (selected with EVENTORDER_INJECT=<name>), and prints a Markdown
# table: which suite catches which bug, how long it took, and the size of the
# minimal failing case (proptest's shrunk sequence, or the BFS path of the replay).
#
# Usage: scripts/inject-bugs.sh [suite ...]   (default: every suite below)
# Environment: CARGO_TARGET_DIR (default target/inject), PROPTEST_CASES,
# RUSTFLAGS (the cfg is added to it).
set -u
cd "$(dirname "$0")/.."

SUITES=("$@")
if [ ${#SUITES[@]} -eq 0 ]; then
    SUITES=(conformance replay robustness concurrency linearizability scenarios fast_paths recover)
fi
# Every bug of `Bug::ALL` in src/inject.rs, in its order (read from the source, so
# that a new bug cannot be left out).
mapfile -t BUGS < <(sed -n '/pub const ALL/,/\];/p' src/inject.rs | grep -oE 'Bug::[A-Za-z]+' | sed 's/^Bug:://')
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/inject}
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg eventorder_inject_bugs"
# A failing case found under an injected bug must not be saved as a regression.
export PROPTEST_DISABLE_FAILURE_PERSISTENCE=1
# A stalled pipeline (lost effects) should fail fast here, not after 60 s.
export EVENTORDER_STRESS_TIMEOUT_SECS=${EVENTORDER_STRESS_TIMEOUT_SECS:-15}
LOGS=$CARGO_TARGET_DIR/inject-logs
mkdir -p "$LOGS"

build_log=$LOGS/build.log
if ! cargo test --release --no-run >"$build_log" 2>&1; then
    echo "build failed, see $build_log" >&2
    exit 2
fi
binary() { # suite -> test executable
    sed -n "s|.*Executable tests/$1\.rs (\(.*\))|\1|p" "$build_log" | tail -1
}

# The size of the minimal failing case in a log, or "" if none was printed.
minimal() {
    local log=$1
    # proptest-state-machine: the shrunk transition list, one call per line
    # (`enter(…)`, and the many-answer calls `round[…]`, `report_all[…]`,
    # `recover[…]`).
    if grep -q 'minimal failing input: (initial_state, transitions' "$log"; then
        awk '/minimal failing input/ {on=1; next}
             on && /^    \[$/ {inlist=1; next}
             inlist && /^    \],?$/ {print n " steps"; exit}
             inlist && /^        [a-z_]+[(\[]/ {n++}' "$log"
        return
    fi
    # robustness (proptest): "(N calls)" in the final, shrunk message.
    local n
    n=$(grep -E '^Test failed: .*\([0-9]+ calls\)' "$log" | tail -1 |
        grep -oE '\([0-9]+ calls\)' | tail -1 | tr -dc '0-9')
    # replay: the shortest BFS path over its tests ("sequence (N calls)").
    [ -z "$n" ] && n=$(grep -oE 'sequence \([0-9]+ calls\)' "$log" | tr -dc '0-9\n' | sort -n | head -1)
    [ -n "$n" ] && echo "$n steps"
}

# What the failure was about, in a few words.
reason() {
    grep -m1 -oE 'G-[A-Z]+|stale answers|split handles|counters differ|Display[^:]*|answers differ|reports differ|records differ|size\(\)|queued effects[a-z ]*|peek|is_disabled|unexpected panic|expected a panic|panicked under|assertion[^:]*' "$1" |
        head -1
}

run() { # bug suite -> table cell
    local bug=$1 suite=$2 bin log start end secs status
    bin=$(binary "$suite")
    [ -z "$bin" ] && { echo "n/a"; return; }
    log=$LOGS/${bug:-none}-$suite.log
    start=$(date +%s.%N)
    EVENTORDER_INJECT=$bug timeout 600 "$bin" --include-ignored >"$log" 2>&1
    status=$?
    end=$(date +%s.%N)
    secs=$(printf '%.1f' "$(echo "$end - $start" | bc)")
    if [ $status -eq 0 ]; then
        echo "passes (${secs} s)"
    else
        local m r
        m=$(minimal "$log")
        r=$(reason "$log")
        echo "**caught** ${r:+($r)} ${m:+, minimal case $m,} ${secs} s"
    fi
}

header="| injected bug |"
rule="|---|"
for s in "${SUITES[@]}"; do
    header+=" $s |"
    rule+="---|"
done
echo "$header"
echo "$rule"
row="| (none) |"
for s in "${SUITES[@]}"; do
    row+=" $(EVENTORDER_INJECT= run "" "$s") |"
done
echo "$row"
for bug in "${BUGS[@]}"; do
    row="| \`$bug\` |"
    for s in "${SUITES[@]}"; do
        row+=" $(run "$bug" "$s") |"
    done
    echo "$row"
done
echo
echo "Logs: $LOGS"
