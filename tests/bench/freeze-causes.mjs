// What each video freeze of a call was made of (issue 11), from an agent's log taken with
// RUST_LOG=info,peercall_engine=debug,peercall_engine::session::video_receiver=trace
// (e.g. BENCH_LOG_DIR=<dir> with scripts/bench-network.sh):
//
//   node tests/bench/freeze-causes.mjs <agent.log>...
//
// Per log: holes requested, filled, filled later than LATE_MS (a repair that missed its
// first round trip), and each freeze with what ended it:
// - "late hole": the frames released at its end waited for a hole filled late. Its request
//   times are printed: copies due 20 ms apart, then a retry a round trip after the last.
//   A gap well over those means the receive loop's 20 ms tick did not run (a stalled
//   process, not the network), and so does a fill within STALL_MS of a late request (the
//   repair had been waiting); "fill right after a request" flags the latter;
// - "no late hole": nothing on the network side (CPU stalls, frames the sender skipped).
// A script that prints figures; it asserts nothing.
import { readFileSync } from 'node:fs';

const LATE_MS = 160;
const STALL_MS = 2;
const WINDOW_MS = 400;

const stamp = (line) => Date.parse(line.slice(0, 27).replace(/Z?$/, 'Z'));

function parse(text) {
  const requests = new Map(); // seq -> [ms]
  const fills = []; // { at, seq, openMs, requests }
  const freezes = []; // { at, gapMs, text }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    let m = line.match(/video NACK due=\[([0-9, ]*)\]/);
    if (m) {
      const at = stamp(line);
      for (const s of m[1].split(',').map((x) => x.trim()).filter(Boolean)) {
        if (!requests.has(s)) requests.set(s, []);
        requests.get(s).push(at);
      }
      continue;
    }
    m = line.match(/video hole filled seq=(\d+) open_ms=(\d+) requests=(\d+)/);
    if (m) {
      fills.push({ at: stamp(line), seq: m[1], openMs: Number(m[2]), requests: Number(m[3]) });
      continue;
    }
    m = line.match(/video freeze: (\d+) ms without a new frame (.*)$/);
    if (m) freezes.push({ at: stamp(line), gapMs: Number(m[1]), text: m[2] });
  }
  return { requests, fills, freezes };
}

function cause(freeze, { requests, fills }) {
  const late = fills.filter((f) => f.openMs > LATE_MS && freeze.at - f.at >= 0 && freeze.at - f.at < WINDOW_MS);
  if (!late.length) return { kind: 'no late hole', detail: '' };
  const f = late[late.length - 1];
  const asked = requests.get(f.seq) ?? [];
  const first = asked[0] ?? f.at - f.openMs;
  const last = asked[asked.length - 1];
  const rightAfter = last !== undefined && f.at - last <= STALL_MS && f.at - last >= 0;
  const times = asked.map((t) => `+${Math.round(t - first)}`).join(' ');
  return {
    kind: rightAfter ? 'late hole, fill right after a request' : 'late hole',
    detail: `hole ${f.seq} open ${f.openMs} ms, requests at ${times} ms, filled at +${Math.round(f.at - first)} ms`,
  };
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: freeze-causes.mjs <agent.log>...');
  process.exit(2);
}
for (const file of files) {
  const log = parse(readFileSync(file, 'utf8'));
  const late = log.fills.filter((f) => f.openMs > LATE_MS).length;
  console.log(`${file}: ${log.requests.size} holes requested, ${log.fills.length} filled, ${late} later than ${LATE_MS} ms, ${log.freezes.length} freezes`);
  for (const fr of log.freezes) {
    const c = cause(fr, log);
    console.log(`  freeze ${fr.gapMs} ms ${fr.text}: ${c.kind}${c.detail ? ` (${c.detail})` : ''}`);
  }
}
