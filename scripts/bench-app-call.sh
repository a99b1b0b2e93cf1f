#!/usr/bin/env bash
# The app's own cost in a call (issue 17): the release app under Xvfb answers a call from
# peercall-agent at 640x480 and 1280x720; per-process CPU and PSS over a 30 s window, remote
# frames drawn of those published, bridge latency, the idle app, and a Chromium <-> Chromium
# call of the same size in the same session (tests/bench/app-call.mjs). Honours CARGO_TARGET_DIR.
# Env: APP_CALL_SECONDS (30), APP_CALL_SIZES (640x480,1280x720), APP_CALL_RUNS (2),
# APP_CALL_CHROMIUM (1), APP_CALL_IDLE (1); APP_CALL_NO_BUILD=1 uses the binaries as they are.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
if [ "${APP_CALL_NO_BUILD:-}" != "1" ]; then
  npm --prefix ui run build --silent
  cargo build --release -p peercall -p peercall-agent -p peercall-signal
fi
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
export PEERCALL_APP="${PEERCALL_APP:-$target/release/peercall}"
export PEERCALL_AGENT_BIN="${PEERCALL_AGENT_BIN:-$target/release/peercall-agent}"
export PEERCALL_SIGNAL_BIN="${PEERCALL_SIGNAL_BIN:-$target/release/peercall-signal}"
export PEERCALL_ARTIFACTS="${PEERCALL_ARTIFACTS:-$REPO_ROOT/artifacts/bench-app-call}"
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=/dev/null
source scripts/start-pulseaudio.sh >/dev/null || log "PulseAudio unavailable: the app's audio devices will fail"
log "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
headless 1280x1024x24 node tests/bench/app-call.mjs
log "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
