#!/usr/bin/env bash
# Builds the Debian package: dist/peercall_<version>_amd64.deb (release build, UI embedded).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh"
cd "$REPO_ROOT"
node_modules/.bin/tauri build --bundles deb "$@"
profile=release
for arg in "$@"; do [ "$arg" = "--debug" ] && profile=debug; done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
built=$(ls -t "${CARGO_TARGET_DIR:-target}/$profile/bundle/deb/"*_"${version}"_amd64.deb | head -1)
mkdir -p dist
out="dist/peercall_${version}_amd64.deb"
cp "$built" "$out"
log "built $out"
echo "$out"
