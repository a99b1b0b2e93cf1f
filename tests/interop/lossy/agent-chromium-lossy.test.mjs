// peercall-agent <-> headless Chromium under loss: run by scripts/test-interop.sh inside
// scripts/netem-run.sh's namespace (5 % loss, 20 ms +- 5 ms delay both ways, seeded).
// Each side's NACKs are answered with retransmissions the other accepts (our RTX into
// libwebrtc, libwebrtc's RTX into us), video keeps flowing both ways, and the keyframe
// requests loss caused from either side reach the other's encoder.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  AGENT_BIN, serverAndBrowser, callByName, startAgent, TIMEOUT, waitEnded, waitState, waitStats,
} from '../harness.mjs';

const skip = existsSync(AGENT_BIN) ? false : `${AGENT_BIN} not built`;
const WINDOW_MS = 6000;

/** Chromium's received audio: RED redundancy counts in `fecPacketsReceived`. */
async function chromiumAudio(page) {
  return page.evaluate(async () => {
    const stats = await window.peercall.calls.peerConnection.getStats();
    let audio = null;
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        audio = { packetsLost: s.packetsLost, fecPacketsReceived: s.fecPacketsReceived, concealedSamples: s.concealedSamples, totalSamplesReceived: s.totalSamplesReceived };
      }
    });
    return audio;
  });
}

/** Chromium's receive side over a window: frames per second and what it asked for. */
async function chromiumReceives(page) {
  const a = await waitStats(page, (s) => s.video && s.video.framesDecoded > 30, 'video from the agent');
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const b = await waitStats(page, (s) => s.video, 'video stats');
  const audio = await chromiumAudio(page);
  return { fps: (b.video.framesDecoded - a.video.framesDecoded) / (WINDOW_MS / 1000), video: b.video, outVideo: b.outVideo, audio };
}

function checkBothWays(chromium, report) {
  console.log('chromium receiving:', JSON.stringify(chromium));
  console.log('agent report:', JSON.stringify(report));
  assert.equal(report.result, 'ok', JSON.stringify(report));
  // Chromium -> agent: our NACKs answered by libwebrtc's RTX, which we unwrap and use.
  assert.ok(report.video.nacksSent > 0, 'the agent never NACKed under 5 % loss');
  assert.ok(report.video.packetsRepaired > 0, 'no retransmission from Chromium repaired anything');
  assert.ok(report.video.fps >= 10, `agent's received frame rate ${report.video.fps}`);
  // Agent -> Chromium: Chromium's NACKs answered by our RTX, which Chromium accepts.
  assert.ok(chromium.video.nackCount > 0, 'Chromium never NACKed under 5 % loss');
  assert.ok(report.video.retransmittedPacketsSent > 0, 'the agent resent nothing');
  assert.ok(chromium.video.retransmittedPacketsReceived > 0, 'Chromium accepted none of our retransmissions');
  assert.ok(chromium.fps >= 10, `Chromium decoded ${chromium.fps} fps from the agent`);
  // Audio RED both ways (each side lists red/48000/2 before Opus, which is when Chromium
  // sends it): Chromium -> agent, lost packets rebuilt from the copy in the next one;
  // agent -> Chromium, Chromium counts the redundancy it received.
  if (report.audio.packetsLost > 0) assert.ok(report.audio.redPct > 0, `no loss rebuilt from Chromium's RED: ${JSON.stringify(report.audio)}`);
  assert.ok(chromium.audio && chromium.audio.fecPacketsReceived > 0, `Chromium received no redundancy from the agent: ${JSON.stringify(chromium.audio)}`);
  // ... and used it: less than half of the lost audio (960 samples a packet) concealed
  // (measured: 0-218 samples for 21-26 packets lost).
  assert.ok(chromium.audio.concealedSamples < chromium.audio.packetsLost * 480, `Chromium concealed what RED should have rebuilt: ${JSON.stringify(chromium.audio)}`);
  // Keyframe requests that loss caused cross both ways (whether any happens depends on the
  // loss; more than one, as a lone request may itself be lost). That every request is
  // answered is checked deterministically on a clean loopback in
  // ../agent-chromium-keyframe.test.mjs; these stay for the lossy path.
  if (chromium.video.pliCount > 1) assert.ok(report.video.keyframeRequestsReceived > 0, 'Chromium\'s PLIs never reached our encoder');
  if (report.video.keyframeRequestsSent > 1) assert.ok(chromium.outVideo.pliCount > 0, 'our PLIs never reached Chromium');
}

describe('peercall-agent <-> Chromium under 5 % loss', { skip, timeout: 6 * TIMEOUT }, () => {
  const ctx = serverAndBrowser(before, after);

  test('Chromium calls the agent', async () => {
    const agent = startAgent(['--server', ctx.server.ws, '--name', 'agent-a', '--auto-answer']);
    try {
      await ctx.browser.page.getByRole('button', { name: 'Call agent-a', exact: true }).waitFor({ timeout: TIMEOUT });
      await callByName(ctx.browser.page, 'agent-a');
      await waitState(ctx.browser.page, 'connected');
      const chromium = await chromiumReceives(ctx.browser.page);
      await ctx.browser.page.locator('#hangup-btn').click();
      await waitEnded(ctx.browser.page, 1);
      checkBothWays(chromium, await agent.report);
    } finally {
      agent.child.kill('SIGKILL');
    }
  });

  test('the agent calls Chromium', async () => {
    const agent = startAgent(['--server', ctx.server.ws, '--name', 'agent-b', '--call', 'web', '--duration', '10', '--wait-peer', '30']);
    try {
      await ctx.browser.page.locator('#incoming').waitFor({ state: 'visible', timeout: TIMEOUT });
      await ctx.browser.page.locator('#accept-btn').click();
      await waitState(ctx.browser.page, 'connected');
      const chromium = await chromiumReceives(ctx.browser.page);
      await waitEnded(ctx.browser.page, 2);
      checkBothWays(chromium, await agent.report);
    } finally {
      agent.child.kill('SIGKILL');
    }
  });
});
