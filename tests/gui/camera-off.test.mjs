// Camera off, as each side sees it: the other side shows the person's initial and says the
// camera is off (no frozen last frame), the sender's self-view shows their own initial, and a
// new call never shows the previous call's last picture under "Connecting…".
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";
import { atHome, clickPeer, firstRun, peerButton, remotePicture, waitForMovingVideo } from "./steps.mjs";

const env = {
  PEERCALL_LOCAL_PORT: String(20000 + ((process.pid + 13) % 20000)),
  PEERCALL_ICE_BIND: "127.0.0.1:0",
};

/** What is on top at the centre of `css`'s box, and whether it lies inside `coverCss`. */
async function coveredBy(driver, css, coverCss) {
  return driver.executeScript(`
    const r = document.querySelector(arguments[0]).getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const cover = document.querySelector(arguments[1]);
    return Boolean(top && cover && cover.contains(top));`, css, coverCss);
}

/** Whether `css` has a fully opaque background and is not faded. */
async function opaque(driver, css) {
  return driver.executeScript(`
    const style = getComputedStyle(document.querySelector(arguments[0]));
    const alpha = style.backgroundColor.match(/rgba?\\(([^)]*)\\)/)?.[1].split(",")[3];
    return (alpha === undefined || Number(alpha) === 1) && style.backgroundColor !== "transparent" && Number(style.opacity) === 1;`, css);
}

async function text(driver, css) {
  return (await driver.findElement(By.css(css))).getText();
}

async function hidden(driver, css) {
  return (await driver.findElement(By.css(css)).getAttribute("hidden")) === "true";
}

async function callAndAccept(alice, bob) {
  await clickPeer(alice.driver, "Bob");
  await visible(bob.driver, "#incoming-dialog", 20000);
  await bob.driver.findElement(By.css("#accept-call")).click();
  await visible(alice.driver, "#call", 20000);
  await visible(bob.driver, "#call", 20000);
}

describe("camera off shows who is there, never a frozen picture", () => {
  let alice;
  let bob;
  before(async () => {
    alice = await launchApp(freshProfile("alice"), env);
    await firstRun(alice.driver, "Alice");
    bob = await launchApp(freshProfile("bob"), env);
    await firstRun(bob.driver, "Bob");
    await peerButton(alice.driver, "Bob");
    await callAndAccept(alice, bob);
    await waitForMovingVideo(bob.driver, "Bob");
  });
  after(async () => {
    await alice?.stop();
    await bob?.stop();
  });

  it("Alice turns her camera off: Bob sees her initial instead of her last frame, Alice sees her own", async () => {
    await alice.driver.findElement(By.css("#toggle-camera")).click();
    await bob.driver.wait(async () => !(await hidden(bob.driver, "#remote-avatar")), 10000, "Bob never saw Alice's camera go off");
    assert.equal(await text(bob.driver, "#remote-avatar"), "A");
    assert.equal(await text(bob.driver, "#remote-placeholder-text"), "Alice turned their camera off");
    assert.ok(await coveredBy(bob.driver, "#remote-video", "#remote-placeholder"), "Bob's remote picture is not covered");
    // Late frames may still be drawn under it: the cover must hide them completely.
    assert.ok(await opaque(bob.driver, "#remote-placeholder"), "Bob's placeholder lets the picture show through");

    await alice.driver.wait(async () => !(await hidden(alice.driver, "#local-camera-off")), 10000, "Alice's self-view never showed her camera off");
    assert.equal(await text(alice.driver, "#local-avatar"), "A");
    assert.ok(await coveredBy(alice.driver, "#local-video", "#local-camera-off"), "Alice's self-view is not covered");
    assert.ok(await opaque(alice.driver, "#local-camera-off"), "Alice's self-view shows through its cover");
    await screenshot(bob.driver, "30-remote-camera-off");
    await screenshot(alice.driver, "31-own-camera-off");
  });

  it("Alice turns it on again: Bob's placeholder goes once moving video is back", async () => {
    await alice.driver.findElement(By.css("#toggle-camera")).click();
    await waitForMovingVideo(bob.driver, "Bob after Alice's camera came back");
    await bob.driver.wait(async () => hidden(bob.driver, "#remote-placeholder"), 10000, "Bob's placeholder stayed over the video");
    assert.ok(await hidden(alice.driver, "#local-camera-off"), "Alice's self-view still says camera off");
  });

  it("the next call starts on a blank picture, not the last call's last frame", async () => {
    // At the moment Bob's call screen appears, record what it shows (before any frame can come).
    await bob.driver.executeScript(`
      window.__callOpened = null;
      const call = document.getElementById("call");
      new MutationObserver((_, observer) => {
        if (call.hidden || window.__callOpened) return;
        const probe = document.createElement("canvas");
        probe.width = 64; probe.height = 48;
        const g = probe.getContext("2d");
        g.drawImage(document.getElementById("remote-video"), 0, 0, 64, 48);
        const px = g.getImageData(0, 0, 64, 48).data;
        let sum = 0, sumSq = 0;
        for (let i = 0; i < px.length; i += 4) { const y = (px[i] + px[i + 1] + px[i + 2]) / 3; sum += y; sumSq += y * y; }
        const n = px.length / 4, mean = sum / n;
        const placeholder = document.getElementById("remote-placeholder");
        window.__callOpened = { mean, variance: sumSq / n - mean * mean, cover: placeholder.hidden ? "" : placeholder.textContent.trim() };
        observer.disconnect();
      }).observe(call, { attributes: true, attributeFilter: ["hidden"] });`);
    await alice.driver.findElement(By.css("#hang-up")).click();
    await atHome(alice.driver);
    await atHome(bob.driver);
    await callAndAccept(alice, bob);
    const opened = await bob.driver.wait(() => bob.driver.executeScript("return window.__callOpened;"), 10000, "Bob's call screen never opened");
    assert.ok(opened.variance < 1 && opened.mean < 5, `the new call shows an old picture (mean ${opened.mean}, variance ${opened.variance})`);
    assert.match(opened.cover, /Connecting…|Waiting for video…/);
    await waitForMovingVideo(bob.driver, "Bob in the second call");
  });
});
