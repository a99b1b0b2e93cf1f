#!/usr/bin/env bash
# Mouth-to-ear at the speaker, as the listener hears it: alice's tone microphone beeps on
# every whole second of the capture clock (crates/media/src/source/tone.rs); bob plays the
# call into a PulseAudio null sink of his own (PULSE_SINK) and records its monitor himself
# (`--speaker-monitor auto`, parec): each beep heard there against its capture time, and
# against the same beep out of his jitter buffer (the speaker's share). Loopback, no
# impairment. Mid-call, PulseAudio's own account of bob's stream (`pactl list
# sink-inputs`: the stream's buffer and the sink's latency) is printed beside it.
# Usage: scripts/bench-mouth-to-ear.sh
#   BENCH_NO_BUILD=1   use the release binaries in CARGO_TARGET_DIR (else build them)
#   BENCH_BIN=dir      use the binaries in dir instead (e.g. a debug build)
#   BENCH_SECONDS=12   call length;  BENCH_RUNS=1  calls in a row
#   BENCH_BOB_ENV="PULSE_LATENCY_MSEC=30 PEERCALL_SPEAKER_PERIOD=512 ..."  bob's
#     environment, to try a speaker setting (crates/engine/src/engine/audio_out/options.rs)
#   BENCH_LOAD=N       N busy loops in bob's session while he plays (holes under load)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
# shellcheck source=/dev/null
source scripts/start-pulseaudio.sh >/dev/null
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
if [ -z "${BENCH_BIN:-}" ] && [ "${BENCH_NO_BUILD:-0}" != "1" ]; then
  log "release build: peercall-signal, peercall-agent"
  cargo build --release -p peercall-signal -p peercall-agent
fi
bin="${BENCH_BIN:-$target/release}"
seconds="${BENCH_SECONDS:-12}"
runs="${BENCH_RUNS:-1}"
read -r -a bob_env <<<"${BENCH_BOB_ENV:-}"
work="$(mktemp -d)"
sink="m2e_bob_$$"
module="$(pactl load-module module-null-sink "sink_name=$sink")"
port=$((30000 + $$ % 20000))
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  pactl unload-module "$module" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin/peercall-signal" --port "$port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "load: $(uptime)"
echo "bob's environment: ${BENCH_BOB_ENV:-(defaults)}"
for run in $(seq "$runs"); do
  # setsid: bob in a session of his own, with BENCH_LOAD busy loops in it (Linux's
  # autogroup schedules a session as one: the app's webviews share it the same way).
  env ${bob_env[@]+"${bob_env[@]}"} PULSE_SINK="$sink" RUST_LOG="${BENCH_BOB_LOG:-warn}" \
    setsid bash -c 'loops=(); for _ in $(seq "$1"); do (while :; do :; done) & loops+=($!); done
      shift; "$@"; rc=$?; [ ${#loops[@]} -eq 0 ] || kill "${loops[@]}"; exit $rc' _ "${BENCH_LOAD:-0}" \
    "$bin/peercall-agent" --server "ws://127.0.0.1:$port/ws" --name bob \
    --auto-answer --bind 127.0.0.1:0 --video none --speaker default --speaker-monitor auto \
    --report json >"$work/bob.json" 2>"$work/bob.log" &
  bob=$!
  (sleep $((seconds / 2 + 2)); pactl list sink-inputs >"$work/inputs.txt" 2>&1) &
  probe=$!
  "$bin/peercall-agent" --server "ws://127.0.0.1:$port/ws" --name alice --call bob \
    --duration "$seconds" --bind 127.0.0.1:0 --video none --audio tone --report json \
    >"$work/alice.json" 2>/dev/null
  wait "$bob" || true
  wait "$probe" || true
  sink_index="$(pactl list short sinks | awk -v s="$sink" '$2 == s {print $1}')"
  python3 - "$run" "$work/bob.json" "$work/inputs.txt" "$sink_index" <<'PY'
import json, re, sys
run, report, inputs, sink_index = sys.argv[1:5]
r = json.load(open(report))
av = r.get("avSync", {})
sp = av.get("speaker") or {}
tap = av.get("mouthToEarMs", {})
m2e, share = sp.get("mouthToEarMs", {}), sp.get("shareMs", {})
def f(v):
    return "-" if v is None else f"{v:.0f}"
print(f"run {run}: beeps heard at the speaker {sp.get('beeps')} (matched {sp.get('matched')})"
      + (f", error: {sp['error']}" if sp.get("error") else ""))
print(f"  mouth-to-ear at the speaker p50 {f(m2e.get('p50'))} / p95 {f(m2e.get('p95'))} ms;"
      f" out of the jitter buffer p50 {f(tap.get('p50'))} / p95 {f(tap.get('p95'))} ms;"
      f" the speaker's share p50 {f(share.get('p50'))} / p95 {f(share.get('p95'))} ms")
a = r.get("audio", {})
print(f"  jitter buffer held p50 {f(a.get('bufferDelayMs', {}).get('p50'))} ms,"
      f" underruns {a.get('underruns')}, gaps {a.get('gaps')}, longest {f(a.get('longestGapMs'))} ms")
# PulseAudio's account of bob's stream (the one on his sink), mid-call.
for block in open(inputs).read().split("Sink Input #")[1:]:
    if not re.search(r"^\s*Sink: " + re.escape(sink_index) + r"\s*$", block, re.M):
        continue
    for key in ("Buffer Latency", "Sink Latency"):
        for m in re.finditer(key + r": (\d+) usec", block):
            print(f"  PulseAudio: {key.lower()} {int(m.group(1)) / 1000:.1f} ms")
PY
  # With BENCH_BOB_LOG=peercall_engine::engine::audio_out=debug: the speaker's queue and
  # the engine's own account of its latency, each second.
  grep -E "speaker|underrun|xrun" "$work/bob.log" | tail -"${BENCH_LOG_LINES:-4}" || true
done
