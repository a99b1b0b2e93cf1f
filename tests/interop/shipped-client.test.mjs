// The web client built into peercall-signal (no --static-dir) is the shipped one: a link
// cannot make it join a room, use another server or accept a call without a click. The
// test-only URL parameters need web/test-build.js, which only test builds serve.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, SIGNAL_BIN, stopChild, TIMEOUT } from './harness.mjs';

/** The server with its built-in client on a free loopback port. */
function startBuiltIn() {
  const child = spawn(SIGNAL_BIN, ['--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/ws:\/\/127\.0\.0\.1:(\d+)\/ws/);
      if (m) resolve({ child, http: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

describe('the shipped web client', { timeout: 2 * TIMEOUT }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startBuiltIn();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (server) await stopChild(server.child);
  });

  test('a link with autojoin, autoAnswer and server= joins nothing by itself', async () => {
    const { page } = browser;
    const q = new URLSearchParams({ name: 'victim', autojoin: '1', autoAnswer: '1', server: 'ws://127.0.0.1:9/ws' });
    await page.goto(`${server.http}/?${q}`);
    // The module has run (it defines window.peercall at the end) ...
    await page.waitForFunction(() => window.peercall !== undefined, null, { timeout: TIMEOUT });
    const state = await page.evaluate(() => ({
      joinVisible: !document.getElementById('join').hidden,
      lobbyHidden: document.getElementById('lobby').hidden,
      socket: window.peercall.sig.ws,
      url: window.peercall.sig.url,
      autoAnswer: window.peercall.calls.opts.autoAnswer,
    }));
    // ... and left the user at the join form, pointed at its own server.
    assert.deepEqual(state, {
      joinVisible: true,
      lobbyHidden: true,
      socket: null,
      url: `${server.http.replace('http', 'ws')}/ws`,
      autoAnswer: false,
    });
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    assert.match(metrics, /^peercall_open_connections 0$/m);
  });
});
