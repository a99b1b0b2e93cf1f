#!/usr/bin/env bash
# Runs a command under emulated network conditions (netem's syntax) in a private network
# namespace: only loopback, every packet on it handed by an iptables NFQUEUE rule to
# peercall-netem, which drops or delays it (docs/netem.md).
#
#   scripts/netem-run.sh "delay 50ms 10ms distribution normal loss 2%" <command> [args...]
#   scripts/netem-run.sh "" <command> [args...]      # the same namespace, no impairment
#
# Every packet on lo crosses the rule once, so "delay 50ms" gives a 100 ms round trip between
# two processes inside. Exits with the command's status; prints the emulator's one-line
# summary to stderr afterwards.
#
# Environment: NETEM_SEED (seed), NETEM_QUEUE (queue number, default 0), NETEM_PROTO (impair only
# this protocol, e.g. "udp": the media path, leaving TCP such as WebDriver and the app's local
# frame bridge unimpaired; default every packet), NETEM_STATS_JSON
# (write the emulator's statistics there), PEERCALL_NETEM_BIN (the emulator; default
# target/release/peercall-netem, else target/debug/peercall-netem). Needs root (or sudo),
# unshare, ip and iptables-legacy (Debian's iptables package).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# ip and iptables-legacy live in sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

if [ "${1:-}" != "--inside-namespace" ]; then
  [ $# -ge 2 ] || die "usage: $0 \"<netem spec>\" <command> [args...]"
  spec=$1
  if [ -n "${spec//[[:space:]]/}" ]; then
    if [ -z "${PEERCALL_NETEM_BIN:-}" ]; then
      target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
      for candidate in "$target/release/peercall-netem" "$target/debug/peercall-netem"; do
        if [ -x "$candidate" ]; then PEERCALL_NETEM_BIN=$candidate; break; fi
      done
      [ -n "${PEERCALL_NETEM_BIN:-}" ] ||
        die "peercall-netem not built: cargo build --release -p peercall-netem (or set PEERCALL_NETEM_BIN)"
    fi
    [ -x "$PEERCALL_NETEM_BIN" ] || die "PEERCALL_NETEM_BIN=$PEERCALL_NETEM_BIN is not an executable"
    # Reject a bad spec here, with the emulator's message, before touching the network.
    read -ra words <<<"$spec"
    "$PEERCALL_NETEM_BIN" --check -- "${words[@]}" >/dev/null || exit 2
    command -v iptables-legacy >/dev/null 2>&1 ||
      die "iptables-legacy not found (apt-get install iptables)"
    export PEERCALL_NETEM_BIN
  fi
  command -v unshare >/dev/null 2>&1 || die "unshare not found (apt-get install util-linux)"
  self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
  if [ "$(id -u)" -eq 0 ]; then
    exec unshare -n -- "$self" --inside-namespace "$@"
  fi
  # Not root: the namespace and its rule need root; the command runs as the caller again.
  command -v sudo >/dev/null 2>&1 || die "needs root, or sudo, for the network namespace and its iptables rule"
  exec sudo --preserve-env -- unshare -n -- "$self" --inside-namespace --as-user "$(id -u):$(id -g)" "$@"
fi

# Inside the namespace, as root.
shift
as_user=""
if [ "${1:-}" = "--as-user" ]; then
  as_user=$2
  shift 2
fi
spec=$1
shift
# Tests that must only run impaired look for this.
export PEERCALL_NETEM_SPEC="$spec"

ip link set lo up multicast on
# webrtc-rs opens an mDNS socket and fails without a multicast route.
ip route add 224.0.0.0/4 dev lo

netem_pid=""
workdir=""
cleanup() {
  if [ -n "$netem_pid" ] && kill -0 "$netem_pid" 2>/dev/null; then
    kill -TERM "$netem_pid" 2>/dev/null || true
    wait "$netem_pid" 2>/dev/null || true
  fi
  [ -z "$workdir" ] || rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${spec//[[:space:]]/}" ]; then
  # A packet the emulator holds still counts against its socket, as if it had not left the
  # host, and TCP autocorking then holds the socket's next small write until it is released:
  # a signaling message sent right behind another waited out the whole emulated delay (50 ms
  # per hop at "delay 50ms"; the callee's answer came up to 75 ms late). On a real path a
  # packet leaves the host at once; so here too (this namespace's setting only).
  sysctl -qw net.ipv4.tcp_autocorking=0 || log "cannot turn TCP autocorking off; signaling may queue behind delayed packets"
  queue="${NETEM_QUEUE:-0}"
  workdir="$(mktemp -d)"
  args=(--queue "$queue" --ready-file "$workdir/ready")
  [ -z "${NETEM_SEED:-}" ] || args+=(--seed "$NETEM_SEED")
  [ -z "${NETEM_STATS_JSON:-}" ] || args+=(--stats-json "$NETEM_STATS_JSON")
  # --queue-bypass: if the emulator is not there (not yet, or no more), packets flow unimpaired.
  match=()
  [ -z "${NETEM_PROTO:-}" ] || match=(-p "$NETEM_PROTO")
  iptables-legacy -w -I OUTPUT -o lo "${match[@]}" -j NFQUEUE --queue-num "$queue" --queue-bypass
  if command -v ip6tables-legacy >/dev/null 2>&1; then
    ip6tables-legacy -w -I OUTPUT -o lo "${match[@]}" -j NFQUEUE --queue-num "$queue" --queue-bypass
  fi
  read -ra words <<<"$spec"
  "$PEERCALL_NETEM_BIN" "${args[@]}" -- "${words[@]}" &
  netem_pid=$!
  # Wait until the queue is bound (the emulator writes the ready file), or it died.
  for _ in $(seq 1 1000); do
    [ -e "$workdir/ready" ] && break
    kill -0 "$netem_pid" 2>/dev/null || { wait "$netem_pid" || true; die "peercall-netem exited before binding queue $queue"; }
    sleep 0.01
  done
  [ -e "$workdir/ready" ] || die "peercall-netem did not bind queue $queue within 10 s"
fi

status=0
if [ -n "$as_user" ]; then
  setpriv --reuid="${as_user%%:*}" --regid="${as_user##*:}" --init-groups -- "$@" || status=$?
else
  "$@" || status=$?
fi
exit "$status"
