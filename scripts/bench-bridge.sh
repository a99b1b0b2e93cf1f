#!/usr/bin/env bash
# Frame-bridge benchmark: the real app (release build) under Xvfb showing 1280x720@30 for 60 s.
# Prints one JSON line: frames produced/drawn, drop %, bridge and capture->drawn latency
# p50/p95, CPU of the app process and of WebKit's web process. BRIDGE_SECONDS overrides 60.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" --test
cd "$REPO_ROOT"
npm --prefix ui run build --silent
cargo build --release -p peercall
export PEERCALL_APP="$REPO_ROOT/target/release/peercall" PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=/dev/null
source scripts/start-pulseaudio.sh >/dev/null || true
headless 1920x1200x24 node tests/bench/bridge.mjs
