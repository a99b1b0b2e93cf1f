#!/usr/bin/env bash
# GUI tests: the real app under Xvfb, driven through tauri-driver + WebKitWebDriver.
# Builds the app first (debug profile, `build_test_binaries`: the UI too if not built).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
build_test_binaries
# The app opens real audio devices (mic meter, ringtone, calls): give it a PulseAudio null sink.
# shellcheck source=/dev/null
source scripts/start-pulseaudio.sh >/dev/null || log "PulseAudio unavailable: audio devices will fail (the app reports it)"
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
export PEERCALL_APP="$target/debug/peercall"
export PEERCALL_ARTIFACTS="$REPO_ROOT/artifacts"
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$PEERCALL_ARTIFACTS"
if [ -n "${DISPLAY:-}" ] && [ "${CI:-}" != "true" ]; then
  exec node --test --test-concurrency=1 "${@:-tests/gui/}"
fi
# A safety net: a hung app must fail the step, not stall the whole suite.
status=0
headless 1280x1024x24 timeout 1200 node --test --test-concurrency=1 "${@:-tests/gui/}" || status=$?
# The app on an impaired network (tests/gui/lossy/, skipped above): 100 ms round trip and 5 %
# loss on UDP only, so WebDriver and the app's local frame bridge (TCP) stay clean.
if [ $# -eq 0 ]; then
  export PEERCALL_AGENT_BIN="$target/debug/peercall-agent" PEERCALL_NETEM_BIN="$target/debug/peercall-netem"
  if unshare -n true 2>/dev/null; then
    log "GUI test under \"delay 50ms loss 5%\" (UDP, scripts/netem-run.sh)"
    NETEM_PROTO=udp NETEM_SEED="${NETEM_SEED:-3}" headless 1280x1024x24 timeout 300 \
      scripts/netem-run.sh "delay 50ms loss 5%" node --test tests/gui/lossy/ || status=$?
  elif [ "${CI:-}" = "true" ]; then
    log "CI needs network namespaces for the lossy GUI test (unshare -n failed)"
    status=1
  else
    log "skipping the lossy GUI test: no network namespaces here (unshare -n failed)"
  fi
  # LAN discovery (tests/gui/lan/): mDNS only inside a namespace of its own, never on the
  # machine's network.
  if unshare -n true 2>/dev/null; then
    log "GUI test of LAN discovery (scripts/lan-ns-run.sh)"
    headless 1280x1024x24 timeout 300 scripts/lan-ns-run.sh node --test tests/gui/lan/ || status=$?
  elif [ "${CI:-}" = "true" ]; then
    log "CI needs network namespaces for the LAN discovery GUI test (unshare -n failed)"
    status=1
  fi
fi
exit "$status"
