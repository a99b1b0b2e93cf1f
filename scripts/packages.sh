# Debian package lists. Source it; do not run it.
# shellcheck shell=bash

# Building and running the app (Tauri 2 + the media core).
BUILD_PACKAGES=(
  build-essential pkg-config curl wget file patch
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  libasound2-dev libvpx-dev libopus-dev libclang-dev clang
)

# Running the test suite: virtual display, WebDriver, audio without a sound card, Chromium,
# network namespaces and iptables-legacy's NFQUEUE for peercall-netem (scripts/netem-run.sh),
# coturn and conntrack for the NAT lab (crates/agent/tests/common/natlab.rs), x11-utils
# (xwininfo, xprop) and python3 for closing a window as a user does (tests/gui/harness.mjs).
TEST_PACKAGES=(
  xvfb xauth dbus-daemon dbus-x11 webkit2gtk-driver
  pulseaudio pulseaudio-utils libasound2-plugins alsa-utils
  chromium chromium-driver
  iproute2 util-linux
  iptables
  coturn conntrack
  x11-utils python3
)
