// Shared pieces of the Chromium interop tests: the real signaling server (and agent)
// binaries, headless Chromium through playwright-core, and page helpers.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join as pjoin, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : pjoin(ROOT, 'target');
export const SIGNAL_BIN = process.env.PEERCALL_SIGNAL_BIN || pjoin(TARGET, 'debug', 'peercall-signal');
export const AGENT_BIN = process.env.PEERCALL_AGENT_BIN || pjoin(TARGET, 'debug', 'peercall-agent');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
/** Generous: a loaded 2-core CI machine runs two browsers and a debug-build agent. */
export const TIMEOUT = Number(process.env.INTEROP_TIMEOUT_MS || 45000);

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  '--disable-quic',
  // Host candidates on 127.0.0.1 (Chromium leaves loopback out by default) and real
  // addresses instead of mDNS names, so ICE stays on loopback.
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Background tabs and occluded windows must keep decoding at full rate.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--autoplay-policy=no-user-gesture-required',
];

/** Spawns a process and resolves once a stdout line matches `ready` (returns the match). */
function spawnUntil(bin, args, ready, { env = {}, timeoutMs = TIMEOUT } = {}) {
  const child = spawn(bin, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const matched = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${bin} not ready in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    let done = false;
    const check = (text) => {
      const m = !done && text.match(ready);
      if (m) { done = true; clearTimeout(timer); res(m); }
    };
    child.stdout.on('data', (d) => { out += d; check(out); });
    child.stderr.on('data', (d) => {
      err += d;
      if (err.length > 200000) err = err.slice(-100000);
      check(err);
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`${bin} exited (${code}) before ready:\n${out}\n${err}`)); });
  });
  return { child, matched, output: () => out, errors: () => err };
}

/** Starts `peercall-signal` on a loopback port (any free one by default) serving `web/` at `/`. */
export async function startServer(extraArgs = [], { port: wanted = 0 } = {}) {
  if (!existsSync(SIGNAL_BIN)) throw new Error(`${SIGNAL_BIN} missing: cargo build -p peercall-signal`);
  const p = spawnUntil(SIGNAL_BIN, ['--host', '127.0.0.1', '--port', String(wanted), '--static-dir', pjoin(ROOT, 'web'), ...extraArgs], /ws:\/\/127\.0\.0\.1:(\d+)\/ws/);
  const m = await p.matched;
  const port = Number(m[1]);
  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    child: p.child,
    stop: () => stopChild(p.child),
    /** Kills the server outright (SIGKILL: no close frames) and waits for it to exit. */
    kill: () => new Promise((res) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return res();
      p.child.once('exit', () => res());
      p.child.kill('SIGKILL');
    }),
  };
}

export function stopChild(child) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
    setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 5000).unref();
  });
}

/** One headless Chromium with its own fresh profile (a separate browser process tree). */
export async function launchBrowser(extraArgs = []) {
  const userDataDir = mkdtempSync(pjoin(tmpdir(), 'peercall-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    permissions: ['camera', 'microphone'],
    viewport: { width: 960, height: 720 },
  });
  const page = context.pages()[0] || (await context.newPage());
  return {
    context,
    page,
    userDataDir,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the web client as `name` and waits until it is in the lobby. */
export async function join(page, server, name, params = {}) {
  const q = new URLSearchParams({ name, autojoin: '1', loopback: '1', ...params });
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${server.http}/?${q}`);
  await page.locator('#lobby').waitFor({ state: 'visible' });
}

/** Clicks "Call" next to the peer called `name`. */
export async function callByName(page, name) {
  await page.getByRole('button', { name: `Call ${name}`, exact: true }).click();
}

export async function waitState(page, state) {
  await page.waitForFunction((s) => window.peercall.state === s, state, { timeout: TIMEOUT });
}

/** Waits for the call to end and returns the end reason. */
export async function waitEnded(page, count = 1) {
  await page.waitForFunction((n) => window.peercall.endings.length >= n, count, { timeout: TIMEOUT });
  return page.evaluate((n) => window.peercall.endings[n - 1], count);
}

export function stats(page) {
  return page.evaluate(() => window.peercall.stats());
}

/** Polls getStats until `pred(stats)` holds; returns those stats. */
export async function waitStats(page, pred, what) {
  const end = Date.now() + TIMEOUT;
  let last = null;
  while (Date.now() < end) {
    last = await stats(page);
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last stats: ${JSON.stringify(last)}`);
}

/** Video frames decoded keep rising: two samples `gapMs` apart, both rising. */
export async function assertVideoFlowing(page) {
  const a = await waitStats(page, (s) => s.video && s.video.framesDecoded > 0, 'first decoded frame');
  return waitStats(page, (s) => s.video.framesDecoded >= a.video.framesDecoded + 10, '10 more decoded frames');
}

export async function sendChat(page, text) {
  await page.locator('#chat-input').fill(text);
  await page.locator('#chat-send').click();
}

export async function waitChat(page, text) {
  await page.waitForFunction((t) => window.peercall.chatLog.some((m) => m.who === 'them' && m.text === t), text, { timeout: TIMEOUT });
}

/** Starts `peercall-agent` with `args`; resolves its JSON report when it exits. */
export function startAgent(args) {
  const child = spawn(AGENT_BIN, ['--bind', '127.0.0.1:0', '--report', 'json', ...args], {
    cwd: ROOT, env: { RUST_LOG: 'info', ...process.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; if (err.length > 200000) err = err.slice(-100000); });
  const report = new Promise((res, rej) => {
    child.on('exit', (code) => {
      const start = out.indexOf('{');
      try { res(JSON.parse(out.slice(start))); } catch { rej(new Error(`agent exited ${code} without a report:\n${out}\n${err.slice(-4000)}`)); }
    });
  });
  return { child, report, stderr: () => err };
}

/**
 * Registers a before/after pair that starts a signaling server and one headless Chromium
 * joined as `name`; returns the object that holds them (`ctx.server`, `ctx.browser`).
 */
export function serverAndBrowser(before, after, name = 'web') {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer();
    ctx.browser = await launchBrowser();
    await join(ctx.browser.page, ctx.server, name);
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
