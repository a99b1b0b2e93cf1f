#!/usr/bin/env bash
# Audio under emulated network impairment (issue 12): for each condition, one call of
# BENCH_SECONDS (30) between two agents playing the synthetic tone, with the signaling
# server and both agents inside ONE private network namespace whose loopback runs through
# peercall-netem (scripts/netem-run.sh; "delay 50ms" is applied to every packet once, so
# a 100 ms round trip). Both directions are measured from each agent's JSON report: what
# its jitter buffer concealed, rebuilt from FEC or from RED copies and time-stretched,
# its underruns, the audio it held (p50/p95), and silent runs in the decoded output.
# A benchmark, not a test.
#
#   scripts/bench-audio.sh            # as root (or with sudo): every condition
#
# Environment: BENCH_SECONDS (30), NETEM_SEED (1), BENCH_NO_BUILD=1 (use the binaries
# already in target/release), BENCH_ROWS (only conditions whose label contains one of
# these comma-separated words), BENCH_OUT (JSON lines, artifacts/bench-audio.json),
# BENCH_RES (the video size, 320x240). Audio packets are 10 ms at any size on these
# links: 320x240 caps the bandwidth estimate at 396 kbit/s, which is the call's own
# ceiling, not a thin link (`audio_packets.rs`, PacketLength::under_ceiling; before
# 98245bf such calls sent 20 ms packets). For the jitter buffer's own delay run the
# agents with PEERCALL_AUDIO_SYNC_WAIT=0 and PEERCALL_SYNC_TAIL_WAIT_MS=0 (the voice does
# not wait for video).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

export BENCH_SECONDS="${BENCH_SECONDS:-30}"
export NETEM_SEED="${NETEM_SEED:-1}"
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"

# Inside the namespace: the server and two agents; prints each agent's report as
# `REPORT <name> <json>`.
if [ "${1:-}" = "call" ]; then
  port=7788
  "$target/release/peercall-signal" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  common=(--server "ws://127.0.0.1:$port/ws" --bind 127.0.0.1:0 --resolution "${BENCH_RES:-320x240}"
          --audio tone --report json)
  bob_out="$(mktemp)" alice_out="$(mktemp)"
  RUST_LOG=warn "$target/release/peercall-agent" "${common[@]}" --name bob --auto-answer \
    >"$bob_out" &
  bob=$!
  RUST_LOG=warn "$target/release/peercall-agent" "${common[@]}" --name alice --call bob \
    --wait-peer 30 --duration "$BENCH_SECONDS" >"$alice_out" || true
  wait "$bob" || true
  for who in alice bob; do
    out="${who}_out"
    echo "REPORT $who $(tr -d '\n' <"${!out}")"
  done
  rm -f "$bob_out" "$alice_out"
  exit 0
fi

# label|netem spec ("" = the same namespace without the emulator)
MATRIX=(
  "clean loopback|"
  "5 % loss, 100 ms RTT|delay 50ms loss 5%"
  "5 % loss + 20 ms jitter|delay 50ms 20ms distribution normal loss 5%"
)
selected() {
  [ -z "${BENCH_ROWS:-}" ] && return 0
  local IFS=, w
  for w in $BENCH_ROWS; do
    case "$1" in *"$w"*) return 0 ;; esac
  done
  return 1
}

require_cargo
if [ "${BENCH_NO_BUILD:-0}" != "1" ]; then
  log "release build: peercall-signal, peercall-agent, peercall-netem"
  cargo build --release -p peercall-signal -p peercall-agent -p peercall-netem
fi
export PEERCALL_NETEM_BIN="$target/release/peercall-netem"
commit="$(git rev-parse --short HEAD)"
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || commit="$commit+dirty"
OUT="${BENCH_OUT:-artifacts/bench-audio.json}"
mkdir -p "$(dirname "$OUT")"
rows="$(mktemp)"
trap 'rm -f "$rows"' EXIT

log "commit $commit, ${BENCH_SECONDS} s per call, video ${BENCH_RES:-320x240}, seed $NETEM_SEED, load $(cut -d' ' -f1-3 /proc/loadavg)"
for row in "${MATRIX[@]}"; do
  label="${row%%|*}"
  spec="${row#*|}"
  selected "$label" || continue
  log "$label"
  scripts/netem-run.sh "$spec" "$0" call | sed -n 's/^REPORT //p' \
    | while read -r who json; do
        printf '{"commit":"%s","label":"%s","spec":"%s","receiver":"%s","report":%s}\n' \
          "$commit" "$label" "$spec" "$who" "$json"
      done | tee -a "$OUT" >>"$rows"
done

echo
echo "Commit $commit, ${BENCH_SECONDS} s per call, netem seed $NETEM_SEED; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
node - "$rows" <<'JS'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean);
const f = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : '–');
console.log('| condition | receiver | packets lost % | concealed % | FEC % | RED % | underruns/min | held p50 / p95 ms | stretch % | gaps > 60 ms | longest gap ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const l of lines) {
  const r = JSON.parse(l);
  const a = r.report.audio || {};
  const lost = a.packetsReceived ? (100 * a.packetsLost) / (a.packetsReceived + a.packetsLost) : null;
  console.log(`| ${r.label} | ${r.receiver} | ${f(lost)} | ${f(a.concealedPct, 2)} | ${f(a.fecPct, 2)} | ${f(a.redPct, 2)} | ${f(a.underrunsPerMin)} | ${f(a.bufferDelayMs?.p50, 0)} / ${f(a.bufferDelayMs?.p95, 0)} | ${f(a.stretchPct, 2)} | ${a.gapsOver60ms ?? '–'} | ${f(a.longestGapMs, 0)} |`);
}
JS
