// The connection state the user sees is true: an unreachable server is never "Online" (the
// page says why and counts down to the next try, and the app gets in once the server is up),
// renaming in Settings does not flash "Offline", and when the hosting app dies mid-call (killed:
// it can tell no one) the other side sees the call reconnecting instead of a frozen picture and
// hears about its end in plain words, never a raw server code. (A clean quit hangs up first, so
// the survivor is told "Alice hung up" at once and never reconnects.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";
import { atHome, clickPeer, firstRun, peerButton, recordTexts, waitForMovingVideo } from "./steps.mjs";

const port = 20000 + ((process.pid + 29) % 20000);
const serverUrl = `ws://127.0.0.1:${port}/ws`;
const env = { PEERCALL_LOCAL_PORT: String(port), PEERCALL_ICE_BIND: "127.0.0.1:0" };
// A raw protocol code such as "unknown-peer: …" or "bad-field: …".
const RAW_CODE = /\b[a-z]+(-[a-z]+)+:|no such peer/;

/** The words in `css` as written (getText would apply the heading's text-transform). */
async function text(driver, css) {
  return (await driver.findElement(By.css(css)).getAttribute("textContent")).trim();
}

describe("connection states tell the truth", () => {
  let alice;
  let bob;
  before(async () => {
    // Bob's app points at a server that is not running yet.
    bob = await launchApp(freshProfile("bob"), env);
    await firstRun(bob.driver, "Bob", { serverUrl });
  });
  after(async () => {
    await alice?.stop();
    await bob?.stop();
  });

  it("with the server down: not 'Online', the reason, and a countdown to the next try", async () => {
    const pill = await bob.driver.findElement(By.css("#connection-status"));
    await bob.driver.wait(async () => /^Reconnecting in \d+ s…$/.test(await pill.getText()), 15000, "no countdown in the status pill");
    await visible(bob.driver, "#offline-state", 5000);
    assert.notEqual(await text(bob.driver, "#peers-heading"), "Online");
    assert.equal(await bob.driver.findElement(By.css("#peers-empty")).isDisplayed(), false, "'No one else is online yet' while not online");
    assert.equal(await text(bob.driver, "#offline-detail"), `Can't reach the server at ${serverUrl}.`);
    assert.match(await text(bob.driver, "#offline-retry"), /^Trying again (in \d+ s|now)…$/);
    await screenshot(bob.driver, "40-server-unreachable");
  });

  it("once the server is up, the next try gets in and the page says 'Online'", async () => {
    // Alice's app hosts the built-in server on the port Bob keeps trying.
    alice = await launchApp(freshProfile("alice"), env);
    await firstRun(alice.driver, "Alice");
    await peerButton(bob.driver, "Alice", 45000);
    assert.equal(await text(bob.driver, "#connection-status"), "Online");
    assert.equal(await text(bob.driver, "#peers-heading"), "Online");
    assert.equal(await bob.driver.findElement(By.css("#offline-state")).isDisplayed(), false);
  });

  it("renaming in Settings reconnects without an 'Offline' toast", async () => {
    const notices = await recordTexts(bob.driver, "notice", "#notice");
    const pills = await recordTexts(bob.driver, "pill", "#connection-status");
    await bob.driver.findElement(By.css("#settings-button")).click();
    await visible(bob.driver, "#settings-dialog");
    const name = await bob.driver.findElement(By.css("#display-name"));
    await name.clear();
    await name.sendKeys("Robert");
    await bob.driver.findElement(By.css("#settings-save")).click();
    await peerButton(alice.driver, "Robert");
    await bob.driver.wait(async () => (await text(bob.driver, "#connection-status")) === "Online", 10000, "Bob not back online");
    assert.deepEqual((await notices()).filter((t) => /offline|shut down/i.test(t)), [], "an 'Offline' toast while reconnecting");
    assert.deepEqual((await pills()).filter((t) => /offline/i.test(t)), [], "the pill said Offline");
  });

  it("when the hosting app dies mid-call, the other side sees it reconnect, then hears it in plain words", async () => {
    await clickPeer(alice.driver, "Robert");
    await visible(bob.driver, "#incoming-dialog", 20000);
    await bob.driver.findElement(By.css("#accept-call")).click();
    await waitForMovingVideo(bob.driver, "Bob");
    const notices = await recordTexts(bob.driver, "notice-call", "#notice");
    const covers = await recordTexts(bob.driver, "cover", "#remote-placeholder-text");
    // Killed, not quit: a quit hangs up cleanly (and whether WebDriver's session close lets the
    // app quit or kills it is a race), so only a kill leaves Bob's call to find out by itself.
    await alice.crash();
    alice = null;
    await bob.driver.wait(async () => !(await bob.driver.findElement(By.css("#home")).getAttribute("hidden")), 60000, "the call never ended");
    await atHome(bob.driver);
    // Bob's server was Alice's app: it is gone, and Bob's app must not pretend otherwise.
    await bob.driver.wait(async () => /^Reconnecting/.test(await text(bob.driver, "#connection-status")), 15000, "Bob's pill does not show that the server is gone");
    assert.notEqual(await text(bob.driver, "#peers-heading"), "Online");
    await screenshot(bob.driver, "41-host-quit-mid-call");
    // While the call tried to come back, its frozen picture was covered and said why.
    const said = await covers();
    assert.ok(said.some((t) => t === "The connection to Alice was interrupted. Reconnecting…"), `no reconnecting cover in ${JSON.stringify(said)}`);
    const seen = (await notices()).filter(Boolean);
    assert.deepEqual(seen.filter((t) => RAW_CODE.test(t)), [], `raw codes in ${JSON.stringify(seen)}`);
    assert.ok(seen.some((t) => /Alice (went offline|hung up)|connection to Alice was lost/.test(t)), `no plain end of call in ${JSON.stringify(seen)}`);
  });
});
