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
# Usage: scripts/perf-table.sh > perf.md      (about 10 minutes)
# Environment: CARGO_TARGET_DIR, EVENTORDER_BENCH_SHARDS (see the benches).
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

# Build first, so that compiling is not part of the measured load.
cargo bench --no-run --quiet >/dev/null 2>&1 || cargo bench --no-run

before=$(load)
export EVENTORDER_BENCH_SUMMARY_ONLY=1
barrier=$(cargo bench --quiet --bench barrier 2>/dev/null)
sync=$(cargo bench --quiet --bench sync 2>/dev/null)
memory=$(cargo bench --quiet --bench memory 2>/dev/null)
after=$(load)

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/perf-table.sh\` on"
echo "$model, $cores cores${hypervisor:+ (a $hypervisor virtual machine)}, commit $commit."
echo "Load average (1, 5, 15 min) before the runs: $before; after: $after."
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
