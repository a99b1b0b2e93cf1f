// A browser's connection to the server is cut twice mid-flood (a TCP proxy drops it, no
// close frame): the web client reconnects, resumes with `last`, and every message a
// flooding peer sent arrives exactly once, in order, under the same id.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { join, launchBrowser, startServer, TIMEOUT } from './harness.mjs';

const SENT = 300;

/** A loopback TCP proxy to `port` whose `cut()` drops every proxied connection. */
function startProxy(port) {
  const links = new Set();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    const pair = [inbound, outbound];
    links.add(pair);
    const drop = () => { links.delete(pair); inbound.destroy(); outbound.destroy(); };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    http: `http://127.0.0.1:${server.address().port}`,
    cut() { for (const [a, b] of links) { a.resetAndDestroy(); b.destroy(); } links.clear(); },
    close() { this.cut(); server.close(); },
  })));
}

describe('web client resume', { timeout: 4 * TIMEOUT }, () => {
  let server;
  let proxy;
  let browser;

  before(async () => {
    server = await startServer(['--rate', '5000', '--burst', '5000', '--resume-queue', '1024']);
    proxy = await startProxy(server.port);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    proxy?.close();
    await server?.stop();
  });

  test('every message arrives exactly once, in order, across two cuts', async () => {
    const victim = browser.page;
    await join(victim, { http: proxy.http }, 'victim');
    const victimId = await victim.evaluate(() => {
      window.got = [];
      window.resumed = 0;
      window.events = []; // what the client went through, for the failure message
      const sig = window.peercall.sig;
      sig.addEventListener('signal', (e) => window.got.push(e.detail.data.n));
      sig.addEventListener('reconnected', (e) => {
        window.events.push(`reconnected resumed=${e.detail.resumed} id=${sig.id}`);
        if (e.detail.resumed) window.resumed += 1;
      });
      sig.addEventListener('reconnecting', (e) => {
        window.events.push(`reconnecting attempt=${e.detail.attempt} in ${e.detail.delayMs} ms (close ${e.detail.code})`);
      });
      return window.peercall.sig.id;
    });
    const sender = await browser.context.newPage();
    await sender.goto(`${server.http}/healthz`);
    await sender.evaluate((ws) => new Promise((resolve) => {
      window.s = new WebSocket(ws);
      window.s.onopen = () => window.s.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'sender' }));
      window.s.onmessage = () => resolve();
    }), server.ws);
    const send = (from, to) => sender.evaluate(({ from, to, victim }) => {
      for (let n = from; n < to; n += 1) {
        window.s.send(JSON.stringify({ type: 'signal', to: victim, data: { n } }));
      }
    }, { from, to, victim: victimId });

    for (const [i, [from, to]] of [[0, 100], [100, 200]].entries()) {
      await send(from, to);
      proxy.cut(); // mid-flood: some of what was just sent is still on its way
      await victim.waitForFunction((k) => window.resumed >= k, i + 1, { timeout: TIMEOUT }).catch(async (e) => {
        const seen = await victim.evaluate(() => ({ events: window.events, got: window.got.length }));
        throw new Error(`cut ${i + 1} was not resumed: ${JSON.stringify(seen)} (${e.message})`);
      });
    }
    await send(200, SENT);
    await victim.waitForFunction((n) => window.got.length >= n, SENT, { timeout: TIMEOUT });
    const got = await victim.evaluate(() => ({ got: window.got, id: window.peercall.sig.id }));
    assert.deepEqual(got, { got: [...Array(SENT).keys()], id: victimId });
    await sender.close();
  });
});
