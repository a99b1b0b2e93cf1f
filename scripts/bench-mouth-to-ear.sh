#!/usr/bin/env bash
# Mouth-to-ear at the speaker, as the listener hears it: alice's tone microphone beeps on
# every whole second of the capture clock (crates/media/src/source/tone.rs); bob plays the
# call into a PulseAudio null sink of his own (PULSE_SINK) whose monitor parec records. Each
# beep onset's wall-clock time, modulo 1 s, is how long that beep took from capture to the
# speaker's output; bob's report says how much of it was spent before the speaker
# (avSync.mouthToEarMs: capture -> out of the jitter buffer). Loopback, no impairment.
# Usage: scripts/bench-mouth-to-ear.sh  (BENCH_BIN=dir of the binaries, default the debug
# build in CARGO_TARGET_DIR or target/; BENCH_SECONDS=12)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
# shellcheck source=/dev/null
source scripts/start-pulseaudio.sh >/dev/null
bin="${BENCH_BIN:-${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug}"
seconds="${BENCH_SECONDS:-12}"
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
PULSE_SINK="$sink" "$bin/peercall-agent" --server "ws://127.0.0.1:$port/ws" --name bob \
  --auto-answer --bind 127.0.0.1:0 --video none --speaker default --report json \
  >"$work/bob.json" 2>/dev/null &
bob=$!
start="$(date +%s.%N)"
parec -d "$sink.monitor" --format=s16le --channels=1 --rate=16000 --latency-msec=10 >"$work/rec.s16" &
pids+=($!)
"$bin/peercall-agent" --server "ws://127.0.0.1:$port/ws" --name alice --call bob \
  --duration "$seconds" --bind 127.0.0.1:0 --video none --audio tone --report json \
  >"$work/alice.json" 2>/dev/null
wait "$bob" || true
python3 - "$start" "$work/rec.s16" "$work/bob.json" <<'PY'
import json, math, statistics, struct, sys
start, rec, report = float(sys.argv[1]), sys.argv[2], sys.argv[3]
data = open(rec, "rb").read()
s = struct.unpack("<%dh" % (len(data) // 2), data)
W = 16  # 1 ms at 16 kHz
rms = [math.sqrt(sum(x * x for x in s[i:i + W]) / W) / 32767 for i in range(0, len(s) - W, W)]
onsets, quiet = [], 0
for i, r in enumerate(rms):
    if r > 0.25 and quiet >= 20:
        onsets.append(i)
    quiet = quiet + 1 if r < 0.25 else 0
heard = sorted(((start + i / 1000.0) % 1.0) * 1000 for i in onsets)
before = json.load(open(report)).get("avSync", {}).get("mouthToEarMs", {}).get("p50")
if not heard:
    sys.exit("no beep heard at the speaker")
print(f"beeps heard: {len(heard)}")
print(f"mouth-to-ear at the speaker p50 {statistics.median(heard):.0f} ms (min {heard[0]:.0f}, max {heard[-1]:.0f})")
print(f"of which before the speaker (capture -> out of the jitter buffer) p50 {before} ms")
PY
