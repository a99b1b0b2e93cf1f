#!/usr/bin/env bash
# Runs a command in a fresh network namespace whose only interface is a loopback that
# carries multicast: mDNS between processes inside works (the GUI test of LAN discovery),
# and nothing leaves the machine. Needs root (or unshare -n permission) and ip.
#
#   scripts/lan-ns-run.sh node --test tests/gui/lan/
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
if [ "${1:-}" != "--inside-namespace" ]; then
  exec unshare -n "$0" --inside-namespace "$@"
fi
shift
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
export PEERCALL_LAN_NS=1
exec "$@"
