// One Chromium <-> Chromium call (the web client in two headless Chromium processes,
// libwebrtc) measured per peer: offer -> first frame, glass-to-glass, CPU and peak memory of
// each browser's whole process tree over `seconds`. Shared by the side-by-side benchmarks
// (bench-vs-chromium.mjs, app-call.mjs) so both compare against the same figure.
import { join, launchBrowser } from '../interop/harness.mjs';
import { pidsMatching, sample, withDescendants } from './procstat.mjs';

/**
 * A call between two fresh browsers at `size` ("WxH", 30 fps, the stamped canvas source);
 * `degradation` sets the sender's degradationPreference, `n` makes the peer names unique.
 */
export async function chromiumCall(server, size, { degradation = null, seconds = 30, n = 0 } = {}) {
  const [w, h] = size.split('x');
  const params = { width: w, height: h, fps: '30', source: 'stamp', ...(degradation ? { degradation } : {}) };
  const [a, b] = await Promise.all([launchBrowser(), launchBrowser()]);
  try {
    const callee = `cb-${n}`;
    await join(b.page, server, callee, { ...params, autoAnswer: '1' });
    await join(a.page, server, `ca-${n}`, params);
    await a.page.waitForFunction((name) => [...window.peercall.sig.peers.values()].some((p) => p.name === name), callee);
    const setup = await a.page.evaluate(async (name) => {
      const peer = [...window.peercall.sig.peers.values()].find((p) => p.name === name);
      window.peercall.calls.start(peer.id);
      return window.peercall.offerToFirstFrame();
    }, callee);
    await Promise.all([a.page, b.page].map((p) => p.evaluate(() => { window.peercall.latencies.length = 0; })));
    const pidsA = () => withDescendants(pidsMatching(a.userDataDir));
    const pidsB = () => withDescendants(pidsMatching(b.userDataDir));
    const [sa, sb] = await Promise.all([sample(pidsA, seconds * 1000), sample(pidsB, seconds * 1000)]);
    const [va, vb] = await Promise.all([a.page.evaluate(() => window.peercall.stats()), b.page.evaluate(() => window.peercall.stats())]);
    const lat = await Promise.all([a.page, b.page].map((p) => p.evaluate(() => window.peercall.latencies.slice())));
    const g = lat.map(median).filter((x) => x !== null);
    return {
      setup,
      g2g: g.length ? g.reduce((x, y) => x + y) / g.length : null,
      stamped: lat.map((l) => l.length),
      cpu: (sa.cpu + sb.cpu) / 2,
      rss: (sa.rss + sb.rss) / 2,
      pss: (sa.pss + sb.pss) / 2,
      recv: `${va.video.frameWidth}x${va.video.frameHeight}@${va.video.framesPerSecond ?? '?'}`,
      recvOther: `${vb.video.frameWidth}x${vb.video.frameHeight}@${vb.video.framesPerSecond ?? '?'}`,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Median of the finite numbers in `xs`, or null. */
export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}
