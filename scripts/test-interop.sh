#!/usr/bin/env bash
# Browser interop tests: the web client (web/) in headless Chromium (Debian's
# /usr/bin/chromium through playwright-core) against the real peercall-signal server,
# Chromium <-> Chromium and Chromium <-> peercall-agent (tests/interop/).
# Builds the binaries first (debug profile; the same set as the GUI tests, so that in the
# suite this build finds them built: `build_test_binaries`). Where the kernel allows it,
# everything runs in a private network namespace that has nothing but loopback, so ICE
# cannot use any other address (multicast routed to lo: webrtc-rs opens an mDNS socket and
# fails without a multicast-capable interface); INTEROP_NETNS=0 turns that off.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
[ -x /usr/bin/chromium ] || die "chromium is not installed (apt-get install chromium)"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
build_test_binaries
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
export PEERCALL_SIGNAL_BIN="${PEERCALL_SIGNAL_BIN:-$target/debug/peercall-signal}"
export PEERCALL_AGENT_BIN="${PEERCALL_AGENT_BIN:-$target/debug/peercall-agent}"
export PEERCALL_NETEM_BIN="${PEERCALL_NETEM_BIN:-$target/debug/peercall-netem}"
run=(node --test --test-concurrency=1 "$@" tests/interop/*.test.mjs)
# Under loss (tests/interop/lossy/): the same peers behind the real emulator, seeded.
lossy=(node --test --test-concurrency=1 "$@" tests/interop/lossy/*.test.mjs)
LOSSY_SPEC="delay 20ms 5ms distribution normal loss 5%"
if [ "${INTEROP_NETNS:-1}" = "1" ] && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  log "interop tests in a loopback-only network namespace"
  export INTEROP_NETNS=1
  status=0
  unshare -n bash -c 'ip link set lo up multicast on && ip route add 224.0.0.0/4 dev lo && exec "$@"' bash "${run[@]}" || status=$?
  log "interop tests under \"$LOSSY_SPEC\" (scripts/netem-run.sh)"
  NETEM_SEED="${NETEM_SEED:-5}" "$REPO_ROOT/scripts/netem-run.sh" "$LOSSY_SPEC" "${lossy[@]}" || status=$?
  exit "$status"
fi
[ "${CI:-}" != "true" ] || die "CI needs network namespaces for the interop tests (unshare -n failed)"
export INTEROP_NETNS=0
exec "${run[@]}"
