#!/usr/bin/env bash
# GUI tests: the real app under Xvfb, driven through tauri-driver + WebKitWebDriver.
# Builds the app first (debug profile; ui/dist must be built).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
[ -f ui/dist/index.html ] || npm --prefix ui run build --silent
cargo build -p peercall
# The app opens real audio devices (mic meter, ringtone, calls): give it a PulseAudio null sink.
# shellcheck source=/dev/null
source scripts/start-pulseaudio.sh >/dev/null || log "PulseAudio unavailable: audio devices will fail (the app reports it)"
export PEERCALL_APP="$REPO_ROOT/target/debug/peercall"
export PEERCALL_ARTIFACTS="$REPO_ROOT/artifacts"
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$PEERCALL_ARTIFACTS"
if [ -n "${DISPLAY:-}" ] && [ "${CI:-}" != "true" ]; then
  exec node --test --test-concurrency=1 "${@:-tests/gui/}"
fi
# A safety net: a hung app must fail the step, not stall the whole suite.
headless 1280x1024x24 timeout 1200 node --test --test-concurrency=1 "${@:-tests/gui/}"
