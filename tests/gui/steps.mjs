// What a user does and sees in the app, shared by the GUI tests: first run, clicking a peer,
// reading the notice, waiting to be back at the peer list, the remote picture.
import assert from "node:assert/strict";
import { By, until, visible } from "./harness.mjs";

/**
 * The app's first-run settings: a name, the synthetic camera and the tone microphone, and
 * `serverUrl` if given (else the built-in local server), the camera at `resolution`.
 */
export async function firstRun(driver, name, { serverUrl = "", token = "", resolution = "640x480" } = {}) {
  await visible(driver, "#settings-dialog");
  const input = await driver.findElement(By.css("#display-name"));
  await input.clear();
  await input.sendKeys(name);
  if (serverUrl) await driver.findElement(By.css("#server-url")).sendKeys(serverUrl);
  if (token) await driver.findElement(By.css("#server-token")).sendKeys(token);
  // Wait for the device lists, then pick the synthetic camera and microphone.
  await driver.wait(async () => (await driver.findElements(By.css("#microphone-select option[value='synthetic:tone']"))).length > 0, 20000, "devices never listed");
  await driver.executeScript(`
    const pick = (id, value) => { const s = document.getElementById(id); s.value = value; s.dispatchEvent(new Event("change")); };
    pick("camera-select", "synthetic:test-pattern");
    pick("microphone-select", "synthetic:tone");
    pick("resolution-select", arguments[0]);`, resolution);
  await driver.findElement(By.css("#settings-save")).click();
  await driver.wait(async () => (await driver.findElement(By.css("#settings-dialog")).getAttribute("open")) === null, 10000);
}

export async function peerButton(driver, name, timeoutMs = 30000) {
  const xpath = `//button[contains(@class,'peer')][.//span[@class='peer-name' and text()='${name}']]`;
  return driver.wait(until.elementLocated(By.xpath(xpath)), timeoutMs, `${name} never appeared in the peer list`);
}

/** Clicks a peer, again if the list was re-rendered (a peer update) between finding and clicking. */
export async function clickPeer(driver, name) {
  for (let attempt = 0; ; attempt++) {
    try {
      await (await peerButton(driver, name)).click();
      return;
    } catch (err) {
      if (err.name !== "StaleElementReferenceError" || attempt >= 5) throw err;
    }
  }
}

export async function noticeText(driver, pattern, timeoutMs = 30000) {
  const notice = await driver.findElement(By.css("#notice"));
  await driver.wait(async () => pattern.test(await notice.getText()), timeoutMs, `no notice matching ${pattern}`);
  return notice.getText();
}

export async function atHome(driver) {
  await driver.wait(async () => !(await driver.findElement(By.css("#home")).getAttribute("hidden")), 15000, "not back at the peer list");
  assert.equal(await driver.findElement(By.css("#call")).getAttribute("hidden"), "true");
}

export async function incomingDialogClosed(driver) {
  await driver.wait(async () => (await driver.findElement(By.css("#incoming-dialog")).getAttribute("open")) === null, 10000, "the incoming-call dialog stayed open");
}

/**
 * Frames drawn and a pixel fingerprint of the remote canvas (not uniform black), and its
 * `blueShift`: mean blue minus red below the stamp band, about -15 for the test pattern's
 * colour bars and above 100 for its blue/cyan checks (synthetic:test-pattern-checks).
 */
export async function remotePicture(driver) {
  return driver.executeScript(`
    const c = document.getElementById("remote-video");
    const probe = document.createElement("canvas");
    probe.width = 64; probe.height = 48;
    const g = probe.getContext("2d");
    g.drawImage(c, 0, 0, 64, 48);
    const px = g.getImageData(0, 0, 64, 48).data;
    let sum = 0, sumSq = 0, hash = 0, shift = 0, below = 0;
    for (let i = 0; i < px.length; i += 4) {
      const y = (px[i] + px[i + 1] + px[i + 2]) / 3;
      sum += y; sumSq += y * y; hash = (hash * 31 + px[i]) >>> 0;
      if (i >= px.length / 4) { shift += px[i + 2] - px[i]; below += 1; }
    }
    const n = px.length / 4, mean = sum / n;
    return { drawn: window.peercallDebug.remote().drawn, mean, variance: sumSq / n - mean * mean, hash, blueShift: shift / below };`);
}

export async function waitForMovingVideo(driver, label, timeoutMs = 15000) {
  await driver.wait(async () => (await remotePicture(driver)).drawn > 0, timeoutMs, `${label}: no remote frame drawn within ${timeoutMs} ms`);
  // Moving: a later picture that was drawn after this one, differs from it and is not
  // uniform. Waited for (not sampled after a fixed pause); the asserts say which failed.
  const first = await remotePicture(driver);
  const moved = (p) => p.drawn > first.drawn && p.hash !== first.hash && p.variance > 50;
  let second = first;
  await driver.wait(async () => moved((second = await remotePicture(driver))), 5000, "", 50).catch(() => {});
  assert.ok(second.variance > 50, `${label}: remote picture is uniform (variance ${second.variance})`);
  assert.ok(second.drawn > first.drawn, `${label}: frames stopped (${first.drawn} -> ${second.drawn})`);
  assert.notEqual(second.hash, first.hash, `${label}: remote picture does not change`);
}

/**
 * Both pictures (remote and self-view) are drawn through WebCodecs' VideoFrame on a 2D canvas
 * (ui/src/video/renderer.ts; WebKitGTK 2.50 has it), not the WebGL fallback, and every frame
 * the page received was drawn: waits for 30 more remote frames, then checks the counters.
 */
export async function drawnThroughVideoFrame(driver, label) {
  const views = () => driver.executeScript("return { remote: window.peercallDebug.remote(), local: window.peercallDebug.local() };");
  let now = await views();
  const start = now.remote.drawn;
  await driver.wait(async () => (now = await views()).remote.drawn >= start + 30 && now.local.drawn > 0, 15000, "", 100).catch(() => {});
  for (const side of ["remote", "local"]) {
    const v = now[side];
    assert.equal(v.renderer, "videoframe", `${label}: the ${side} picture is drawn by ${v.renderer}`);
    assert.equal(v.failed, 0, `${label}: ${v.failed} ${side} frames could not be drawn`);
    assert.equal(v.drawn, v.received, `${label}: ${side} frames drawn ${v.drawn} of ${v.received} received`);
  }
  assert.ok(now.remote.drawn >= start + 30, `${label}: only ${now.remote.drawn - start} remote frames drawn in 15 s`);
  assert.ok(now.local.drawn > 0, `${label}: the self-view drew nothing`);
}

/** From now on, keeps every text `css` shows in `window.__texts[key]` (a toast may be brief). */
export async function recordTexts(driver, key, css) {
  await driver.executeScript(`
    const node = document.querySelector(arguments[1]);
    window.__texts = window.__texts ?? {};
    const seen = (window.__texts[arguments[0]] = [node.textContent.trim()]);
    new MutationObserver(() => seen.push(node.textContent.trim())).observe(node, { childList: true, characterData: true, subtree: true });`, key, css);
  return () => driver.executeScript("return window.__texts[arguments[0]];", key);
}
