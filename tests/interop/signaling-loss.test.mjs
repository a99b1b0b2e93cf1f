// Calls that outlive the signaling server, in the web client and against the engine:
// a caller answers the callee's `restart-ice` with an ICE restart; the server is killed
// mid-call and a new one started on the same port, both sides come back with fresh ids
// and re-pair the call over its data channel (`rejoin`), and a restart goes through the
// new server; a hang-up while no server exists arrives over the data channel.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  AGENT_BIN, callByName, join, launchBrowser, startAgent, startServer, stats, TIMEOUT,
  waitEnded, waitState, waitStats,
} from './harness.mjs';

/** The ICE username fragments of the call's current local and remote descriptions. */
function ufrags(page) {
  return page.evaluate(() => {
    const pc = window.peercall.calls.peerConnection;
    const frag = (d) => d?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1];
    return { local: frag(pc.localDescription), remote: frag(pc.remoteDescription) };
  });
}

/** Waits until both ICE credentials differ from `before` (a restart offered and answered). */
async function restarted(page, before) {
  await page.waitForFunction(({ local, remote }) => {
    const pc = window.peercall.calls.peerConnection;
    const frag = (d) => d?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1];
    return pc && frag(pc.localDescription) !== local && frag(pc.remoteDescription) !== remote
      && window.peercall.state === 'connected';
  }, before, { timeout: TIMEOUT });
}

/** The callee asks the caller to restart ICE, as a callee whose network changed does. */
function askRestart(page) {
  return page.evaluate(() => {
    const call = window.peercall.calls.call;
    window.peercall.sig.send(call.peer, { kind: 'restart-ice', call: call.id });
  });
}

/** `n` more decoded video frames than now. */
async function videoGoesOn(page, n = 30) {
  const s = await stats(page);
  const from = s?.video?.framesDecoded || 0;
  await waitStats(page, (x) => x.video && x.video.framesDecoded >= from + n, `${n} more decoded frames`);
}

/** Resolves once the page's signaling socket is down (the server is gone). */
function offline(page) {
  return page.waitForFunction(() => window.peercall.sig.ws?.readyState !== WebSocket.OPEN, null, { timeout: TIMEOUT });
}

/** Resolves with the page's new signaling id once it differs from `old`. */
async function newId(page, old) {
  await page.waitForFunction((o) => window.peercall.sig.ws?.readyState === WebSocket.OPEN && window.peercall.sig.id !== o, old, { timeout: TIMEOUT });
  return page.evaluate(() => window.peercall.sig.id);
}

function callPeer(page, id) {
  return page.waitForFunction((p) => window.peercall.calls.call?.peer === p, id, { timeout: TIMEOUT });
}

describe('Chromium <-> Chromium: signaling loss', { timeout: 8 * TIMEOUT }, () => {
  let server;
  let alice;
  let bob;

  before(async () => {
    [alice, bob] = await Promise.all([launchBrowser(), launchBrowser()]);
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.stop();
  });

  /** A fresh server, both joined, alice calls bob, the data channel is open. */
  async function callUp() {
    await server?.stop();
    server = await startServer();
    await join(alice.page, server, 'alice');
    await join(bob.page, server, 'bob');
    await callByName(alice.page, 'bob');
    await bob.page.locator('#incoming').waitFor({ state: 'visible' });
    await bob.page.locator('#accept-btn').click();
    for (const page of [alice.page, bob.page]) {
      await waitState(page, 'connected');
      await page.waitForFunction(() => window.peercall.remoteMedia !== null, null, { timeout: TIMEOUT });
    }
  }

  test('the caller answers the callee\'s restart-ice with an ICE restart', async () => {
    await callUp();
    const before = await ufrags(alice.page);
    await askRestart(bob.page);
    await restarted(alice.page, before);
    await restarted(bob.page, { local: before.remote, remote: before.local });
    await videoGoesOn(alice.page);
    await videoGoesOn(bob.page);
    await alice.page.locator('#hangup-btn').click();
    assert.equal(await waitEnded(bob.page, 1), 'hangup-remote');
    assert.equal(await waitEnded(alice.page, 1), 'hangup-local');
  });

  test('server killed and restarted: the call goes on, re-pairs, restarts through the new server; a hang-up while no server exists arrives', async () => {
    await callUp();
    const ids = [await alice.page.evaluate(() => window.peercall.sig.id), await bob.page.evaluate(() => window.peercall.sig.id)];
    await server.kill();
    await Promise.all([offline(alice.page), offline(bob.page)]);
    await videoGoesOn(alice.page, 60);
    await videoGoesOn(bob.page, 60);

    server = await startServer([], { port: server.port });
    const [aliceId, bobId] = [await newId(alice.page, ids[0]), await newId(bob.page, ids[1])];
    await callPeer(alice.page, bobId);
    await callPeer(bob.page, aliceId);
    for (const page of [alice.page, bob.page]) {
      assert.equal(await page.evaluate(() => window.peercall.state), 'connected');
      assert.deepEqual(await page.evaluate(() => window.peercall.endings), [], 'the call never ended');
    }

    const before = await ufrags(alice.page);
    await askRestart(bob.page);
    await restarted(alice.page, before);
    await videoGoesOn(bob.page);

    await server.kill();
    await Promise.all([offline(alice.page), offline(bob.page)]);
    await alice.page.locator('#hangup-btn').click();
    assert.equal(await waitEnded(alice.page, 1), 'hangup-local');
    assert.equal(await waitEnded(bob.page, 1), 'hangup-remote');
  });
});

const skip = existsSync(AGENT_BIN) ? false : `${AGENT_BIN} not built`;

/** Resolves once the agent's log (stderr) contains `text`. */
async function agentLogged(agent, text) {
  const end = Date.now() + TIMEOUT;
  while (!agent.stderr().includes(text)) {
    if (Date.now() > end) throw new Error(`agent never logged ${JSON.stringify(text)}:\n${agent.stderr().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('peercall-agent <-> Chromium: signaling loss', { skip, timeout: 6 * TIMEOUT }, () => {
  let server;
  let browser;

  before(async () => { browser = await launchBrowser(); });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the agent hangs up while the server is gone: Chromium ends with hangup-remote', async () => {
    server = await startServer();
    const page = browser.page;
    await join(page, server, 'web');
    const agent = startAgent(['--server', server.ws, '--name', 'agent-h', '--call', 'web', '--duration', '12', '--wait-peer', '30']);
    try {
      await page.locator('#incoming').waitFor({ state: 'visible' });
      await page.locator('#accept-btn').click();
      await waitState(page, 'connected');
      await page.waitForFunction(() => window.peercall.remoteMedia !== null, null, { timeout: TIMEOUT });
      await server.kill();
      await offline(page);
      assert.deepEqual(await page.evaluate(() => window.peercall.endings), [], 'still in the call when the server died');
      assert.equal(await waitEnded(page, 1), 'hangup-remote');
      await agent.report;
    } finally {
      agent.child.kill('SIGKILL');
    }
  });

  test('server restarted: Chromium (caller) and the agent re-pair, and a restart goes through the new server', async () => {
    server = await startServer();
    const page = browser.page;
    await join(page, server, 'web');
    const agent = startAgent(['--server', server.ws, '--name', 'agent-r', '--auto-answer']);
    try {
      await page.getByRole('button', { name: 'Call agent-r', exact: true }).waitFor();
      await callByName(page, 'agent-r');
      await waitState(page, 'connected');
      await page.waitForFunction(() => window.peercall.remoteMedia !== null, null, { timeout: TIMEOUT });
      const oldId = await page.evaluate(() => window.peercall.sig.id);
      await server.kill();
      await offline(page);
      await videoGoesOn(page, 30);

      server = await startServer([], { port: server.port });
      await newId(page, oldId);
      const agentId = await page.waitForFunction(() => [...window.peercall.sig.peers.values()].find((p) => p.name === 'agent-r')?.id, null, { timeout: TIMEOUT }).then((h) => h.jsonValue());
      await callPeer(page, agentId); // the agent told us its new id
      await agentLogged(agent, 're-paired'); // and took ours

      // The agent (callee) asks for a restart when its network changes; a loopback-only
      // namespace has no network to change, so its request is delivered to the page here.
      const before = await ufrags(page);
      await page.evaluate(() => {
        const { sig, calls } = window.peercall;
        sig.dispatchEvent(new CustomEvent('signal', { detail: { from: calls.call.peer, data: { kind: 'restart-ice', call: calls.call.id } } }));
      });
      await restarted(page, before); // offered to the agent's new id, answered from it
      await videoGoesOn(page, 30);

      await page.locator('#hangup-btn').click();
      assert.equal(await waitEnded(page, 1), 'hangup-local');
      const report = await agent.report;
      assert.equal(report.result, 'ok', JSON.stringify(report));
    } finally {
      agent.child.kill('SIGKILL');
    }
  });
});
