// Not a test by itself: the browser side of crates/agent/tests/nat_browser_to_agent.rs,
// which runs this script inside one of the NAT lab's private namespaces (so Chromium is
// behind that lab NAT). Headless Chromium opens the web client served by the lab's
// signaling server (LAB_HTTP), calls LAB_CALLEE, waits for video to flow, lets the
// callee measure 2 s of its video, hangs up, and prints one JSON line:
// {ok, framesDecoded, transport, ended} or {ok: false, error}.
import { assertVideoFlowing, callByName, join, launchBrowser, waitEnded, waitState, waitStats } from './harness.mjs';

const server = { http: process.env.LAB_HTTP };
const callee = process.env.LAB_CALLEE;
// The lab's server is not localhost: without this, http:// is no secure context and
// getUserMedia does not exist, so Chromium would only receive.
const browser = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${server.http}`]);
try {
  // loopback=0: send every candidate, not only 127.0.0.1 as the one-machine tests do.
  await join(browser.page, server, 'web', { loopback: '0' });
  await callByName(browser.page, callee);
  await waitState(browser.page, 'connected');
  const s = await assertVideoFlowing(browser.page);
  await waitStats(browser.page, (x) => x.video.framesDecoded > s.video.framesDecoded + 60, '2 s more video');
  await browser.page.locator('#hangup-btn').click();
  const ended = await waitEnded(browser.page, 1);
  console.log(JSON.stringify({ ok: true, framesDecoded: s.video.framesDecoded, sent: s.outVideo, transport: s.transport, ended }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
