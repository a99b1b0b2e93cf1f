// Listening to Bob's speaker: the ringtone (660 + 880 Hz chime) plays while Alice's call rings
// at Bob's app and falls silent once he accepts, after the call, after he rejects and after
// Alice cancels. Bob's app plays into its own null sink, recorded from the sink's monitor.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";
import { Recorder, privateSink } from "./listen.mjs";
import { atHome, clickPeer, firstRun, incomingDialogClosed, noticeText, peerButton } from "./steps.mjs";

const env = {
  // A private port for the embedded server, so this run never meets another Peercall.
  PEERCALL_LOCAL_PORT: String(20000 + ((process.pid + 7) % 20000)),
  PEERCALL_ICE_BIND: "127.0.0.1:0",
};
// The ringtone's cycle is ~2 s (0.6 s chime, 1.4 s pause): listening 4.5 s covers two.
const QUIET_MS = 4500;
// The sound already queued in the speaker and the recorder when the ringtone stops.
const SETTLE_MS = 600;

describe("the ringtone is heard only while a call rings", () => {
  let alice;
  let bob;
  let sink;
  let recorder;
  before(async () => {
    sink = privateSink("bob");
    recorder = new Recorder(sink.name, "ringtone-bob-speaker");
    alice = await launchApp(freshProfile("alice"), env);
    await firstRun(alice.driver, "Alice");
    bob = await launchApp(freshProfile("bob"), { ...env, ...sink.env });
    await firstRun(bob.driver, "Bob");
    await peerButton(alice.driver, "Bob");
    await peerButton(bob.driver, "Alice");
  });
  after(async () => {
    await alice?.stop();
    await bob?.stop();
    recorder?.stop();
    sink?.unload();
  });

  /** Alice calls; Bob's dialog opens and his speaker chimes. */
  async function aliceCallsAndBobRings() {
    await clickPeer(alice.driver, "Bob");
    await visible(bob.driver, "#incoming-dialog", 20000);
    await recorder.hearsChime(Date.now() - 500);
  }

  /** No chime from `SETTLE_MS` after now for `QUIET_MS`. */
  async function bobIsQuiet(label) {
    const from = Date.now() + SETTLE_MS;
    const chimes = await recorder.chimesBetween(from, QUIET_MS);
    assert.equal(chimes.length, 0, `${label}: the ringtone still plays (${chimes.length} chime blocks of 50 ms at ${chimes.map((b) => b.t - from).join(", ")} ms; ${recorder.describe(from)})`);
  }

  it("rings, then falls silent when Bob accepts, while the call's audio plays", async () => {
    await aliceCallsAndBobRings();
    await screenshot(bob.driver, "20-ringing");
    await bob.driver.findElement(By.css("#accept-call")).click();
    await visible(bob.driver, "#call", 20000);
    const accepted = Date.now();
    // The recorder hears Bob's speaker: Alice's 440 Hz tone microphone arrives...
    await recorder.hearsTone(accepted);
    // ...and no chime over it.
    await bobIsQuiet("in the call");
  });

  it("stays silent after Alice hangs up", async () => {
    await alice.driver.findElement(By.css("#hang-up")).click();
    await atHome(bob.driver);
    await atHome(alice.driver);
    await bobIsQuiet("after the call");
  });

  it("rings again for the next call and falls silent when Bob rejects", async () => {
    await aliceCallsAndBobRings();
    await bob.driver.findElement(By.css("#reject-call")).click();
    await incomingDialogClosed(bob.driver);
    await noticeText(alice.driver, /declined/i);
    await bobIsQuiet("after Reject");
  });

  it("rings again and falls silent when Alice cancels", async () => {
    await aliceCallsAndBobRings();
    await alice.driver.findElement(By.css("#cancel-call")).click();
    await incomingDialogClosed(bob.driver);
    assert.match(await noticeText(bob.driver, /cancelled/i), /Alice cancelled the call/);
    await bobIsQuiet("after Alice cancelled");
    await atHome(alice.driver);
  });
});
