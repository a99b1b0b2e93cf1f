#!/usr/bin/env bash
# Quick start: installs whatever is missing, builds Peercall and opens its window.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh"
cd "$REPO_ROOT"
log "building the UI"
npm --prefix ui run build --silent
log "building and starting Peercall"
exec cargo run -p peercall -- "$@"
