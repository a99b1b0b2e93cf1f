// Network-impairment bench (issue 11). Two modes:
//
//   node tests/bench/bench-network.mjs cell --pair agent-agent --label "2 % loss" --size 640x480
//     Runs ONE call in the current network namespace (scripts/bench-network.sh starts it
//     inside scripts/netem-run.sh "<netem spec>"): the signaling server plus two peers,
//     for BENCH_SECONDS (30). Prints one JSON line per direction of the call.
//     --pair: agent-agent | agent-chromium (the agent calls the web client in Chromium)
//     | chromium-chromium.
//   node tests/bench/bench-network.mjs table <file.json>
//     Prints the JSON lines of a run as a Markdown table, one row per direction.
//   node tests/bench/bench-network.mjs summary <file.json> [commit]
//     The same, one row per call: each column "first direction / second direction"
//     (the caller's sending direction first), for BENCHMARKS.md.
//
// A benchmark, not a test: nothing here asserts on timing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { AGENT_BIN, join, launchBrowser, startServer, startAgent, stopChild } from '../interop/harness.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 30);
const log = (...a) => console.error('[bench-network]', ...a);
// BENCH_LOG_DIR: keep each agent's log (its last 200 kB of stderr; set RUST_LOG to choose).
const keepLog = (name, text) => {
  mkdirSync(process.env.BENCH_LOG_DIR, { recursive: true });
  writeFileSync(`${process.env.BENCH_LOG_DIR}/${name.replace(/[^\w.-]+/g, '_')}.log`, text);
};
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function median(xs) {
  const v = xs.filter((x) => num(x) !== null).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function percentile(xs, p) {
  const v = xs.filter((x) => num(x) !== null).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length))) - 1];
}

function parseArgs(argv) {
  const o = { pair: 'agent-agent', label: '', spec: '', size: '640x480' };
  for (let i = 0; i < argv.length; i += 1) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    o[k] = argv[i + 1] ?? '';
    i += 1;
  }
  return o;
}

// ---------- agent <-> agent ----------

/** One direction, from the receiver's and the sender's agent reports. */
function agentDirection(rx, tx, setupFrom) {
  const v = rx?.video ?? {};
  const s = tx?.video ?? {};
  return {
    ok: rx?.result === 'ok',
    result: rx?.result ?? null,
    reason: rx?.reason ?? null,
    fpsRendered: num(v.renderedFps?.call ?? v.fps),
    fpsMin: num(v.renderedFps?.min),
    fpsMedian: num(v.renderedFps?.median),
    framesRendered: v.framesRendered ?? v.framesReceived ?? null,
    framesSent: s.framesSent ?? null,
    freezes: v.freezes?.count ?? null,
    freezeSeconds: num(v.freezes?.totalSeconds),
    g2gP50: num(v.glassToGlassMs?.p50 ?? v.latencyMs?.p50),
    g2gP95: num(v.glassToGlassMs?.p95 ?? v.latencyMs?.p95),
    // Capture → decoded (the rest of g2g is the wait for the frame's render time).
    decodedP50: num(v.latencyMs?.p50),
    decodedP95: num(v.latencyMs?.p95),
    playoutDelayP50: num(v.playoutDelayMs?.p50),
    playoutDelayP95: num(v.playoutDelayMs?.p95),
    offerToConnectedMs: num(setupFrom?.setupMs?.offerToConnected),
    offerToFirstFrameMs: num(rx?.setupMs?.offerToFirstFrame),
    resolution: v.width ? `${v.width}x${v.height}` : null,
    sentResolution: s.sentWidth ? `${s.sentWidth}x${s.sentHeight}` : null,
    nacksSent: v.nacksSent ?? null,
    nackPacketsRequested: v.nackPacketsRequested ?? null,
    packetsRepaired: v.packetsRepaired ?? null,
    // Late frames the receiver skipped (discardable ones the next frame did not need).
    framesSkipped: v.framesSkipped ?? null,
    plisSent: v.plisSent ?? v.keyframeRequestsSent ?? null,
    plisReceived: s.plisReceived ?? null,
    keyframeRequestsAnswered: s.keyframeRequestsReceived ?? null,
    retransmitsSent: s.retransmittedPacketsSent ?? null,
    retransmitsReceived: v.retransmittedPacketsReceived ?? null,
    fecSent: s.fecPacketsSent ?? null,
    fecRecovered: v.fecRecovered ?? null,
    targetKbps: s.targetKbps ?? null,
    targetKbpsMedian: s.targetKbpsMedian ?? null,
    targetKbpsMin: s.targetKbpsMin ?? null,
    sentKbps: num(s.sentKbps),
    rttMs: num(rx?.network?.rttMsMedian ?? rx?.network?.rttMs),
    receiverCpuPercent: num(rx?.cpuPercent),
    // Lip sync at this receiver (issue 12): video minus audio playout of one capture instant.
    avOffsetP50: num(rx?.avSync?.offsetMs?.p50),
    avOffsetAbsP95: num(rx?.avSync?.offsetAbsP95Ms),
    avSamples: rx?.avSync?.samples ?? null,
    mouthToEarP50: num(rx?.avSync?.mouthToEarMs?.p50),
    // The receiver's jitter buffer on that path (audio held p50, its target at the end).
    audioHeldP50: num(rx?.audio?.bufferDelayMs?.p50),
    audioTargetMs: num(rx?.audio?.targetDelayMs),
    audioConcealedPct: num(rx?.audio?.concealedPct),
    syncVideoMs: num(rx?.avSync?.videoDelayMs),
    syncAudioMs: num(rx?.avSync?.audioDelayMs),
  };
}

// BENCH_AGENT_ARGS: extra agent flags (space-separated, e.g. "--fec=off"), for both agents.
const AGENT_ARGS = (process.env.BENCH_AGENT_ARGS || '').split(' ').filter(Boolean);

async function agentAgent(server, o) {
  const common = ['--server', server.ws, '--resolution', o.size, '--fps', '30', '--video', 'test-pattern', '--audio', 'tone', ...AGENT_ARGS];
  const callee = startAgent([...common, '--name', 'bob', '--auto-answer']);
  const caller = startAgent([...common, '--name', 'alice', '--call', 'bob', '--wait-peer', '30', '--duration', String(SECONDS)]);
  const guard = setTimeout(() => { caller.child.kill('SIGINT'); callee.child.kill('SIGINT'); }, (SECONDS + 90) * 1000);
  try {
    const a = await caller.report.catch((e) => { log(String(e).slice(0, 2000)); return null; });
    // The callee's call ends with the caller's hang-up; give it a moment, then ask it to stop.
    const stopCallee = setTimeout(() => callee.child.kill('SIGINT'), 15000);
    const b = await callee.report.catch((e) => { log(String(e).slice(0, 2000)); return null; });
    clearTimeout(stopCallee);
    for (const [who, r, p] of [['alice', a, caller], ['bob', b, callee]]) {
      if (r?.result !== 'ok') log(`${who}: ${JSON.stringify({ result: r?.result, reason: r?.reason })}\n${p.stderr().slice(-3000)}`);
      if (process.env.BENCH_LOG_DIR) keepLog(`${o.label} ${o.size} ${who}`, p.stderr());
    }
    return [
      { direction: 'alice→bob', ...agentDirection(b, a, a) },
      { direction: 'bob→alice', ...agentDirection(a, b, a) },
    ];
  } finally {
    clearTimeout(guard);
    await Promise.all([stopChild(caller.child), stopChild(callee.child)]);
  }
}

// ---------- Chromium (the web client) ----------

/** What Chromium's getStats says about the call, plus the page's glass-to-glass samples. */
function pageStats(page) {
  return page.evaluate(async () => {
    const pc = window.peercall.calls.peerConnection;
    if (!pc) return null;
    const out = { inV: null, outV: null, pair: null, latencies: window.peercall.latencies.length };
    const r = await pc.getStats();
    r.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.inV = {
          framesDecoded: s.framesDecoded, framesReceived: s.framesReceived, framesDropped: s.framesDropped,
          freezeCount: s.freezeCount, totalFreezesDuration: s.totalFreezesDuration,
          nackCount: s.nackCount, pliCount: s.pliCount, firCount: s.firCount,
          retransmittedPacketsReceived: s.retransmittedPacketsReceived,
          frameWidth: s.frameWidth, frameHeight: s.frameHeight,
        };
      }
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        out.outV = {
          framesSent: s.framesSent, frameWidth: s.frameWidth, frameHeight: s.frameHeight,
          nackCount: s.nackCount, pliCount: s.pliCount, firCount: s.firCount,
          retransmittedPacketsSent: s.retransmittedPacketsSent, targetBitrate: s.targetBitrate, bytesSent: s.bytesSent,
        };
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) {
        const p = r.get(s.selectedCandidatePairId);
        out.pair = p ? { rtt: p.currentRoundTripTime, outKbps: p.availableOutgoingBitrate } : null;
      }
    });
    return out;
  });
}

/** Samples a page once a second for `seconds`: frames decoded and stamped frames shown. */
async function samplePage(page, seconds) {
  const series = [];
  for (let i = 0; i <= seconds; i += 1) {
    const t0 = Date.now();
    series.push(await pageStats(page).catch(() => null));
    const left = 1000 - (Date.now() - t0);
    if (i < seconds && left > 0) await new Promise((r) => setTimeout(r, left));
  }
  return series;
}

function perSecond(series, pick) {
  const out = [];
  for (let i = 1; i < series.length; i += 1) {
    const a = series[i - 1] && pick(series[i - 1]);
    const b = series[i] && pick(series[i]);
    if (num(a) !== null && num(b) !== null) out.push(b - a);
  }
  return out;
}

/** One direction received by a Chromium page, sent by `tx` (a page's stats or an agent report). */
function chromiumDirection(series, first, latencies, setup, txAgent, txPage, seconds) {
  const last = series[series.length - 1] ?? {};
  const base = series[0] ?? {};
  const inV = last.inV ?? {};
  const inV0 = base.inV ?? {};
  const fps = perSecond(series, (s) => s.inV?.framesDecoded);
  const d = (k) => (num(inV[k]) !== null ? inV[k] - (inV0[k] ?? 0) : null);
  const tv = txAgent?.video ?? {};
  const outV = txPage?.outV ?? {};
  return {
    ok: fps.length > 0,
    fpsRendered: num(d('framesDecoded')) !== null ? d('framesDecoded') / seconds : null,
    fpsMin: fps.length ? Math.min(...fps) : null,
    fpsMedian: median(fps),
    framesRendered: d('framesDecoded'),
    framesSent: txAgent ? tv.framesSent ?? null : outV.framesSent ?? null,
    freezes: d('freezeCount'),
    freezeSeconds: d('totalFreezesDuration'),
    g2gP50: percentile(latencies, 50),
    g2gP95: percentile(latencies, 95),
    offerToConnectedMs: num(setup?.connected),
    offerToFirstFrameMs: num(first),
    resolution: inV.frameWidth ? `${inV.frameWidth}x${inV.frameHeight}` : null,
    sentResolution: txAgent ? (tv.sentWidth ? `${tv.sentWidth}x${tv.sentHeight}` : null) : (outV.frameWidth ? `${outV.frameWidth}x${outV.frameHeight}` : null),
    nacksSent: inV.nackCount ?? null,
    nackPacketsRequested: null,
    packetsRepaired: null,
    plisSent: num(inV.pliCount) !== null ? inV.pliCount + (inV.firCount ?? 0) : null,
    plisReceived: txAgent ? tv.plisReceived ?? null : (num(outV.pliCount) !== null ? outV.pliCount + (outV.firCount ?? 0) : null),
    keyframeRequestsAnswered: txAgent ? tv.keyframeRequestsReceived ?? null : null,
    retransmitsSent: txAgent ? tv.retransmittedPacketsSent ?? null : outV.retransmittedPacketsSent ?? null,
    retransmitsReceived: inV.retransmittedPacketsReceived ?? null,
    targetKbps: txAgent ? tv.targetKbps ?? null : (num(outV.targetBitrate) !== null ? Math.round(outV.targetBitrate / 1000) : null),
    targetKbpsMedian: txAgent ? tv.targetKbpsMedian ?? null : null,
    targetKbpsMin: txAgent ? tv.targetKbpsMin ?? null : null,
    sentKbps: txAgent ? num(tv.sentKbps) : null,
    rttMs: num(last.pair?.rtt) !== null ? last.pair.rtt * 1000 : null,
    receiverCpuPercent: null,
  };
}

/** Before the call: watches the page's call for the offer (sent, or received: the call
 * appearing), the connection and the first decoded frame (page clock, 5 ms polls). */
function armSetup(page) {
  return page.evaluate(() => {
    const b = { seenAt: null, connectedAt: null, frameAt: null, call: null };
    window.benchSetup = b;
    const tick = async () => {
      // The page's call manager may not exist yet on a slow path (it comes with the
      // server's welcome): a TypeError here would end the loop for good.
      const c = window.peercall?.calls?.call;
      if (c && !b.call) { b.call = c; b.seenAt = performance.now(); }
      const pc = c?.pc;
      if (pc && !b.connectedAt && pc.connectionState === 'connected') b.connectedAt = performance.now();
      if (pc && !b.frameAt) {
        const st = await window.peercall.stats().catch(() => null);
        if (st?.video?.framesDecoded > 0) b.frameAt = performance.now();
      }
      if (!b.frameAt) setTimeout(tick, 5);
    };
    tick();
  });
}

/** Waits (up to 60 s) for the first frame; offer→connected and offer→first frame, ms. */
async function setupTimes(page) {
  await page.waitForFunction(() => window.benchSetup.frameAt !== null, null, { timeout: 60000 }).catch(() => {});
  return page.evaluate(() => {
    const b = window.benchSetup;
    const from = b.call?.offerSentAt ?? b.seenAt;
    return {
      connected: b.connectedAt !== null && from !== null ? b.connectedAt - from : null,
      first: b.frameAt !== null && from !== null ? b.frameAt - from : null,
    };
  });
}

async function chromiumChromium(server, o) {
  const [w, h] = o.size.split('x');
  const params = { width: w, height: h, fps: '30', source: 'stamp' };
  const [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
  try {
    await join(b.page, server, 'bob', { ...params, autoAnswer: '1' });
    await join(a.page, server, 'alice', params);
    await a.page.waitForFunction(() => [...window.peercall.sig.peers.values()].some((p) => p.name === 'bob'));
    await Promise.all([armSetup(a.page), armSetup(b.page)]);
    await a.page.evaluate(() => {
      const peer = [...window.peercall.sig.peers.values()].find((p) => p.name === 'bob');
      window.peercall.calls.start(peer.id);
    });
    const [setupA, setupB] = await Promise.all([setupTimes(a.page), setupTimes(b.page)]);
    await Promise.all([a.page, b.page].map((p) => p.evaluate(() => { window.peercall.latencies.length = 0; })));
    const [sa, sb] = await Promise.all([samplePage(a.page, SECONDS), samplePage(b.page, SECONDS)]);
    const lat = await Promise.all([a.page, b.page].map((p) => p.evaluate(() => window.peercall.latencies.slice())));
    return [
      { direction: 'alice→bob', ...chromiumDirection(sb, setupB.first, lat[1], setupA, null, sa[sa.length - 1], SECONDS) },
      { direction: 'bob→alice', ...chromiumDirection(sa, setupA.first, lat[0], setupA, null, sb[sb.length - 1], SECONDS) },
    ];
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

async function agentChromium(server, o) {
  const [w, h] = o.size.split('x');
  const params = { width: w, height: h, fps: '30', source: 'stamp' };
  const b = await launchBrowser();
  let agent = null;
  try {
    await join(b.page, server, 'bob', { ...params, autoAnswer: '1' });
    await armSetup(b.page);
    agent = startAgent(['--server', server.ws, '--name', 'alice', '--resolution', o.size, '--fps', '30',
      '--video', 'test-pattern', '--audio', 'tone', '--call', 'bob', '--wait-peer', '30', '--duration', String(SECONDS), ...AGENT_ARGS]);
    const setupB = await setupTimes(b.page);
    await b.page.evaluate(() => { window.peercall.latencies.length = 0; });
    const sb = await samplePage(b.page, SECONDS - 2);
    const latB = await b.page.evaluate(() => window.peercall.latencies.slice());
    const guard = setTimeout(() => agent.child.kill('SIGINT'), 60000);
    const a = await agent.report.catch((e) => { log(String(e).slice(0, 2000)); return null; });
    clearTimeout(guard);
    if (a?.result !== 'ok') log(`agent: ${JSON.stringify({ result: a?.result, reason: a?.reason })}\n${agent.stderr().slice(-3000)}`);
    return [
      { direction: 'agent→chromium', ...chromiumDirection(sb, setupB.first, latB, { connected: a?.setupMs?.offerToConnected }, a, null, SECONDS - 2) },
      { direction: 'chromium→agent', ...agentDirection(a, null, a), ...chromiumSender(sb[sb.length - 1]) },
    ];
  } finally {
    if (agent) await stopChild(agent.child);
    await b.close();
  }
}

/** The sender-side columns of a direction Chromium sends. */
function chromiumSender(last) {
  const outV = last?.outV ?? {};
  return {
    framesSent: outV.framesSent ?? null,
    sentResolution: outV.frameWidth ? `${outV.frameWidth}x${outV.frameHeight}` : null,
    plisReceived: num(outV.pliCount) !== null ? outV.pliCount + (outV.firCount ?? 0) : null,
    retransmitsSent: outV.retransmittedPacketsSent ?? null,
    targetKbps: num(outV.targetBitrate) !== null ? Math.round(outV.targetBitrate / 1000) : null,
  };
}

// ---------- the table ----------

const f = (x, d = 0) => (num(x) === null ? '–' : x.toFixed(d));
const v = (x) => (x === null || x === undefined ? '–' : String(x));

export function table(rows) {
  const out = [
    '| pair | netem (each way) | size | direction | fps rendered (min / median per s) | freezes (total s) | g2g p50 / p95 ms | capture→decoded p50 / p95 ms | playout delay p50 / p95 ms | offer→connected ms | offer→first frame ms | resolution rx (tx) | NACKs sent | PLIs sent / recv | retransmits sent | FEC sent / rebuilt | target kbps (last / median) | A/V offset p50 / abs p95 ms | mouth-to-ear p50 ms | sync delay video / audio ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(`| ${r.pair}${r.agentArgs ? ` (${r.agentArgs})` : ''} | ${r.label} | ${r.size} | ${r.direction}${r.ok ? '' : ' (failed)'} | ${f(r.fpsRendered, 1)} (${f(r.fpsMin)} / ${f(r.fpsMedian)}) | ${v(r.freezes)} (${f(r.freezeSeconds, 1)}) | ${f(r.g2gP50)} / ${f(r.g2gP95)} | ${f(r.decodedP50)} / ${f(r.decodedP95)} | ${f(r.playoutDelayP50)} / ${f(r.playoutDelayP95)} | ${f(r.offerToConnectedMs)} | ${f(r.offerToFirstFrameMs)} | ${v(r.resolution)} (${v(r.sentResolution)}) | ${v(r.nacksSent)} | ${v(r.plisSent)} / ${v(r.plisReceived)} | ${v(r.retransmitsSent)} | ${v(r.fecSent)} / ${v(r.fecRecovered)} | ${v(r.targetKbps)} / ${v(r.targetKbpsMedian)} | ${f(r.avOffsetP50)} / ${f(r.avOffsetAbsP95)} | ${f(r.mouthToEarP50)} | ${f(r.syncVideoMs)} / ${f(r.syncAudioMs)} |`);
  }
  return out.join('\n');
}

/** One row per call (pair, label, size, commit): "x / y" for its two directions. */
export function summary(rows) {
  const calls = new Map();
  for (const r of rows) {
    const k = `${r.pair}|${r.label}|${r.size}|${r.commit}|${r.at}`;
    if (!calls.has(k)) calls.set(k, []);
    calls.get(k).push(r);
  }
  const both = (rs, g) => rs.map(g).join(' / ');
  const out = [
    '| pair | netem (each way) | size | fps rendered | lowest second | freezes (s) | g2g p50 ms | g2g p95 ms | offer→connected ms | offer→first frame ms | resolution received | NACKs sent | PLIs sent | retransmits sent | target kbps (median) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const rs of calls.values()) {
    const r0 = rs[0];
    const failed = rs.some((r) => !r.ok) ? ` (call failed${rs.map((r) => r.reason || r.error).filter(Boolean).map((x) => `: ${x}`)[0] ?? ''})` : '';
    out.push(`| ${r0.pair} | ${r0.label}${failed} | ${r0.size} | ${both(rs, (r) => f(r.fpsRendered, 1))} | ${both(rs, (r) => f(r.fpsMin))} | ${both(rs, (r) => `${v(r.freezes)} (${f(r.freezeSeconds, 1)})`)} | ${both(rs, (r) => f(r.g2gP50))} | ${both(rs, (r) => f(r.g2gP95))} | ${f(r0.offerToConnectedMs)} | ${both(rs, (r) => f(r.offerToFirstFrameMs))} | ${both(rs, (r) => v(r.resolution))} | ${both(rs, (r) => v(r.nacksSent))} | ${both(rs, (r) => v(r.plisSent))} | ${both(rs, (r) => v(r.retransmitsSent))} | ${both(rs, (r) => v(r.targetKbpsMedian ?? r.targetKbps))} |`);
  }
  return out.join('\n');
}

// ---------- main ----------

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'table' || mode === 'summary') {
  const rows = readFileSync(rest[0], 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
    .filter((r) => !rest[1] || String(r.commit).startsWith(rest[1]));
  console.log(mode === 'table' ? table(rows) : summary(rows));
} else if (mode === 'cell') {
  const o = parseArgs(rest);
  const load = loadavg()[0];
  const server = await startServer();
  let rows = [];
  try {
    const run = { 'agent-agent': agentAgent, 'agent-chromium': agentChromium, 'chromium-chromium': chromiumChromium }[o.pair];
    if (!run) throw new Error(`unknown --pair ${o.pair}`);
    log(`${o.pair} ${o.size} "${o.spec || 'clean'}" ${SECONDS} s (agent ${AGENT_BIN})`);
    rows = await run(server, o);
  } catch (e) {
    log(`cell failed: ${e?.stack || e}`);
    rows = [{ direction: 'both', ok: false, error: String(e).slice(0, 500) }];
  } finally {
    await server.stop();
  }
  const common = {
    pair: o.pair, label: o.label || o.spec || 'clean loopback', spec: o.spec, size: o.size, seconds: SECONDS,
    agentArgs: AGENT_ARGS.join(' ') || null,
    commit: process.env.BENCH_COMMIT || null, at: new Date().toISOString(), load1Start: load, load1End: loadavg()[0],
  };
  for (const r of rows) console.log(JSON.stringify({ ...common, ...r }));
} else {
  console.error('usage: bench-network.mjs cell --pair P --label L --spec S --size WxH | table FILE');
  process.exit(2);
}
