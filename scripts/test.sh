#!/usr/bin/env bash
# The whole suite: installs what the tests need, then formatting, lints, UI type-check and unit
# tests, every Rust test, the GUI tests under Xvfb, the browser interop tests with headless
# Chromium, and the .deb install test.
# Every step runs even when an earlier one failed; the exit code is non-zero if any failed.
#   --skip-deb   leave out the .deb build-and-install step (it packages the debug build;
#                PEERCALL_DEB_RELEASE=1 packages a release build); the step refuses to run
#                when the machine has its own Peercall installed
#
# Fast path while working on one crate (what CI runs for it, in seconds instead of minutes):
#   cargo fmt --all --check
#   cargo clippy -p <crate> --all-targets -- -D warnings
#   cargo test -p <crate> [--test <scenario>]
# and for the UI: (cd ui && npm run typecheck && npm test).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

skip_deb=0
for arg in "$@"; do
  case "$arg" in
    --skip-deb) skip_deb=1 ;;
    *) die "unknown option: $arg (usage: test.sh [--skip-deb])" ;;
  esac
done

"$REPO_ROOT/scripts/setup.sh" --test || die "setup failed"
cd "$REPO_ROOT"
mkdir -p artifacts

# CI builds everything once on a fresh machine: incremental state would only take disk
# (several GB for ~60 test binaries; one CI run ran out of space building the .deb).
if [ "${CI:-}" = "true" ]; then
  export CARGO_INCREMENTAL=0
fi
free_gb() { df -P --block-size=1G "${CARGO_TARGET_DIR:-$REPO_ROOT/target}" 2>/dev/null | awk 'NR==2 {print $4}'; }
[ -d "${CARGO_TARGET_DIR:-$REPO_ROOT/target}" ] || mkdir -p "${CARGO_TARGET_DIR:-$REPO_ROOT/target}"

passed=0
failed=0
failures=()
step() {
  local name="$1"; shift
  local start=$SECONDS
  log "[$name] $*"
  if "$@"; then
    passed=$((passed + 1))
    log "[$name] ok in $((SECONDS - start)) s ($(free_gb) GB free)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    log "[$name] FAILED after $((SECONDS - start)) s ($(free_gb) GB free)"
  fi
}

step fmt cargo fmt --all --check
# The UI build includes the TypeScript type-check; the app embeds ui/dist, so it comes first.
step ui-build npm --prefix ui run build --silent
step ui-test npm --prefix ui test --silent
step clippy cargo clippy --workspace --all-targets -- -D warnings
if [ -f scripts/start-pulseaudio.sh ]; then
  # Sets PULSE_SERVER / XDG_RUNTIME_DIR for cpal's real-device tests.
  # shellcheck source=/dev/null
  step pulseaudio source scripts/start-pulseaudio.sh
fi
step rust-tests cargo test --workspace
step gui-tests scripts/test-gui.sh
step interop-tests scripts/test-interop.sh
if [ "$skip_deb" -eq 0 ]; then
  # A release build needs ~3 GB. On a CI machine short of that, the debug build's test
  # binaries (no step after this one uses them) make room; a developer's machine is never
  # cleaned. The default debug package needs no room of its own.
  if [ "${CI:-}" = "true" ] && [ "${PEERCALL_DEB_RELEASE:-0}" = "1" ] && [ "$(free_gb)" -lt 6 ]; then
    log "only $(free_gb) GB free: removing the debug build before the release build"
    rm -rf "${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug"
  fi
  step deb tests/deb/test-deb.sh
fi

log "total time: ${SECONDS} s"
if [ "$failed" -ne 0 ]; then
  log "failed steps: ${failures[*]}"
fi
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
