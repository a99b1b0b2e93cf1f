// Not a test by itself: the browser side of crates/agent/tests/nat_browser_ice_restart.rs,
// run inside one of the NAT lab's private namespaces. Headless Chromium opens the web
// client served by the lab's signaling server (LAB_HTTP) and answers every call; once
// video flows it prints {"ready": framesDecoded} (the test then moves the calling agent to
// another address), waits for 2 s more video after that, waits for the agent to hang up
// and prints one JSON line: {ok, before, after, ended} or {ok: false, error}.
import { assertVideoFlowing, join, launchBrowser, waitEnded, waitState, waitStats } from './harness.mjs';

const server = { http: process.env.LAB_HTTP };
// The lab's server is not localhost: without this, http:// is no secure context.
const browser = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${server.http}`]);
try {
  await join(browser.page, server, 'web', { loopback: '0', autoAnswer: '1' });
  await waitState(browser.page, 'connected');
  const s = await assertVideoFlowing(browser.page);
  console.log(JSON.stringify({ ready: s.video.framesDecoded }));
  // The move: reconnecting (maybe) and back; 60 frames more than at the move.
  const t = await waitStats(browser.page, (x) => x.video.framesDecoded > s.video.framesDecoded + 60, '2 s more video after the move');
  const ended = await waitEnded(browser.page, 1);
  console.log(JSON.stringify({ ok: true, before: s.video.framesDecoded, after: t.video.framesDecoded, ended }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
