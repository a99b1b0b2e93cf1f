// The app hosting the local signaling server quits while two other apps are in a call: their
// call goes on (its media is peer to peer), one of them takes the server over, both come back
// online with fresh ids and re-pair the call, and a hang-up afterwards ends it on both sides
// in plain words. (issue 15: "the hosting app quits mid-call between two other apps")
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";
import { atHome, clickPeer, firstRun, noticeText, peerButton, recordTexts, waitForMovingVideo } from "./steps.mjs";

const env = {
  PEERCALL_LOCAL_PORT: String(20000 + ((process.pid + 53) % 20000)),
  PEERCALL_ICE_BIND: "127.0.0.1:0",
};

/** From now on, records whether `#call` was ever hidden (the call view left). */
async function watchCallView(driver) {
  await driver.executeScript(`
    const view = document.getElementById("call");
    window.__callHidden = [];
    new MutationObserver(() => { if (view.hidden) window.__callHidden.push(Date.now()); })
      .observe(view, { attributes: true, attributeFilter: ["hidden"] });`);
  return () => driver.executeScript("return window.__callHidden;");
}

async function status(driver) {
  return (await driver.findElement(By.css("#connection-status")).getAttribute("textContent")).trim();
}

describe("the hosting app quits during a call between two others", () => {
  let host;
  let alice;
  let bob;
  before(async () => {
    // The first app hosts the embedded server; the other two find it on the port.
    host = await launchApp(freshProfile("host"), env);
    await firstRun(host.driver, "Hosting");
    alice = await launchApp(freshProfile("alice"), env);
    await firstRun(alice.driver, "Alice");
    bob = await launchApp(freshProfile("bob"), env);
    await firstRun(bob.driver, "Bob");
  });
  after(async () => {
    await host?.stop(); // its app is gone; this ends its tauri-driver
    await alice?.stop();
    await bob?.stop();
  });

  it("the call goes on, both come back online, and a hang-up still ends it on both sides", async () => {
    await peerButton(bob.driver, "Alice");
    await clickPeer(alice.driver, "Bob");
    await visible(bob.driver, "#incoming-dialog", 20000);
    await bob.driver.findElement(By.css("#accept-call")).click();
    await waitForMovingVideo(alice.driver, "Alice");
    await waitForMovingVideo(bob.driver, "Bob");
    const left = [await watchCallView(alice.driver), await watchCallView(bob.driver)];
    // Every status text each shows: the reconnect may last only a moment.
    const statusLogs = [];
    for (const driver of [alice.driver, bob.driver]) statusLogs.push(await recordTexts(driver, "status", "#connection-status"));

    await host.closeWindow(); // the hosting app quits, as its user closing the window does
    // One of them takes the server over; both are online again, each seeing the other.
    for (const [i, driver] of [alice.driver, bob.driver].entries()) {
      await driver.wait(async () => (await statusLogs[i]()).some((t) => /^Reconnecting/.test(t)), 30000, "never showed that the server is gone");
      await driver.wait(async () => (await status(driver)) === "Online", 45000, "not back online");
    }
    await peerButton(alice.driver, "Bob");
    await peerButton(bob.driver, "Alice");
    // Still in the call, the picture still moving both ways.
    await waitForMovingVideo(alice.driver, "Alice after the host quit");
    await waitForMovingVideo(bob.driver, "Bob after the host quit");
    for (const hidden of left) assert.deepEqual(await hidden(), [], "the call view was left");
    await screenshot(bob.driver, "45-call-survived-host-quit");

    await alice.driver.findElement(By.css("#hang-up")).click();
    await atHome(alice.driver);
    await atHome(bob.driver);
    await noticeText(bob.driver, /Alice hung up/);
  });
});
