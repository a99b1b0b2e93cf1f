// Three strangers fire 100 offers each at a web client that is in a call. It answers
// each stranger `busy` once (a reply per offer went over its own rate limit and the
// server closed its socket, which ended the call), stays connected under its id, and
// the call goes on: video flows and the hangup reaches the other side.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertVideoFlowing, callByName, join, launchBrowser, startServer, TIMEOUT, waitEnded, waitState,
} from './harness.mjs';

const ATTACKERS = 3;
const OFFERS = 100;

describe('a flood of offers at a web client in a call', { timeout: 4 * TIMEOUT }, () => {
  let server;
  let alice;
  let bob;

  before(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([launchBrowser(), launchBrowser()]);
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.stop();
  });

  test('one busy per attacker; the victim stays online and the call goes on', async () => {
    await join(alice.page, server, 'alice');
    await join(bob.page, server, 'bob');
    await callByName(bob.page, 'alice');
    await alice.page.locator('#accept-btn').click();
    await Promise.all([waitState(alice.page, 'connected'), waitState(bob.page, 'connected')]);
    const aliceId = await alice.page.evaluate(() => {
      window.trouble = [];
      for (const type of ['reconnecting', 'closed']) {
        window.peercall.sig.addEventListener(type, () => window.trouble.push(type));
      }
      window.peercall.sig.addEventListener('error', (e) => window.trouble.push(e.detail.code));
      return window.peercall.sig.id;
    });

    // The attackers: raw WebSockets in a page of their own, sending as fast as they can.
    const attackers = await bob.context.newPage();
    try {
      await attackers.goto(`${server.http}/healthz`);
      await attackers.evaluate(async ({ ws, victim, n, offers }) => {
        window.busy = new Array(n).fill(0);
        const open = (i) => new Promise((resolve, reject) => {
          const s = new WebSocket(ws);
          s.onopen = () => s.send(JSON.stringify({ type: 'hello', protocol: 1, name: `mallory${i}` }));
          s.onmessage = (ev) => {
            const m = JSON.parse(ev.data);
            if (m.type === 'welcome') resolve(s);
            if (m.type === 'signal' && m.data.kind === 'reject' && m.data.reason === 'busy') window.busy[i] += 1;
          };
          s.onerror = () => reject(new Error('attacker socket failed'));
        });
        const sockets = await Promise.all([...Array(n).keys()].map(open));
        sockets.forEach((s, i) => {
          for (let k = 0; k < offers; k += 1) {
            const data = { kind: 'offer', call: `flood-${i}-${k}`, sdp: 'v=0\r\n', media: { audio: true, video: true } };
            s.send(JSON.stringify({ type: 'signal', to: victim, data }));
          }
        });
      }, { ws: server.ws, victim: aliceId, n: ATTACKERS, offers: OFFERS });
      await attackers.waitForFunction(() => window.busy.every((b) => b >= 1), null, { timeout: TIMEOUT });

      // The call goes on, and alice is still the same, connected peer.
      await assertVideoFlowing(bob.page);
      await assertVideoFlowing(alice.page);
      assert.deepEqual(await attackers.evaluate(() => window.busy), new Array(ATTACKERS).fill(1));
      const after = await alice.page.evaluate(() => ({
        trouble: window.trouble,
        id: window.peercall.sig.id,
        open: window.peercall.sig.ws.readyState === WebSocket.OPEN,
        state: window.peercall.state,
      }));
      assert.deepEqual(after, { trouble: [], id: aliceId, open: true, state: 'connected' });

      await alice.page.locator('#hangup-btn').click();
      assert.equal(await waitEnded(bob.page, 1), 'hangup-remote');
    } finally {
      await attackers.close();
    }
  });
});
