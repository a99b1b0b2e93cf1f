// Keyframe requests end to end, peercall-agent <-> headless Chromium, on a clean loopback:
// every request here is one the test makes, so each must be answered (the lossy test only
// sees the ones loss happens to cause).
// - Chromium -> agent: a receiver RTCRtpScriptTransform on the web client's video receiver
//   (its worker pipes frames through) asks for a keyframe with
//   `transformer.sendKeyFrameRequest()`. Chromium sends it as RTCP (its inbound `pliCount`
//   or `firCount` rises), the agent counts it (`keyframeRequestsReceived`), its encoder makes
//   a keyframe for it (`keyframesOnRequest`), and Chromium decodes one more keyframe.
// - agent -> Chromium: `--request-keyframe-after-frames N` makes the agent ask once (a PLI
//   through `Engine::request_keyframe`); Chromium's outbound `pliCount` / `firCount` and
//   `keyFramesEncoded` rise and the agent counts it in `keyframeRequestsSent`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  AGENT_BIN, serverAndBrowser, callByName, startAgent, TIMEOUT, waitEnded, waitState,
} from './harness.mjs';

const skip = existsSync(AGENT_BIN) ? false : `${AGENT_BIN} not built`;
/** Requests Chromium makes, one at a time, each answered before the next. */
const ROUNDS = 3;
/** The agent asks after this many frames shown (~5 s of Chromium's 30 fps). */
const ASK_AFTER_FRAMES = 150;

/** Chromium's video counters that keyframe requests move (zeros before a stream exists). */
async function keyStats(page) {
  return page.evaluate(async () => {
    const pc = window.peercall.calls.peerConnection;
    const out = {
      in: { framesDecoded: 0, keyFramesDecoded: 0, pliCount: 0, firCount: 0 },
      out: { framesSent: 0, keyFramesEncoded: 0, pliCount: 0, firCount: 0 },
    };
    if (!pc) return out;
    (await pc.getStats()).forEach((s) => {
      if (s.kind !== 'video') return;
      if (s.type === 'inbound-rtp') {
        out.in = { framesDecoded: s.framesDecoded ?? 0, keyFramesDecoded: s.keyFramesDecoded ?? 0, pliCount: s.pliCount ?? 0, firCount: s.firCount ?? 0 };
      }
      if (s.type === 'outbound-rtp') {
        out.out = { framesSent: s.framesSent ?? 0, keyFramesEncoded: s.keyFramesEncoded ?? 0, pliCount: s.pliCount ?? 0, firCount: s.firCount ?? 0 };
      }
    });
    return out;
  });
}

/** Polls `keyStats` until `pred` holds (hang guard: TIMEOUT); returns those stats. */
async function waitKey(page, pred, what) {
  const end = Date.now() + TIMEOUT;
  let last = null;
  while (Date.now() < end) {
    last = await keyStats(page);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

const requests = (side) => side.pliCount + side.firCount;

/** The transform's worker: passes frames through, asks for a keyframe on each message. */
const ASKER_JS = `
let transformer = null;
self.onrtctransform = (event) => {
  transformer = event.transformer;
  transformer.readable.pipeTo(transformer.writable).catch(() => {});
  self.postMessage({ ready: true });
};
self.onmessage = async () => {
  try {
    await transformer.sendKeyFrameRequest();
    self.postMessage({ asked: true });
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};`;
const ASKER_PATH = '/test-only/keyframe-asker.js';

/**
 * Makes the web client's next peer connection put a pass-through receiver transform on its
 * video receiver, with a worker that asks for a keyframe on each message. The transform is
 * set at the `track` event, before any video arrives, as an app would (set mid-call in a trial
 * run, Chromium also sent a keyframe request of its own, which blurs what is counted). The shipped client is not
 * changed: the page's `RTCPeerConnection` is wrapped from the test. The server's CSP
 * (script-src 'self', no worker-src) refuses a worker from a Blob URL, so Playwright
 * answers a same-origin URL with the worker's code instead (nothing is served from web/).
 */
async function armKeyframeAsker(browser) {
  await browser.context.route(`**${ASKER_PATH}`, (route) => route.fulfill({ contentType: 'text/javascript', body: ASKER_JS }));
  await browser.page.evaluate((path) => {
    if (typeof RTCRtpScriptTransform === 'undefined') throw new Error('no RTCRtpScriptTransform');
    const Original = window.RTCPeerConnection;
    window.keyframeAskerOff = () => { window.RTCPeerConnection = Original; };
    window.keyframeAskerReady = new Promise((resolve, reject) => {
      window.RTCPeerConnection = class extends Original {
        constructor(...args) {
          super(...args);
          this.addEventListener('track', (event) => {
            if (event.track.kind !== 'video' || window.keyframeAsker) return;
            const worker = new Worker(path);
            worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
            worker.addEventListener('message', (e) => { if (e.data.ready) resolve(); }, { once: true });
            event.receiver.transform = new RTCRtpScriptTransform(worker, {});
            window.keyframeAsker = worker;
          });
        }
      };
    });
  }, ASKER_PATH);
}

/** Waits until the transform runs (hang guard: TIMEOUT). */
async function keyframeAskerReady(page) {
  await page.evaluate((timeoutMs) => Promise.race([
    window.keyframeAskerReady,
    new Promise((_, reject) => setTimeout(() => reject(new Error('the receiver transform never started')), timeoutMs)),
  ]), TIMEOUT);
}

/** Has the worker ask for one keyframe; resolves when Chromium took the request. */
async function askForKeyframe(page) {
  const reply = await page.evaluate((timeoutMs) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: 'no answer from the worker' }), timeoutMs);
    window.keyframeAsker.addEventListener('message', (e) => { clearTimeout(timer); resolve(e.data); }, { once: true });
    window.keyframeAsker.postMessage('keyframe');
  }), TIMEOUT);
  assert.ok(reply.asked, `sendKeyFrameRequest failed: ${JSON.stringify(reply)}`);
}

/**
 * Starts the agent; a run that fails before reading its report still reports its own
 * error, not the killed agent's missing report.
 */
function agentFor(args) {
  const agent = startAgent(args);
  agent.report.catch(() => {});
  return agent;
}

/** Ends a call a failed test left behind, so the next test starts idle. */
async function endLeftoverCall(page) {
  await page.evaluate(() => window.peercall.calls.hangup()).catch(() => {});
}

/** Resolves once the agent's log (stderr) contains `text`. */
async function waitAgentLog(agent, text) {
  const end = Date.now() + TIMEOUT;
  while (!agent.stderr().includes(text)) {
    if (Date.now() > end) throw new Error(`agent never logged ${JSON.stringify(text)}:\n${agent.stderr().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('keyframe requests, peercall-agent <-> Chromium', { skip, timeout: 6 * TIMEOUT }, () => {
  const ctx = serverAndBrowser(before, after);

  test('Chromium asks the agent for keyframes; each one comes', async () => {
    const page = ctx.browser.page;
    await armKeyframeAsker(ctx.browser);
    const agent = agentFor(['--server', ctx.server.ws, '--name', 'agent-a', '--auto-answer']);
    try {
      await page.getByRole('button', { name: 'Call agent-a', exact: true }).waitFor({ timeout: TIMEOUT });
      await callByName(page, 'agent-a');
      await waitState(page, 'connected');
      await keyframeAskerReady(page);
      const start = await waitKey(page, (s) => s.in.framesDecoded > 30, 'video from the agent');
      let last = start;
      for (let round = 1; round <= ROUNDS; round += 1) {
        const before = last;
        await askForKeyframe(page);
        await waitKey(page, (s) => requests(s.in) > requests(before.in), `Chromium's keyframe request ${round} on the wire`);
        const key = await waitKey(page, (s) => s.in.keyFramesDecoded > before.in.keyFramesDecoded, `a keyframe from the agent for request ${round}`);
        console.log(`round ${round}: Chromium receiving`, JSON.stringify(key.in));
        // Video goes on, and the next request comes well past the encoder's 300 ms between
        // forced keyframes: had another keyframe (a new size) come first, this request is
        // answered before the next is made, so no two requests share one keyframe.
        last = await waitKey(page, (s) => s.in.framesDecoded >= key.in.framesDecoded + 10, `video after keyframe ${round}`);
      }
      const asked = requests(last.in) - requests(start.in);
      console.log(`Chromium asked ${asked} times: ${last.in.pliCount - start.in.pliCount} PLI, ${last.in.firCount - start.in.firCount} FIR`);
      await page.locator('#hangup-btn').click();
      await waitEnded(page, 1);
      const report = await agent.report;
      console.log('agent report (video):', JSON.stringify(report.video));
      assert.equal(report.result, 'ok', JSON.stringify(report));
      assert.ok(asked >= ROUNDS, `Chromium sent ${asked} requests for ${ROUNDS} asks`);
      // Loopback loses nothing: every request the test made reached the agent ...
      assert.ok(report.video.keyframeRequestsReceived >= asked, `the agent counted ${report.video.keyframeRequestsReceived} of ${asked} requests`);
      // ... and its encoder made a keyframe for each (each request waits for the one before
      // to be answered).
      assert.ok(report.video.keyframesOnRequest >= ROUNDS, `the agent made ${report.video.keyframesOnRequest} keyframes on request for ${ROUNDS}`);
      assert.ok(report.video.keyframesSent >= last.in.keyFramesDecoded, `the agent sent ${report.video.keyframesSent} keyframes, Chromium decoded ${last.in.keyFramesDecoded}`);
    } finally {
      agent.child.kill('SIGKILL');
      await endLeftoverCall(page);
      await page.evaluate(() => window.keyframeAskerOff?.()).catch(() => {});
    }
  });

  test('the agent asks Chromium for a keyframe; it comes', async () => {
    const page = ctx.browser.page;
    const agent = agentFor([
      '--server', ctx.server.ws, '--name', 'agent-b', '--call', 'web', '--wait-peer', '30',
      '--request-keyframe-after-frames', String(ASK_AFTER_FRAMES),
    ]);
    try {
      await page.locator('#incoming').waitFor({ state: 'visible', timeout: TIMEOUT });
      await page.locator('#accept-btn').click();
      await waitState(page, 'connected');
      // The agent shows at most the frames Chromium sent: while Chromium has sent fewer
      // than ASK_AFTER_FRAMES the agent has not asked. The baseline is taken as late as
      // that allows, past the call's start (when a first keyframe lost to SRTP set-up
      // makes a receiver ask by itself).
      const start = await waitKey(page, (s) => s.out.framesSent >= ASK_AFTER_FRAMES / 3, 'Chromium sending video');
      assert.ok(start.out.framesSent < ASK_AFTER_FRAMES, `baseline taken too late: ${JSON.stringify(start.out)}`);
      await waitAgentLog(agent, 'asking the peer for a keyframe');
      const asked = await waitKey(page, (s) => requests(s.out) > requests(start.out), 'the agent\'s keyframe request at Chromium');
      const answered = await waitKey(page, (s) => s.out.keyFramesEncoded > start.out.keyFramesEncoded, 'a keyframe from Chromium');
      console.log('Chromium sending: before', JSON.stringify(start.out), 'asked', JSON.stringify(asked.out), 'answered', JSON.stringify(answered.out));
      await page.locator('#hangup-btn').click();
      await waitEnded(page, 2);
      const report = await agent.report;
      console.log('agent report (video):', JSON.stringify(report.video));
      assert.equal(report.result, 'ok', JSON.stringify(report));
      const received = requests(answered.out);
      assert.ok(report.video.keyframeRequestsSent >= 1, 'the agent did not count its request');
      assert.ok(report.video.keyframeRequestsSent >= received, `the agent counted ${report.video.keyframeRequestsSent} requests sent, Chromium received ${received}`);
      assert.ok(report.video.framesRendered >= ASK_AFTER_FRAMES, `the agent showed ${report.video.framesRendered} frames`);
    } finally {
      agent.child.kill('SIGKILL');
      await endLeftoverCall(page);
    }
  });
});
