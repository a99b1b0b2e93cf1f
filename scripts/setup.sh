#!/usr/bin/env bash
# Installs whatever is missing to build and run Peercall; with --test, also what the tests need.
# Idempotent: skips what is present. Works as root or through sudo.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/packages.sh"

TAURI_DRIVER_VERSION=2.1.0
want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) die "unknown option: $arg (usage: setup.sh [--test])" ;;
  esac
done

require_cargo
packages=("${BUILD_PACKAGES[@]}")
[ "$want_test" -eq 1 ] && packages+=("${TEST_PACKAGES[@]}")
apt_install_missing "${packages[@]}"
require_node
# The crates we build with a fix of ours (Cargo.toml's [patch.crates-io]).
"$REPO_ROOT/scripts/patch-deps.sh"

cd "$REPO_ROOT"
# npm ci only when the lockfile changed since the last install.
npm_ci_if_needed() {
  local dir="$1" stamp="$1/node_modules/.peercall-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
# One npm workspace at the root holds ui/ (the webview), tests/ and the Tauri CLI.
npm_ci_if_needed .

if [ "$want_test" -eq 1 ]; then
  if ! command -v tauri-driver >/dev/null 2>&1 || ! tauri-driver --version 2>/dev/null | grep -q "$TAURI_DRIVER_VERSION"; then
    log "installing tauri-driver $TAURI_DRIVER_VERSION"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION"
  fi
fi
log "setup complete"
