// Two headless Chromium browsers (separate processes, fake camera and microphone)
// call each other with the web client through the real signaling server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertVideoFlowing, callByName, join, launchBrowser, sendChat, startServer, stats,
  TIMEOUT, waitChat, waitEnded, waitState, waitStats,
} from './harness.mjs';

/**
 * Only loopback candidates are signalled. Chromium may still answer from a socket bound
 * to another address of this machine (the callee then sees a peer-reflexive candidate);
 * scripts/test-interop.sh runs the tests in a network namespace that has nothing but
 * loopback (INTEROP_NETNS=1), and there every address must be 127.0.0.1.
 */
export function assertLoopback(transport, caller) {
  if (process.env.INTEROP_NETNS === '1') {
    assert.deepEqual(transport, { local: '127.0.0.1', remote: '127.0.0.1', protocol: 'udp' });
  } else if (caller) {
    assert.equal(transport.remote, '127.0.0.1', 'the caller sends to loopback');
  }
}

describe('Chromium <-> Chromium through peercall-signal', { timeout: 5 * TIMEOUT }, () => {
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

  test('the server serves the web client at /', async () => {
    const res = await fetch(`${server.http}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>Peercall<\/title>/);
  });

  test('call: consent, video and audio both ways, chat, mute, hangup', async () => {
    await join(alice.page, server, 'alice');
    await join(bob.page, server, 'bob');
    // Record what alice receives from bob while bob's browser rings.
    await alice.page.evaluate(() => {
      window.received = [];
      window.peercall.sig.addEventListener('signal', (e) => window.received.push(e.detail.data.kind));
    });
    await callByName(alice.page, 'bob');
    await bob.page.locator('#incoming').waitFor({ state: 'visible' });
    assert.equal(await bob.page.locator('#incoming-name').textContent(), 'alice');
    // Consent: bob has buffered alice's candidates but opened no peer connection and sent nothing.
    await bob.page.waitForFunction(() => window.peercall.calls.call?.remote.length > 0, null, { timeout: TIMEOUT });
    assert.equal(await bob.page.evaluate(() => window.peercall.calls.peerConnection), null);
    assert.deepEqual(await alice.page.evaluate(() => window.received), []);

    await bob.page.locator('#accept-btn').click();
    await Promise.all([waitState(alice.page, 'connected'), waitState(bob.page, 'connected')]);
    // ICE may connect on a peer-reflexive pair before Bob's trickled candidate message has
    // arrived over signaling (a loaded machine shows it), so wait for it rather than race.
    await alice.page.waitForFunction(() => window.received.includes('candidate'), null, { timeout: TIMEOUT });
    const kinds = await alice.page.evaluate(() => window.received);
    assert.equal(kinds[0], 'answer', `answer first, got ${kinds}`);
    assert.ok(kinds.includes('candidate'), `bob's candidates trickled: ${kinds}`);

    for (const page of [alice.page, bob.page]) {
      const s = await assertVideoFlowing(page);
      assert.equal(s.video.codec, 'video/VP8');
      assertLoopback(s.transport, page === alice.page);
      await waitStats(page, (x) => x.audio && x.audio.packetsReceived > 20, 'audio packets');
    }

    await sendChat(alice.page, 'hello bob');
    await waitChat(bob.page, 'hello bob');
    await sendChat(bob.page, 'hi alice ✓');
    await waitChat(alice.page, 'hi alice ✓');

    // Mute and camera off travel on the data channel as {type:"media"}.
    await alice.page.locator('#mute-btn').click();
    await alice.page.locator('#camera-btn').click();
    await bob.page.waitForFunction(() => window.peercall.remoteMedia?.micMuted === true && window.peercall.remoteMedia?.cameraOn === false, null, { timeout: TIMEOUT });
    await alice.page.locator('#mute-btn').click();
    await alice.page.locator('#camera-btn').click();
    await bob.page.waitForFunction(() => window.peercall.remoteMedia?.micMuted === false && window.peercall.remoteMedia?.cameraOn === true, null, { timeout: TIMEOUT });

    await bob.page.locator('#hangup-btn').click();
    assert.equal(await waitEnded(bob.page, 1), 'hangup-local');
    assert.equal(await waitEnded(alice.page, 1), 'hangup-remote');
    assert.equal(await stats(alice.page), null);
  });

  test('decline: the caller sees rejected', async () => {
    await callByName(alice.page, 'bob');
    await bob.page.locator('#incoming').waitFor({ state: 'visible' });
    await bob.page.locator('#reject-btn').click();
    assert.equal(await waitEnded(alice.page, 2), 'rejected');
    assert.equal(await waitEnded(bob.page, 2), 'declined-local');
  });

  test('cancel: the callee stops ringing', async () => {
    await callByName(alice.page, 'bob');
    await bob.page.locator('#incoming').waitFor({ state: 'visible' });
    await alice.page.locator('#hangup-btn').click();
    assert.equal(await waitEnded(alice.page, 3), 'cancelled-local');
    assert.equal(await waitEnded(bob.page, 3), 'cancelled-remote');
    await bob.page.locator('#incoming').waitFor({ state: 'hidden' });
  });

  test('busy: a third caller gets reject busy while a call is up', async () => {
    const carol = await alice.context.newPage();
    try {
      await join(carol, server, 'carol');
      await callByName(alice.page, 'bob');
      await bob.page.locator('#accept-btn').click();
      await Promise.all([waitState(alice.page, 'connected'), waitState(bob.page, 'connected')]);
      await carol.waitForFunction(() => [...window.peercall.sig.peers.values()].some((p) => p.name === 'bob' && p.busy), null, { timeout: TIMEOUT });
      await carol.evaluate(() => {
        const bob = [...window.peercall.sig.peers.values()].find((p) => p.name === 'bob');
        window.peercall.calls.start(bob.id);
      });
      assert.equal(await waitEnded(carol, 1), 'busy');
      assert.equal(await bob.page.evaluate(() => window.peercall.state), 'connected');
      await alice.page.locator('#hangup-btn').click();
      assert.equal(await waitEnded(bob.page, 4), 'hangup-remote');
      assert.equal(await waitEnded(alice.page, 4), 'hangup-local');
    } finally {
      await carol.close();
    }
  });

  test('ring timeout: the callee answers reject timeout', async () => {
    // A reload with a short ring timeout (the default is 30 s).
    await join(bob.page, server, 'bob', { ringTimeout: '1500' });
    await alice.page.waitForFunction(() => [...window.peercall.sig.peers.values()].filter((p) => p.name === 'bob').length === 1, null, { timeout: TIMEOUT });
    await callByName(alice.page, 'bob');
    assert.equal(await waitEnded(bob.page, 1), 'timeout-local');
    assert.equal(await waitEnded(alice.page, 5), 'timeout');
  });

  test('calling a peer that is gone: unknown-peer ends the call', async () => {
    await alice.page.evaluate(() => window.peercall.calls.start('AAAAAAAAAAAAAAAAAAAAAA'));
    assert.equal(await waitEnded(alice.page, 6), 'peer-left');
    assert.equal(await alice.page.evaluate(() => window.peercall.state), 'idle');
  });

  test('an offer the browser cannot parse: accepting it answers reject declined', async () => {
    await alice.page.evaluate(() => {
      window.received = [];
      const bob = [...window.peercall.sig.peers.values()].find((p) => p.name === 'bob');
      window.peercall.sig.send(bob.id, { kind: 'offer', call: 'c0ffee', sdp: 'not an sdp', media: { audio: true, video: true } });
    });
    await bob.page.locator('#incoming').waitFor({ state: 'visible' });
    await bob.page.locator('#accept-btn').click();
    assert.equal(await waitEnded(bob.page, 2), 'session-error');
    await alice.page.waitForFunction(() => window.received.includes('reject'), null, { timeout: TIMEOUT });
    assert.deepEqual(await alice.page.evaluate(() => window.received), ['reject']);
  });

  test('glare: both call each other at once and end up in one call', async () => {
    const pages = [alice.page, bob.page];
    // Hold incoming server messages on both pages until both offers are out, so the
    // offers really cross.
    await Promise.all(pages.map((p) => p.evaluate(() => {
      const ws = window.peercall.sig.ws;
      const deliver = ws.onmessage;
      const held = [];
      ws.onmessage = (ev) => held.push(ev);
      window.releaseSignals = () => { ws.onmessage = deliver; held.forEach((ev) => deliver(ev)); };
    })));
    const startCall = (page, name) => page.evaluate((n) => {
      const peer = [...window.peercall.sig.peers.values()].find((p) => p.name === n);
      window.peercall.calls.start(peer.id);
    }, name);
    await Promise.all([startCall(alice.page, 'bob'), startCall(bob.page, 'alice')]);
    await Promise.all(pages.map((p) => p.waitForFunction(() => window.peercall.calls.call?.offerSentAt > 0, null, { timeout: TIMEOUT })));
    await Promise.all(pages.map((p) => p.evaluate(() => window.releaseSignals())));
    await Promise.all([waitState(alice.page, 'connected'), waitState(bob.page, 'connected')]);
    const ids = await Promise.all(pages.map((p) => p.evaluate(() => window.peercall.calls.call.id)));
    assert.equal(ids[0], ids[1], 'the same call on both sides');
    await assertVideoFlowing(bob.page);
    await alice.page.locator('#hangup-btn').click();
    assert.equal(await waitEnded(bob.page, 3), 'hangup-remote');
  });
});
