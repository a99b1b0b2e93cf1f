#!/usr/bin/env bash
# What WebKitGTK's web process pays per 720p frame drawn into a 1051x591 2D canvas (the call
# view's remote picture), issue 17: "vp8" = the page decodes VP8 itself (WebCodecs
# VideoDecoder, 30 chunks a second) and draws each VideoFrame; "i420" = the page builds a
# VideoFrame from a fresh 1.4 MB I420 buffer (what the bridge's frames become, without the
# WebSocket) and draws it. MiniBrowser on its own Xvfb, DMA-BUF renderer off (as the app
# runs without a GPU); CPU per process over 20 s after 10 s of warm-up, and the frames the
# page drew. Usage: tests/bench/webkit-vp8/run.sh [vp8|i420]... (default: vp8 i420).
# Env: WEBKIT_VP8_DISPLAY (:117), WEBKIT_VP8_PORT (18917).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
disp="${WEBKIT_VP8_DISPLAY:-:117}"
port="${WEBKIT_VP8_PORT:-18917}"
mini=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
work="$(mktemp -d)"
trap 'kill "${http:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cc -O2 "$here/gen-frames.c" -lvpx -o "$work/gen-frames"
cp "$here/page.html" "$work/"
(cd "$work" && ./gen-frames)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
http=$!
sleep 1
# CPU ticks (user + system) of a process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
for mode in "${@:-vp8 i420}"; do
  for m in $mode; do
    Xvfb "$disp" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb=$!
    sleep 1
    DISPLAY="$disp" WEBKIT_DISABLE_DMABUF_RENDERER=1 "$mini" -f "http://127.0.0.1:$port/page.html#$m" >"$work/mini-$m.log" 2>&1 &
    mb=$!
    sleep 10
    pids="$mb $(pgrep -P "$mb" | tr '\n' ' ')"
    declare -A t0=()
    for p in $pids; do t0[$p]=$(ticks "$p"); done
    title0=$(DISPLAY="$disp" xwininfo -root -tree | grep -o "\"$m drawn [0-9]*" | grep -o '[0-9]*$' || echo 0)
    start=$(date +%s.%N)
    sleep 20
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    title1=$(DISPLAY="$disp" xwininfo -root -tree | grep -o "\"$m drawn [0-9]*" | grep -o '[0-9]*$' || echo 0)
    echo "mode $m, load $(cut -d' ' -f1 /proc/loadavg), frames drawn in ${secs%.*} s: $((title1 - title0))"
    for p in $pids; do
      printf '  %-16s CPU %5.1f %%  PSS %5.0f MB\n' "$(cat /proc/"$p"/comm)" \
        "$(echo "($(ticks "$p") - ${t0[$p]}) / $secs" | bc -l)" \
        "$(awk '/^Pss:/{print $2/1024}' /proc/"$p"/smaps_rollup)"
    done
    kill "$mb"; wait "$mb" 2>/dev/null || true
    kill "$xvfb"; wait "$xvfb" 2>/dev/null || true
  done
done
