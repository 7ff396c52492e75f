#!/usr/bin/env bash
# Regenerates the performance tables of docs/performance.md in one go.
#
# Builds the benches, then runs the summary tables of `benches/barrier.rs` (hot
# path (a)–(g), two threads) and `benches/sync.rs` ((f), (g0)–(h)), and the heap
# measurement of `benches/memory.rs`, and prints one Markdown section: the
# machine (lscpu's model name, the cores), its load (uptime's load average before
# and after the runs), the commit, then every table as the benches print it.
# The figures quoted for Go (the "Go v1.1.2" column) were measured on the
# development machine and are printed by the bench as they are.
#
# Then, if valgrind is installed, the stable figure beside the noisy one: the
# instructions per job (or per effect, record or sync) of every single-thread
# row, counted by callgrind on each scenario's profiling run
# (`EVENTORDER_BENCH_PROFILE`), only inside the scenario's own loop
# (`--toggle-collect`), so that building keys and barriers is not counted.
# Instruction counts are deterministic here: they show a regression even when
# the machine is too loaded for the times to.
#
# Usage: scripts/perf-table.sh > perf.md      (about 15 minutes)
# Environment: CARGO_TARGET_DIR, EVENTORDER_BENCH_SHARDS (see the benches);
# EVENTORDER_PERF_NO_TIMES=1 prints the instruction counts only.
set -euo pipefail
cd "$(dirname "$0")/.."

load() { uptime | sed 's/.*load average: *//'; }

model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(nproc)
hypervisor=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- src benches 2>/dev/null; then
    commit="$commit with uncommitted changes to src/ or benches/"
fi

# Build first, so that compiling is not part of the measured load; remember
# where the bench executables are (for callgrind).
executables=$(cargo bench --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"name":"\(barrier\|sync\)".*"executable":"\([^"]*\)".*/\1 \2/p')
bench_exe() { echo "$executables" | sed -n "s/^$1 //p" | head -1; }

before=$(load)
export EVENTORDER_BENCH_SUMMARY_ONLY=1
if [ -z "${EVENTORDER_PERF_NO_TIMES:-}" ]; then
    barrier=$(cargo bench --quiet --bench barrier 2>/dev/null)
    sync=$(cargo bench --quiet --bench sync 2>/dev/null)
    memory=$(cargo bench --quiet --bench memory 2>/dev/null)
fi
after=$(load)

# Instructions of one profiling run inside `toggle`, divided by `per`.
# Arguments: bench, scenario, toggle, runs (EVENTORDER_BENCH_JOBS), per.
instructions() {
    local total
    total=$(EVENTORDER_BENCH_PROFILE=$2 EVENTORDER_BENCH_JOBS=$4 \
        valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$3" \
        "$(bench_exe "$1")" 2>&1 | sed -n 's/.*Collected : *//p' | tr -d ',')
    if [ -z "$total" ]; then
        echo "callgrind failed on $1 $2" >&2
        exit 1
    fi
    awk -v t="$total" -v n="$5" 'BEGIN { printf "%.0f", t / n }'
}

callgrind_table() {
    local jobs=1000000 run='barrier::Workload::run' rounds='barrier::rounds::Rounds::run'
    local sync='sync::profiled_sync*'
    echo "| scenario | instructions | per |"
    echo "|---|---:|---|"
    row() { echo "| $1 | $(instructions "${@:2}") | $7 |"; }
    row 'baseline: `Mutex<HashMap>` lookup' barrier baseline 'barrier::support::Baseline*::run' $jobs $jobs lookup
    row '(a) enter + wait, no record' barrier a "$run" $jobs $jobs job
    row '(b) lifecycle' barrier b "$run" $jobs $jobs job
    row '(c) lifecycle, 1% of keys blocked' barrier c "$run" $jobs $jobs job
    row "(floor of (d)) two locked lookups + (d)'s wait" barrier floor 'barrier::Floor::run' $jobs $jobs job
    row "(spec floor of (d)) insert + lookup + remove, each locked, + (d)'s wait" barrier spec-floor 'barrier::rounds::SpecFloor::run' $jobs $jobs job
    row '(d) lifecycle, key_threshold = 200' barrier d "$run" $jobs $jobs job
    row '(g) production config' barrier g "$run" $jobs $jobs job
    row '(d) through rounds, batches of 100' barrier d-rounds "$rounds" $jobs $jobs job
    row '(g) through rounds, batches of 100' barrier g-rounds "$rounds" $jobs $jobs job
    row '(f) sync of 10,000 queued effects' sync f "$sync" 10 100000 effect
    row '(g0) sync, nothing queued or due, 0 records' sync g0 "$sync" 100000 100000 sync
    row '(g1) sync, nothing queued or due, 1 record with a timer' sync g1 "$sync" 100000 100000 sync
    row '(g1m) sync, nothing queued or due, 1,000,000 records' sync g1m "$sync" 100000 100000 sync
    row '(h) sync expiring 10,000 records' sync h "$sync" 10 100000 record
}

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/perf-table.sh\` on"
echo "$model, $cores cores${hypervisor:+ (a $hypervisor virtual machine)}, commit $commit."
echo "Load average (1, 5, 15 min) before the runs: $before; after: $after."
if [ -z "${EVENTORDER_PERF_NO_TIMES:-}" ]; then
    echo
    echo "### Hot path (\`cargo bench --bench barrier\`)"
    echo "$barrier"
    echo
    echo "### sync (\`cargo bench --bench sync\`)"
    echo "$sync"
    echo
    echo "### Memory (\`cargo bench --bench memory\`)"
    echo
    echo "$memory"
fi
echo
echo "### Instructions (callgrind)"
echo
if command -v valgrind >/dev/null; then
    echo "Instructions per job of each scenario's profiling run (\`EVENTORDER_BENCH_PROFILE\`),"
    echo "counted by \`valgrind --tool=callgrind\` inside the scenario's loop only; the"
    echo "two-thread rows (e) have no figure of their own (callgrind runs one thread at a time)."
    echo
    callgrind_table
else
    echo "(valgrind is not installed: no instruction counts)"
fi
