// A peer in a call floods the chat over the data channel: long lines are cut to 4,000
// characters, past 20 at once (then 5/s) lines are dropped, and the page keeps at most
// 200 lines, so the DOM does not grow without bound. The call stays up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  callByName, join, launchBrowser, startServer, TIMEOUT, waitChat, waitState,
} from './harness.mjs';

describe('chat flood over the data channel', { timeout: 4 * TIMEOUT }, () => {
  let server;
  let alice;
  let mallory;

  before(async () => {
    server = await startServer();
    [alice, mallory] = await Promise.all([launchBrowser(), launchBrowser()]);
  });

  after(async () => {
    await Promise.all([alice?.close(), mallory?.close()]);
    await server?.stop();
  });

  test('size, rate and the log are capped', async () => {
    await join(alice.page, server, 'alice');
    await join(mallory.page, server, 'mallory');
    await callByName(mallory.page, 'alice');
    await alice.page.locator('#accept-btn').click();
    await Promise.all([waitState(alice.page, 'connected'), waitState(mallory.page, 'connected')]);
    await mallory.page.waitForFunction(() => window.peercall.calls.call?.dc?.readyState === 'open', null, { timeout: TIMEOUT });
    // Straight onto the data channel, as a modified client would.
    await mallory.page.evaluate(() => {
      const dc = window.peercall.calls.call.dc;
      dc.send(JSON.stringify({ type: 'chat', text: 'x'.repeat(100000) }));
      for (let i = 0; i < 1000; i += 1) dc.send(JSON.stringify({ type: 'chat', text: `spam ${i}` }));
    });
    await alice.page.waitForFunction(() => window.peercall.chatLog.some((m) => m.text === 'spam 18'), null, { timeout: TIMEOUT });
    // Once the burst is spent, lines get through again at the rate: mallory keeps
    // sending until one arrives.
    await mallory.page.evaluate(() => {
      window.again = setInterval(() => window.peercall.calls.call.dc.send(JSON.stringify({ type: 'chat', text: 'after' })), 50);
    });
    await waitChat(alice.page, 'after');
    await mallory.page.evaluate(() => clearInterval(window.again));
    const seen = await alice.page.evaluate(() => ({
      lines: window.peercall.chatLog.length,
      dom: document.getElementById('chat-log').childElementCount,
      longest: Math.max(...window.peercall.chatLog.map((m) => m.text.length)),
      state: window.peercall.state,
    }));
    assert.equal(seen.longest, 4000, 'a long line is cut');
    // 1,001 sent at once: the burst of 20 got through, then a few at 5/s.
    assert.ok(seen.lines < 60 && seen.dom === seen.lines, `burst then rate: ${JSON.stringify(seen)}`);
    assert.equal(seen.state, 'connected');
    // The log itself is bounded: alice's own 300 lines leave 200.
    await alice.page.evaluate(() => {
      for (let i = 0; i < 300; i += 1) {
        document.getElementById('chat-input').value = `mine ${i}`;
        document.getElementById('chat-form').requestSubmit();
      }
    });
    const kept = await alice.page.evaluate(() => [window.peercall.chatLog.length, document.getElementById('chat-log').childElementCount]);
    assert.deepEqual(kept, [200, 200]);
  });
});
