#!/usr/bin/env bash
# Builds the .deb, installs it with apt, checks the desktop entry, icon and binary, starts the
# installed app under Xvfb and drives it over WebDriver, then removes the package.
# A Peercall the user installed themselves is left alone: the test refuses to start.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$REPO_ROOT"

# Installing over the user's own package and removing it afterwards would take their app away.
if dpkg-query -W -f='${Status}' peercall 2>/dev/null | grep -q 'install ok installed' \
  || [ -e /usr/bin/peercall ]; then
  die "Peercall is already installed on this machine (package peercall or /usr/bin/peercall); \
this test installs and then removes its own build, so it will not touch yours. Remove it first, \
or run scripts/test.sh --skip-deb."
fi

# The package is built from the debug build the earlier steps of the suite made (13 s here:
# only the app crate is rebuilt, with the UI embedded) unless PEERCALL_DEB_RELEASE=1: a release
# build took 11-14 min of CI's 50 on 2 cores, and what this test checks (the package's files,
# dependencies, desktop entry, start and removal) does not depend on the profile.
# `scripts/package.sh` alone builds the release package users install.
if [ "${PEERCALL_DEB_RELEASE:-0}" = "1" ]; then
  deb=$(scripts/package.sh | tail -1)
else
  deb=$(scripts/package.sh --debug | tail -1)
fi
[ -f "$deb" ] || die "package build produced no .deb"
pkg=$(dpkg-deb -f "$deb" Package)
log "installing $deb (package $pkg)"
cleanup() { as_root apt-get remove -y -q "$pkg" >/dev/null 2>&1 || true; }
trap cleanup EXIT
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb"

desktop=$(dpkg -L "$pkg" | grep '/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$desktop" ] || die "no desktop entry installed"
grep -q '^Exec=peercall' "$desktop" || die "desktop entry does not start peercall: $(cat "$desktop")"
grep -q '^Name=Peercall' "$desktop" || die "desktop entry is not named Peercall"
icon=$(dpkg -L "$pkg" | grep '/usr/share/icons/hicolor/.*/apps/.*\.png$' | head -1)
[ -n "$icon" ] || die "no icon installed"
log "desktop entry $desktop, icon $icon"
version=$(/usr/bin/peercall --version)
[[ "$version" == "peercall "* ]] || die "unexpected --version output: $version"
log "installed binary says: $version"

PEERCALL_APP=/usr/bin/peercall PEERCALL_ARTIFACTS="$REPO_ROOT/artifacts" \
  headless 1280x1024x24 timeout 300 node --test tests/deb/installed.test.mjs

as_root apt-get remove -y -q "$pkg"
trap - EXIT
[ ! -e /usr/bin/peercall ] || die "/usr/bin/peercall still present after removal"
[ ! -e "$desktop" ] || die "$desktop still present after removal"
log "package installed, started and removed cleanly"
