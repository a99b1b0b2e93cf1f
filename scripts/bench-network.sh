#!/usr/bin/env bash
# Calls under emulated network impairment (issue 11): for each row of the matrix, one
# 30 s call (BENCH_SECONDS) with the signaling server and both peers inside ONE private
# network namespace whose loopback runs through peercall-netem (scripts/netem-run.sh;
# "delay 50ms" is applied to every packet once, so a 100 ms round trip). Both directions
# of each call are measured. A benchmark, not a test: nothing asserts on timing.
#
#   scripts/bench-network.sh                  # agent <-> agent, 640x480, every row
#
# Output: JSON lines appended to artifacts/bench-network.json (BENCH_OUT), one per
# direction, with the commit; the Markdown table of this run on stdout.
#
# Environment:
#   BENCH_SECONDS  call length (30)
#   BENCH_SIZES    comma-separated sizes ("640x480"; e.g. "640x480,1280x720")
#   BENCH_PAIRS    comma-separated: agent-agent, agent-chromium, chromium-chromium
#                  ("agent-agent"; the Chromium pairs drive the web client, web/)
#   BENCH_ROWS     only the matrix rows whose label contains one of these
#                  comma-separated words (e.g. "clean,loss 5"; "=delay 50ms" is that
#                  label exactly)
#   BENCH_OUT      where the JSON lines go (artifacts/bench-network.json)
#   BENCH_NO_BUILD=1  use the binaries already in target/release
#   BENCH_REV      build that commit instead of the work tree (exported with git archive,
#                  built in BENCH_TARGET_DIR, default /tmp/peercall-bench-target, seeded
#                  from target/release), so the figures belong to exactly one commit
#   NETEM_SEED     the emulator's seed (default 1, so runs see the same losses)
#   BENCH_AGENT_ARGS  extra peercall-agent flags for every agent (e.g. "--fec=off" to
#                  compare; the table names them)
#   BENCH_LOG_DIR  keep each agent's log there (RUST_LOG chooses what it holds)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

SIZES="${BENCH_SIZES:-640x480}"
PAIRS="${BENCH_PAIRS:-agent-agent}"
OUT="${BENCH_OUT:-artifacts/bench-network.json}"
export BENCH_SECONDS="${BENCH_SECONDS:-30}"
export NETEM_SEED="${NETEM_SEED:-1}"

# label|netem spec ("" = the same namespace without the emulator)
MATRIX=(
  "clean loopback|"
  "delay 50ms|delay 50ms"
  "delay 50ms loss 2%|delay 50ms loss 2%"
  "delay 50ms loss 5%|delay 50ms loss 5%"
  "delay 50ms loss 10%|delay 50ms loss 10%"
  "delay 50ms loss 20%|delay 50ms loss 20%"
  "delay 50ms 20ms normal loss 5%|delay 50ms 20ms distribution normal loss 5%"
  "delay 50ms rate 500kbit|delay 50ms rate 500kbit"
)

require_cargo
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
commit="$(git rev-parse --short HEAD)"
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock web 2>/dev/null || commit="$commit+dirty"
bins=(-p peercall-signal -p peercall-agent -p peercall-netem)
if [ -n "${BENCH_REV:-}" ]; then
  commit="$(git rev-parse --short "$BENCH_REV")"
  src="$(mktemp -d)"
  git archive "$commit" | tar -x -C "$src"
  if [ -x "$src/scripts/patch-deps.sh" ]; then "$src/scripts/patch-deps.sh"; fi
  bench_target="${BENCH_TARGET_DIR:-/tmp/peercall-bench-target}"
  if [ ! -d "$bench_target/release" ] && [ -d "$target/release" ]; then
    mkdir -p "$bench_target"
    cp -a "$target/release" "$bench_target/"
  fi
  log "release build of $commit in $bench_target"
  (cd "$src" && CARGO_TARGET_DIR="$bench_target" cargo build --release "${bins[@]}")
  rm -rf "$src"
  target="$bench_target"
elif [ "${BENCH_NO_BUILD:-0}" != "1" ]; then
  log "release build: peercall-signal, peercall-agent, peercall-netem"
  cargo build --release "${bins[@]}"
else
  commit="$commit (prebuilt)"
fi
export PEERCALL_SIGNAL_BIN="$target/release/peercall-signal"
export PEERCALL_AGENT_BIN="$target/release/peercall-agent"
export PEERCALL_NETEM_BIN="$target/release/peercall-netem"
case ",$PAIRS," in
  *chromium*)
    [ -x /usr/bin/chromium ] || die "chromium is not installed (apt-get install chromium)"
    [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
    ;;
esac

export BENCH_COMMIT="$commit"
mkdir -p "$(dirname "$OUT")"
run_file="$(mktemp)"
trap 'rm -f "$run_file"' EXIT

selected() {
  [ -z "${BENCH_ROWS:-}" ] && return 0
  local IFS=, w
  for w in $BENCH_ROWS; do
    case "$w" in
      =*) [ "$1" = "${w#=}" ] && return 0 ;;
      *) case "$1" in *"$w"*) return 0 ;; esac ;;
    esac
  done
  return 1
}

log "commit $commit, ${BENCH_SECONDS} s per call, load $(cut -d' ' -f1-3 /proc/loadavg)"
IFS=, read -r -a sizes <<<"$SIZES"
IFS=, read -r -a pairs <<<"$PAIRS"
for pair in "${pairs[@]}"; do
  for size in "${sizes[@]}"; do
    for row in "${MATRIX[@]}"; do
      label="${row%%|*}"
      spec="${row#*|}"
      selected "$label" || continue
      log "$pair $size: $label"
      scripts/netem-run.sh "$spec" node tests/bench/bench-network.mjs cell \
        --pair "$pair" --label "$label" --spec "$spec" --size "$size" \
        | tee -a "$run_file" >>"$OUT" || log "cell failed: $pair $size $label"
    done
  done
done

echo
echo "Commit $commit, ${BENCH_SECONDS} s per call, netem seed $NETEM_SEED; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
node tests/bench/bench-network.mjs table "$run_file"
