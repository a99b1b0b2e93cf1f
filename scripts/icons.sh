#!/usr/bin/env bash
# Regenerates the app icons in icons/ from the one source image, icons/source.svg.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
node_modules/.bin/tauri icon icons/source.svg -o icons
# Linux desktop bundles use the PNGs (plus .ico/.icns for other platforms); drop mobile/Store sets.
rm -rf icons/android icons/ios icons/Square*Logo.png icons/StoreLogo.png
