# Shared helpers for Peercall's scripts. Source it; do not run it.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are not installed yet (idempotent, quiet when nothing is missing).
apt_install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get -o DPkg::Lock::Timeout=600 update -q
  as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}"
}

# Finds cargo; on distributions that package rustup (Ubuntu 24.04, Debian 13) installs it.
require_cargo() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1 && apt-cache show rustup >/dev/null 2>&1; then
    apt_install_missing rustup
    rustup default stable
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup (https://rustup.rs) and rerun"
  # A minimal rustup profile lacks the formatter and linter the test command runs.
  if command -v rustup >/dev/null 2>&1; then
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
  fi
}

require_node() {
  command -v npm >/dev/null 2>&1 || apt_install_missing nodejs npm
}

# Runs a command on a virtual X display (screen geometry first, e.g. 1280x1024x24) with its own
# D-Bus session bus, as a desktop session has. Without one, the first GTK app autolaunches a bus
# inside its own process group; killing that group (the GUI harness does, to end an app) takes
# the bus away, and GLib then ends every other app with SIGTERM. The chatter of the bus daemon
# and of the desktop portal it activates (it finds no GTK portal backend here) is filtered out.
headless() {
  local screen=$1
  shift
  dbus-run-session -- xvfb-run -a -s "-screen 0 $screen" "$@" 2> >(grep --line-buffered -v -E '^dbus-daemon\[|xdg-desktop-portal' >&2)
}

# The debug binaries the GUI and the interop tests start, built by one command so that the
# second script finds them built: cargo resolves features for the set of packages it is
# given, and the two scripts' different sets rebuilt ~80 shared crates (on a fresh clone the
# interop step took 530 s, most of it recompiling what the GUI step had just built).
# The app's crate needs the UI built (ui/dist).
build_test_binaries() {
  [ -f "$REPO_ROOT/ui/dist/index.html" ] || npm --prefix "$REPO_ROOT/ui" run build --silent
  cargo build -p peercall -p peercall-agent -p peercall-netem -p peercall-discovery -p peercall-signal
}
