// peercall-agent (Peercall's own WebRTC stack) <-> headless Chromium (libwebrtc) through
// the real signaling server, in both directions. Skipped when the agent is not built.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  AGENT_BIN, serverAndBrowser, assertVideoFlowing, callByName, sendChat, startAgent,
  TIMEOUT, waitChat, waitEnded, waitState, waitStats,
} from './harness.mjs';

const skip = existsSync(AGENT_BIN) ? false : `${AGENT_BIN} not built`;

/** Codec names (lower case) of every m-section of an SDP. */
function codecs(sdp) {
  return new Set([...sdp.matchAll(/^a=rtpmap:\d+ ([^/]+)\//gm)].map((m) => m[1].toLowerCase()));
}

async function descriptions(page) {
  return page.evaluate(() => {
    const pc = window.peercall.calls.peerConnection;
    return { local: pc.localDescription.sdp, remote: pc.remoteDescription.sdp };
  });
}

const AGENT_CHAT = 'hello from the agent';
const WEB_CHAT = 'hello agent';

/** Resolves once the agent's log (stderr) contains `text`. */
async function waitAgentLog(agent, text) {
  const end = Date.now() + TIMEOUT;
  while (!agent.stderr().includes(text)) {
    if (Date.now() > end) throw new Error(`agent never logged ${JSON.stringify(text)}:\n${agent.stderr().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What both sides must see once the call is up. */
async function checkMedia(page, agent) {
  // The engine announces its media state on the data channel as soon as it opens.
  await page.waitForFunction(() => window.peercall.remoteMedia !== null, null, { timeout: TIMEOUT });
  // Chat both ways on the same channel: the agent's `--chat` line shows in Chromium's
  // chat log, and the agent logs the line Chromium sends (and counts it in its report).
  await waitChat(page, AGENT_CHAT);
  await sendChat(page, WEB_CHAT);
  await waitAgentLog(agent, WEB_CHAT);
  const s = await assertVideoFlowing(page);
  assert.equal(s.video.codec, 'video/VP8');
  const a = await waitStats(page, (x) => x.audio && x.audio.packetsReceived > 25, 'audio packets from the agent');
  assert.equal(a.audio.codec, 'audio/opus');
  return s;
}

function checkReport(report) {
  assert.equal(report.result, 'ok', JSON.stringify(report));
  assert.ok(report.video.framesDecoded > 30, `agent decoded ${report.video.framesDecoded} frames`);
  // Chromium sends 20-30 fps; a debug-build agent on a loaded 2-core CI machine decodes
  // fewer, so the bar is a steady trickle, not the full rate (figures: docs/bench-chromium.md).
  assert.ok(report.video.fps >= 5, `agent's received frame rate ${report.video.fps}`);
  assert.ok(report.audio.packetsReceived > 50, `agent received ${report.audio.packetsReceived} audio packets`);
  assert.ok(report.chat.received >= 1, `agent received ${report.chat.received} chat lines`);
  assert.equal(report.chat.sent, 1, 'the agent sent its --chat line once');
}

describe('peercall-agent <-> Chromium', { skip, timeout: 6 * TIMEOUT }, () => {
  const ctx = serverAndBrowser(before, after);

  test('Chromium calls the agent; Chromium hangs up', async () => {
    const agent = startAgent(['--server', ctx.server.ws, '--name', 'agent-a', '--auto-answer', '--chat', AGENT_CHAT]);
    try {
      await ctx.browser.page.getByRole('button', { name: 'Call agent-a', exact: true }).waitFor();
      await callByName(ctx.browser.page, 'agent-a');
      await waitState(ctx.browser.page, 'connected');
      const sdp = await descriptions(ctx.browser.page);
      // Chromium offers far more than Peercall speaks; the answer keeps VP8 and Opus.
      const offered = codecs(sdp.local);
      for (const c of ['vp8', 'vp9', 'h264', 'av1', 'rtx', 'red', 'ulpfec', 'opus']) assert.ok(offered.has(c), `Chromium offered ${c}`);
      assert.match(sdp.local, /transport-cc/);
      const answered = codecs(sdp.remote);
      assert.ok(answered.has('vp8') && answered.has('opus'), [...answered].join());
      for (const c of ['vp9', 'h264', 'av1']) assert.ok(!answered.has(c), `the agent answered ${c}`);
      const s = await checkMedia(ctx.browser.page, agent);
      console.log('chromium receiving from the agent:', JSON.stringify(s.video));
      // Let the agent measure a few seconds of Chromium's video.
      await waitStats(ctx.browser.page, (x) => x.video.framesDecoded > s.video.framesDecoded + 60, '2 s more video');
      await ctx.browser.page.locator('#hangup-btn').click();
      assert.equal(await waitEnded(ctx.browser.page, 1), 'hangup-local');
      const report = await agent.report;
      console.log('agent report:', JSON.stringify(report));
      checkReport(report);
    } finally {
      agent.child.kill('SIGKILL');
    }
  });

  test('the agent calls Chromium; the agent hangs up', async () => {
    const agent = startAgent(['--server', ctx.server.ws, '--name', 'agent-b', '--call', 'web', '--duration', '8', '--wait-peer', '30', '--chat', AGENT_CHAT]);
    try {
      await ctx.browser.page.locator('#incoming').waitFor({ state: 'visible' });
      assert.equal(await ctx.browser.page.locator('#incoming-name').textContent(), 'agent-b');
      await ctx.browser.page.locator('#accept-btn').click();
      await waitState(ctx.browser.page, 'connected');
      const sdp = await descriptions(ctx.browser.page);
      const answered = codecs(sdp.local);
      assert.ok(answered.has('vp8') && answered.has('opus'), [...answered].join());
      const s = await checkMedia(ctx.browser.page, agent);
      console.log('chromium receiving from the agent:', JSON.stringify(s.video));
      assert.equal(await waitEnded(ctx.browser.page, 2), 'hangup-remote');
      const report = await agent.report;
      console.log('agent report:', JSON.stringify(report));
      checkReport(report);
    } finally {
      agent.child.kill('SIGKILL');
    }
  });
});
