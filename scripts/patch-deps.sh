#!/usr/bin/env bash
# Unpacks the published crates Peercall carries a fix for into .deps/ and applies our
# patches/<crate>-<version>-*.patch to them; Cargo.toml's [patch.crates-io] builds them from
# there. Only our patches live in this repository; each crate comes from the cargo cache or
# crates.io and must match the sha256 below (crates.io's own checksum of that release).
# Idempotent: a crate is unpacked again only when its patches changed. setup.sh runs it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

# name version sha256-of-the-.crate
CRATES=(
  "rtc-dtls 0.21.1 0a2fe5767d6caf61018d52189b3b8e37075799eeb81cd5ab452307c7e7ebd97e"
  "rtc-ice 0.21.1 099984f1be120b2e5692f232f8cbb82e53f6b4261c5c2eeda5be6223ba1adaa9"
  "rtc 0.21.1 4e2ca201de5ccc83aa3c08d49a2f08d7ed0aeeb2052fb1ccc517a8b77a6927ce"
)

for entry in "${CRATES[@]}"; do
  read -r name version sum <<<"$entry"
  dir=".deps/$name-$version"
  patches=(patches/"$name-$version"-*.patch)
  stamp="$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)"
  if [ -f "$dir/.peercall-patched" ] && [ "$(cat "$dir/.peercall-patched")" = "$stamp" ]; then
    continue
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  crate="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$name-$version.crate" 2>/dev/null | head -n 1 || true)"
  if [ -z "$crate" ]; then
    log "downloading $name $version from crates.io"
    crate="$tmp/$name-$version.crate"
    curl -fsSL --retry 3 -o "$crate" "https://static.crates.io/crates/$name/$name-$version.crate"
  fi
  echo "$sum  $crate" | sha256sum -c --quiet - || die "$crate is not crates.io's $name $version"
  tar -xzf "$crate" -C "$tmp"
  for p in "${patches[@]}"; do
    patch -s -p1 -F0 --no-backup-if-mismatch -d "$tmp/$name-$version" <"$p" || die "$p does not apply"
  done
  echo "$stamp" >"$tmp/$name-$version/.peercall-patched"
  mkdir -p .deps
  rm -rf "$dir"
  mv "$tmp/$name-$version" "$dir"
  rm -rf "$tmp"
  log "$name $version unpacked into $dir with ${#patches[@]} patch(es)"
done
