#!/usr/bin/env bash
# Side-by-side benchmark: Chromium <-> Chromium (web client) against peercall-agent <->
# peercall-agent, same machine, same signaling server (tests/bench/bench-vs-chromium.mjs).
# Release build. Env: BENCH_SECONDS (30), BENCH_RUNS (3), BENCH_SIZES (640x480,1280x720).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
cargo build --release -p peercall-signal -p peercall-agent
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
export PEERCALL_SIGNAL_BIN="${PEERCALL_SIGNAL_BIN:-$target/release/peercall-signal}"
export PEERCALL_AGENT_BIN="${PEERCALL_AGENT_BIN:-$target/release/peercall-agent}"
exec node tests/bench/bench-vs-chromium.mjs
