// No ghost peers (issue 16.2): when Alice closes her window, Bob's list loses her at once (not
// after the server's 30 s resume window); when she relaunches with the same profile, Bob lists
// her once and she never lists herself — also after a crash, when her app could say no goodbye.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot } from "./harness.mjs";
import { firstRun, peerButton } from "./steps.mjs";

const port = 20000 + ((process.pid + 41) % 20000);
const env = { PEERCALL_LOCAL_PORT: String(port), PEERCALL_ICE_BIND: "127.0.0.1:0" };
// Well under the server's 30 s resume window, which is what a ghost would wait for.
const PROMPTLY_MS = 10000;

/** The names in the peer list, as shown. */
async function listed(driver) {
  return driver.executeScript(
    "return [...document.querySelectorAll('#peer-list .peer-name')].map((e) => e.textContent);",
  );
}

/** Waits until `driver` lists exactly `want` (sorted names), returning the time it took. */
async function waitForList(driver, want, timeoutMs, what) {
  const started = Date.now();
  let last = [];
  await driver
    .wait(async () => {
      last = (await listed(driver)).sort();
      return JSON.stringify(last) === JSON.stringify([...want].sort());
    }, timeoutMs)
    .catch(() => assert.fail(`${what}: listed ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`));
  return Date.now() - started;
}

describe("quitting leaves at once and a relaunch is listed once", () => {
  const aliceProfile = freshProfile("alice-relaunch");
  let alice;
  let bob;
  const launched = [];
  /** Alice's app, launched on her one profile (every launch is stopped at the end). */
  async function launchAlice() {
    alice = await launchApp(aliceProfile, env);
    launched.push(alice);
    return alice;
  }
  before(async () => {
    // Bob's app hosts the built-in server, so it outlives Alice's app.
    bob = await launchApp(freshProfile("bob-relaunch"), env);
    await firstRun(bob.driver, "Bob");
    await launchAlice();
    await firstRun(alice.driver, "Alice");
    await peerButton(bob.driver, "Alice");
    await peerButton(alice.driver, "Bob");
  });
  after(async () => {
    for (const app of launched) await app.stop();
    await bob?.stop();
  });

  it("closing Alice's window takes her off Bob's list promptly", async () => {
    const quit = await alice.closeWindow(); // as the window manager's close button does
    console.log(`Alice's app exited ${quit} ms after her window was closed`);
    const took = await waitForList(bob.driver, [], PROMPTLY_MS, "Bob still lists Alice after she quit");
    console.log(`Bob's list lost Alice ${took} ms after her window closed`);
    await screenshot(bob.driver, "60-bob-after-alice-quit");
  });

  it("relaunched with the same profile, Alice is listed once and never sees herself", async () => {
    await launchAlice();
    await peerButton(alice.driver, "Bob"); // signs in by itself with the saved name
    await waitForList(bob.driver, ["Alice"], PROMPTLY_MS, "Bob's list after Alice relaunched");
    await waitForList(alice.driver, ["Bob"], PROMPTLY_MS, "Alice's list after she relaunched");
    await screenshot(alice.driver, "61-alice-relaunched");
    await screenshot(bob.driver, "62-bob-sees-alice-once");
  });

  it("after a crash (no goodbye), the relaunch replaces her old session", async () => {
    await alice.crash();
    await launchAlice();
    await peerButton(alice.driver, "Bob");
    const took = await waitForList(bob.driver, ["Alice"], PROMPTLY_MS, "Bob's list after Alice crashed and relaunched");
    console.log(`Bob lists Alice once ${took} ms after her relaunched app listed him`);
    assert.deepEqual(await listed(alice.driver), ["Bob"], "Alice lists herself");
    assert.equal(await alice.driver.findElement(By.css("#connection-status")).getText(), "Online");
    await screenshot(alice.driver, "63-alice-after-crash-relaunch");
    await screenshot(bob.driver, "64-bob-after-alice-crash-relaunch");
  });
});
