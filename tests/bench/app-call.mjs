// The app's own cost in a call (issue 17): the real app (release build) under Xvfb answers a
// call from peercall-agent (test pattern, tone) at each size for APP_CALL_SECONDS, with the
// call view as a user sees it (remote picture large, self-view small). Reports per process
// (the app, its WebKitWebProcess, its WebKitNetworkProcess) CPU (100 = one core) and peak
// PSS, the app's busiest threads, remote frames drawn of those the bridge was given, the
// bridge latency (publish -> drawn), and the idle app (window open, no call). A Chromium <->
// Chromium call of the same size runs in the same session for the ratio (chromium-call.mjs).
// Env: APP_CALL_SECONDS (30), APP_CALL_SIZES (640x480,1280x720), APP_CALL_RUNS (2),
// APP_CALL_CHROMIUM (1; 0 skips it), APP_CALL_IDLE (1; 0 skips it). PEERCALL_APP_EXE: the app's
// binary when PEERCALL_APP is a wrapper that starts it (e.g. under heaptrack), so the app's
// process is still found by its executable.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { By, freshProfile, launchApp, screenshot, visible } from '../gui/harness.mjs';
import { firstRun } from '../gui/steps.mjs';
import { startAgent, startServer } from '../interop/harness.mjs';
import { chromiumCall, median } from './chromium-call.mjs';
import { childrenNamed, cpuSeconds, memoryMb, pidOfExe, threadCpuSeconds } from './procstat.mjs';

const SECONDS = Number(process.env.APP_CALL_SECONDS || 30);
const SIZES = (process.env.APP_CALL_SIZES || '640x480,1280x720').split(',');
const RUNS = Number(process.env.APP_CALL_RUNS || 2);
const WITH_CHROMIUM = process.env.APP_CALL_CHROMIUM !== '0';
const WITH_IDLE = process.env.APP_CALL_IDLE !== '0';
const APP = realpathSync(process.env.PEERCALL_APP_EXE || process.env.PEERCALL_APP);
const log = (...a) => console.error(...a);
const round = (x, d = 1) => (x === null || x === undefined ? null : Number(x.toFixed(d)));

/** The app's process family: the app and the WebKit processes it started. */
function family(appPid) {
  return {
    app: () => [appPid],
    web: () => childrenNamed(appPid, 'WebKitWebProcess'),
    network: () => childrenNamed(appPid, 'WebKitNetworkProcess'),
  };
}

/** Whether the web process paints with Mesa's software rasteriser (no GPU). */
function softwareGl(pids) {
  return pids.some((pid) => {
    try {
      return /swrast_dri|libgallium|llvmpipe/.test(readFileSync(`/proc/${pid}/maps`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** CPU % and peak PSS of each group over `ms` (memory read once a second), and the app's threads. */
async function measure(groups, appPid, ms) {
  const names = Object.keys(groups);
  const t0 = performance.now();
  const c0 = Object.fromEntries(names.map((k) => [k, cpuSeconds(groups[k]())]));
  const th0 = threadCpuSeconds(appPid);
  const peak = Object.fromEntries(names.map((k) => [k, 0]));
  while (performance.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 1000));
    for (const k of names) peak[k] = Math.max(peak[k], memoryMb(groups[k]()).pss);
  }
  const secs = (performance.now() - t0) / 1000;
  const th1 = threadCpuSeconds(appPid);
  const cpu = Object.fromEntries(names.map((k) => [k, round((100 * (cpuSeconds(groups[k]()) - c0[k])) / secs)]));
  const threads = Object.entries(th1)
    .map(([name, s]) => [name, round((100 * (s - (th0[name] ?? 0))) / secs)])
    .filter(([, p]) => p >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  // How many threads the app runs in the call (the frame path's own among them).
  const threadCount = readdirSync(`/proc/${appPid}/task`).length;
  return { secs, cpu, pss: Object.fromEntries(names.map((k) => [k, round(peak[k], 0)])), threads: Object.fromEntries(threads), threadCount };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

/** What the page and the bridge have counted so far. */
async function counters(driver) {
  return driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    window.peercallBench.produced().then((p) => done({ published: p.remotePublished, previewPublished: p.previewPublished,
      remote: window.peercallDebug.remote(), local: window.peercallDebug.local() }), (e) => done({ error: String(e) }));`);
}

function totals(m) {
  return { cpu: round(m.cpu.app + m.cpu.web + m.cpu.network), pss: round(m.pss.app + m.pss.web + m.pss.network, 0) };
}

async function appCall(size, n) {
  const port = 20000 + ((process.pid + n * 13) % 20000);
  const app = await launchApp(freshProfile(`bench-call-${n}`), { PEERCALL_LOCAL_PORT: String(port), PEERCALL_ICE_BIND: '127.0.0.1:0' });
  let agent;
  try {
    const { driver } = app;
    await firstRun(driver, 'Bob', { resolution: size });
    agent = startAgent([
      '--server', `ws://127.0.0.1:${port}/ws`, '--name', 'Alice', '--call', 'Bob', '--wait-peer', '30',
      '--duration', String(SECONDS + 25), '--video', 'test-pattern', '--audio', 'tone', '--resolution', size, '--fps', '30',
    ]);
    await visible(driver, '#incoming-dialog', 30000);
    await driver.findElement(By.css('#accept-call')).click();
    await driver.wait(async () => (await counters(driver)).remote.drawn > 60, 30000, 'no video from the agent');
    const appPid = pidOfExe(APP);
    if (!appPid) throw new Error(`no running ${APP}`);
    const groups = family(appPid);
    const before = await counters(driver);
    const m = await measure(groups, appPid, SECONDS * 1000);
    const after = await counters(driver);
    const drawn = after.remote.drawn - before.remote.drawn;
    const bridge = after.remote.bridgeLatencyMs.slice(-drawn).sort((a, b) => a - b);
    await screenshot(driver, `bench-app-call-${size}-${n}`);
    await driver.findElement(By.css('#hang-up')).click().catch(() => {});
    const report = await Promise.race([agent.report, new Promise((r) => setTimeout(() => r(null), 15000))]).catch(() => null);
    return {
      ...m,
      total: totals(m),
      softwareGl: softwareGl(groups.web()),
      published: after.published - before.published,
      drawn,
      selfViewDrawn: after.local.drawn - before.local.drawn,
      renderer: `${after.remote.renderer}/${after.local.renderer}`,
      failed: after.remote.failed + after.local.failed,
      previewPublished: after.previewPublished - before.previewPublished,
      drawnInto: `${after.remote.drawnWidth}x${after.remote.drawnHeight}`,
      bridgeMs: { p50: round(pct(bridge, 50)), p95: round(pct(bridge, 95)) },
      agentReceived: report?.video ? `${report.video.width}x${report.video.height}@${report.video.fps?.toFixed(1)}` : 'n/a',
    };
  } finally {
    agent?.child.kill('SIGKILL');
    await app.stop();
  }
}

async function appIdle() {
  const port = 20000 + ((process.pid + 7777) % 20000);
  const app = await launchApp(freshProfile('bench-idle'), { PEERCALL_LOCAL_PORT: String(port) });
  try {
    const { driver } = app;
    await firstRun(driver, 'Idle');
    await driver.wait(async () => /online/.test(await driver.findElement(By.css('#connection-status')).getAttribute('class')), 30000, 'never online');
    const appPid = pidOfExe(APP);
    if (!appPid) throw new Error(`no running ${APP}`);
    await new Promise((r) => setTimeout(r, 3000)); // let start-up work finish
    const m = await measure(family(appPid), appPid, SECONDS * 1000);
    return { ...m, total: totals(m) };
  } finally {
    await app.stop();
  }
}

const results = {};
let n = 0;
const server = WITH_CHROMIUM ? await startServer() : null;
try {
  if (WITH_IDLE) {
    log('idle app (window open, online, no call)…');
    results.idle = await appIdle();
    log(JSON.stringify(results.idle));
  }
  for (let r = 0; r < RUNS; r += 1) {
    for (const size of SIZES) {
      const configs = [['app', () => appCall(size, n)]];
      if (WITH_CHROMIUM) configs.push(['chromium', () => chromiumCall(server, size, { seconds: SECONDS, n })]);
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
  await server?.stop();
}

const fmt = (x, d = 0) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
console.log(`Medians of ${RUNS} run(s) of ${SECONDS} s; CPU 100 % = one core; PSS peak, MB.\n`);
console.log('| size | app total CPU | app / web / network CPU | app total PSS | app / web / network PSS | Chromium per peer CPU / PSS | CPU ratio | PSS ratio | remote drawn of published | self-view drawn | bridge p50 / p95 ms | agent received |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const size of SIZES) {
  const runs = results[`${size}|app`] || [];
  if (!runs.length) continue;
  const med = (f) => median(runs.map(f));
  const chrome = results[`${size}|chromium`] || [];
  const cc = median(chrome.map((x) => x.cpu));
  const cp = median(chrome.map((x) => x.pss));
  const cpu = med((x) => x.total.cpu);
  const pss = med((x) => x.total.pss);
  console.log(`| ${size} | ${fmt(cpu, 1)} % | ${fmt(med((x) => x.cpu.app), 1)} / ${fmt(med((x) => x.cpu.web), 1)} / ${fmt(med((x) => x.cpu.network), 1)} | ${fmt(pss)} | ${fmt(med((x) => x.pss.app))} / ${fmt(med((x) => x.pss.web))} / ${fmt(med((x) => x.pss.network))} | ${fmt(cc, 1)} % / ${fmt(cp)} | ${cc ? fmt(cpu / cc, 2) : 'n/a'} | ${cp ? fmt(pss / cp, 2) : 'n/a'} | ${runs.map((x) => `${x.drawn}/${x.published}`).join(', ')} | ${runs.map((x) => x.selfViewDrawn).join(', ')} | ${fmt(med((x) => x.bridgeMs.p50), 1)} / ${fmt(med((x) => x.bridgeMs.p95), 1)} | ${runs.map((x) => x.agentReceived).join(' ')} |`);
}
if (results.idle) {
  const i = results.idle;
  console.log(`\nIdle (window open, online, no call): app / web / network CPU ${i.cpu.app} / ${i.cpu.web} / ${i.cpu.network} % (total ${i.total.cpu} %), PSS ${i.pss.app} / ${i.pss.web} / ${i.pss.network} MB (total ${i.total.pss} MB).`);
}
const anyRun = Object.entries(results).find(([k]) => k.endsWith('|app'))?.[1]?.[0];
if (anyRun) console.log(`Web process painting with software GL (llvmpipe): ${anyRun.softwareGl}; renderer (remote/self-view): ${anyRun.renderer}; frames the renderer refused: ${anyRun.failed}; WEBKIT_DISABLE_DMABUF_RENDERER in this shell: ${process.env.WEBKIT_DISABLE_DMABUF_RENDERER ?? 'unset'}.`);
