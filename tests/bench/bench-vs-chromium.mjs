// Side-by-side: Chromium <-> Chromium (web client, libwebrtc) against peercall-agent <->
// peercall-agent (Peercall's stack), same machine, same signaling server, same
// resolutions at 30 fps, alternated and repeated. Prints a Markdown table of medians.
// Options (env): BENCH_SECONDS (30), BENCH_RUNS (3), BENCH_SIZES ("640x480,1280x720").
import { spawn } from 'node:child_process';
import { AGENT_BIN, startServer, stopChild } from '../interop/harness.mjs';
import { chromiumCall, median } from './chromium-call.mjs';
import { sample } from './procstat.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 30);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const SIZES = (process.env.BENCH_SIZES || '640x480,1280x720').split(',');
const log = (...a) => console.error(...a);

function agent(args) {
  const child = spawn(AGENT_BIN, ['--bind', '127.0.0.1:0', '--report', 'json', ...args], { env: { ...process.env, RUST_LOG: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  const connected = new Promise((res) => child.stderr.on('data', (d) => { err += d; if (/\bconnected\b/.test(err)) res(); }));
  const report = new Promise((res) => child.on('exit', () => { try { res(JSON.parse(out.slice(out.indexOf('{')))); } catch { res(null); } }));
  return { child, connected, report };
}

async function agentRun(server, size, n) {
  const common = ['--server', server.ws, '--resolution', size, '--fps', '30'];
  const callee = agent([...common, '--name', `ab-${n}`, '--auto-answer']);
  const caller = agent([...common, '--name', `aa-${n}`, '--call', `ab-${n}`, '--wait-peer', '30', '--duration', String(SECONDS + 2)]);
  try {
    await Promise.all([caller.connected, callee.connected]);
    const [sa, sb] = await Promise.all([sample(() => [caller.child.pid], SECONDS * 1000), sample(() => [callee.child.pid], SECONDS * 1000)]);
    const [ra, rb] = await Promise.all([caller.report, callee.report]);
    const g = [ra?.video?.latencyMs?.p50, rb?.video?.latencyMs?.p50].filter((x) => typeof x === 'number');
    return {
      setup: ra?.setupMs?.offerToFirstFrame ?? null,
      g2g: g.length ? g.reduce((x, y) => x + y) / g.length : null,
      cpu: (sa.cpu + sb.cpu) / 2,
      rss: (sa.rss + sb.rss) / 2,
      pss: (sa.pss + sb.pss) / 2,
      recv: `${ra?.video?.width}x${ra?.video?.height}@${ra?.video?.fps?.toFixed(1)}`,
      recvOther: `${rb?.video?.width}x${rb?.video?.height}@${rb?.video?.fps?.toFixed(1)}`,
    };
  } finally {
    callee.child.kill('SIGINT');
    await Promise.all([stopChild(caller.child), stopChild(callee.child)]);
  }
}

const fmt = (x, d = 0) => (x === null ? 'n/a' : x.toFixed(d));
const ratio = (p, c) => (p === null || c === null || c === 0 ? 'n/a' : (p / c).toFixed(2));

const server = await startServer();
const results = {}; // key -> [run]
let n = 0;
try {
  for (let r = 0; r < RUNS; r += 1) {
    for (const size of SIZES) {
      const configs = [['peercall', () => agentRun(server, size, n)], ['chromium', () => chromiumCall(server, size, { seconds: SECONDS, n })]];
      if (size === '1280x720') configs.push(['chromium maintain-resolution', () => chromiumCall(server, size, { degradation: 'maintain-resolution', seconds: SECONDS, n })]);
      // Alternate which stack goes first from one repetition to the next.
      if (r % 2) configs.reverse();
      for (const [name, run] of configs) {
        n += 1;
        log(`run ${r + 1}/${RUNS} ${size} ${name}…`);
        const res = await run();
        log(JSON.stringify(res));
        (results[`${size}|${name}`] ||= []).push(res);
      }
    }
  }
} finally {
  await server.stop();
}

const rows = [];
for (const size of SIZES) {
  const med = (name) => {
    const runs = results[`${size}|${name}`] || [];
    return { ...Object.fromEntries(['setup', 'g2g', 'cpu', 'rss', 'pss'].map((k) => [k, median(runs.map((x) => x[k]))])), recv: runs.map((x) => x.recv).join(' ') };
  };
  const p = med('peercall');
  const names = ['chromium', ...(size === '1280x720' ? ['chromium maintain-resolution'] : [])];
  rows.push(`| ${size} | Peercall | ${fmt(p.setup)} | ${fmt(p.g2g)} | ${fmt(p.cpu, 1)} | ${fmt(p.rss)} | ${fmt(p.pss)} | ${p.recv} |`);
  for (const name of names) {
    const c = med(name);
    rows.push(`| ${size} | ${name} | ${fmt(c.setup)} | ${fmt(c.g2g)} | ${fmt(c.cpu, 1)} | ${fmt(c.rss)} | ${fmt(c.pss)} | ${c.recv} |`);
    rows.push(`| ${size} | ratio Peercall/${name} | ${ratio(p.setup, c.setup)} | ${ratio(p.g2g, c.g2g)} | ${ratio(p.cpu, c.cpu)} | ${ratio(p.rss, c.rss)} | ${ratio(p.pss, c.pss)} | |`);
  }
}
console.log(`Medians of ${RUNS} runs of ${SECONDS} s each, per peer (two peers per call).\n`);
console.log('| size | stack | offer→first frame ms | glass-to-glass ms | CPU % | RSS MB | PSS MB | caller received WxH@fps per run |');
console.log('|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
