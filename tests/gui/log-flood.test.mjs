// A call does not flood the log (issue 16.7): one call between two apps once wrote ~242,000
// "speaker stream error" lines in 2.5 min, and typing printed "Couldn't get key from code" to
// stderr for every key. Counts the lines each app wrote during a call with chat typing.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";
import { clickPeer, firstRun, peerButton, waitForMovingVideo } from "./steps.mjs";

const port = 20000 + ((process.pid + 53) % 20000);
const env = { PEERCALL_LOCAL_PORT: String(port), PEERCALL_ICE_BIND: "127.0.0.1:0" };

/**
 * Device errors in `lines`: each "stream error" line is one, plus the "(N more since the last
 * report)" the rate-limited log counts for the ones it did not write.
 */
function deviceErrors(lines) {
  const written = lines.filter((l) => /stream error/.test(l));
  const suppressed = written.map((l) => Number(/\((\d+) more since the last report\)/.exec(l)?.[1] ?? 0));
  return { written, total: written.length + suppressed.reduce((a, b) => a + b, 0) };
}

/** The lines `app` wrote to its log since byte `from`. */
function linesSince(app, from) {
  return readFileSync(app.logFile, "utf8").slice(from).split("\n");
}

describe("a call does not flood the log", () => {
  let alice;
  let bob;
  before(async () => {
    alice = await launchApp(freshProfile("alice-log"), env);
    await firstRun(alice.driver, "Alice");
    bob = await launchApp(freshProfile("bob-log"), env);
    await firstRun(bob.driver, "Bob");
    await peerButton(alice.driver, "Bob");
  });
  after(async () => {
    await alice?.stop();
    await bob?.stop();
  });

  it("a call with chat typing writes a handful of device-error and key lines at most", async () => {
    const start = { alice: statSync(alice.logFile).size, bob: statSync(bob.logFile).size };
    const began = Date.now();
    await clickPeer(alice.driver, "Bob");
    await visible(bob.driver, "#incoming-dialog", 20000);
    await bob.driver.findElement(By.css("#accept-call")).click();
    await waitForMovingVideo(alice.driver, "Alice");
    await waitForMovingVideo(bob.driver, "Bob");
    // Type a few messages each way; each arrives on the other side.
    for (const [from, to, who] of [[alice, bob, "alice"], [bob, alice, "bob"]]) {
      // The panel may have opened by itself for the other side's messages.
      if (!(await from.driver.findElement(By.css("#chat-input")).isDisplayed())) {
        await from.driver.findElement(By.css("#toggle-chat")).click();
      }
      await visible(from.driver, "#chat-input");
      for (let n = 0; n < 3; n++) {
        const text = `hello from ${who} number ${n}, typed key by key`;
        const input = from.driver.findElement(By.css("#chat-input"));
        await input.sendKeys(text);
        await from.driver.findElement(By.css("#chat-form button")).click();
        await to.driver.wait(
          async () => (await to.driver.findElement(By.css("#chat-log")).getAttribute("textContent")).includes(text),
          15000,
          `${who}'s message ${n} never arrived`,
        );
      }
    }
    // The speakers have played the call for several seconds by now (the video checks above).
    await waitForMovingVideo(alice.driver, "Alice");
    await screenshot(bob.driver, "70-call-with-chat");
    const seconds = (Date.now() - began) / 1000;
    for (const [name, app] of [["alice", alice], ["bob", bob]]) {
      const lines = linesSince(app, start[name]);
      const errors = deviceErrors(lines);
      const keyNoise = lines.filter((l) => /Couldn't get key from code/.test(l));
      console.log(
        `${name}: ${lines.length} log lines in ${seconds.toFixed(1)} s of call, ${errors.written.length} device-error lines ` +
          `standing for ${errors.total} device errors, ${keyNoise.length} key lines`,
      );
      assert.equal(keyNoise.length, 0, `${name} printed key noise: ${keyNoise.slice(0, 3).join(" | ")}`);
      // Rate-limited: one line per 5 s at most (plus the first of each kind).
      assert.ok(errors.written.length <= seconds / 5 + 4, `${name} wrote ${errors.written.length} device-error lines`);
      // Paced: a storm is held to ~50 errors/s (it was ~1,800/s); a healthy stream has none.
      assert.ok(errors.total <= 60 * seconds, `${name}: ${errors.total} device errors in ${seconds.toFixed(1)} s: ${errors.written.slice(0, 3).join(" | ")}`);
      assert.ok(lines.length < 400, `${name} wrote ${lines.length} log lines during one short call`);
    }
  });
});
