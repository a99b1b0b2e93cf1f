// Not a test by itself: the browser side of crates/agent/tests/nat_browser_caller_moves.rs,
// run inside one of the NAT lab's private namespaces. Headless Chromium opens the web
// client served by the lab's signaling server (LAB_HTTP) and calls LAB_CALLEE; once video
// flows it prints {"ready": framesDecoded} (the test then moves this browser's machine to
// another address), waits for 5 s more video after that (the browser, the caller, restarts
// ICE on its own: the agent it calls did not move and does not ask), hangs up and prints
// one JSON line: {ok, before, after, ended} or {ok: false, error}.
import { assertVideoFlowing, callByName, join, launchBrowser, waitEnded, waitState, waitStats } from './harness.mjs';

const server = { http: process.env.LAB_HTTP };
const callee = process.env.LAB_CALLEE;
// The lab's server is not localhost: without this, http:// is no secure context.
const browser = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${server.http}`]);
try {
  await join(browser.page, server, 'web', { loopback: '0' });
  await callByName(browser.page, callee);
  await waitState(browser.page, 'connected');
  const s = await assertVideoFlowing(browser.page);
  console.log(JSON.stringify({ ready: s.video.framesDecoded }));
  const t = await waitStats(browser.page, (x) => x.video.framesDecoded > s.video.framesDecoded + 150, '5 s more video after the move');
  await browser.page.locator('#hangup-btn').click();
  const ended = await waitEnded(browser.page, 1);
  console.log(JSON.stringify({ ok: true, before: s.video.framesDecoded, after: t.video.framesDecoded, ended }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
