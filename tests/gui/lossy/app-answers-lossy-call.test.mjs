// The real app on an impaired network: run by scripts/test-gui.sh inside
// scripts/netem-run.sh's namespace (NETEM_PROTO=udp: the media path loses and delays packets,
// while WebDriver and the app's local frame bridge, both TCP, stay clean). The agent calls Bob's
// app; Bob accepts; the video keeps moving through the losses, repaired by retransmissions, and
// the stats panel tells the user what is happening (NACKs, resends, freezes, playout delay).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "../harness.mjs";
import { firstRun } from "../steps.mjs";
import { AGENT_BIN as AGENT, startAgent } from "../../interop/harness.mjs";

const SPEC = process.env.PEERCALL_NETEM_SPEC;
const skip = !SPEC ? "runs only inside scripts/netem-run.sh (PEERCALL_NETEM_SPEC unset)"
  : !existsSync(AGENT) ? `${AGENT} not built` : false;
const PORT = 20000 + ((process.pid + 7) % 20000);
const env = { PEERCALL_LOCAL_PORT: String(PORT), PEERCALL_ICE_BIND: "127.0.0.1:0" };
/** How long the call is watched once video flows. */
/** Frames Bob's app must draw while the stats are watched (4 s at 30 fps), and a guard. */
const WATCH_FRAMES = 120;
const WATCH_DEADLINE_MS = 60000;

/** Frames the remote canvas has drawn so far. */
const drawn = (driver) => driver.executeScript("return window.peercallDebug.remote().drawn");

/** The stats panel as {label: text}. */
async function statsPanel(driver) {
  return driver.executeScript(`
    const out = {};
    const dts = document.querySelectorAll("#stats dt");
    for (const dt of dts) out[dt.textContent.trim()] = dt.nextElementSibling?.textContent.trim() ?? "";
    return out;`);
}

/** The first integer in a panel entry ("12 / 3" → [12, 3]). */
const numbers = (text) => (text ?? "").match(/\d+(\.\d+)?/g)?.map(Number) ?? [];

describe(`the app answers a call on an impaired network (${SPEC})`, { skip }, () => {
  let bob;
  let agent;
  before(async () => {
    bob = await launchApp(freshProfile("bob-lossy"), env);
    await firstRun(bob.driver, "Bob");
  });
  after(async () => {
    agent?.child.kill("SIGKILL");
    await bob?.stop();
  });

  it("video keeps moving through the losses and the stats panel shows the repairs", async () => {
    agent = startAgent([
      "--server", `ws://127.0.0.1:${PORT}/ws`, "--name", "Alice",
      "--call", "Bob", "--wait-peer", "30", "--duration", "120",
      "--video", "test-pattern", "--audio", "tone", "--resolution", "640x480", "--fps", "30",
    ]);
    try {
      await visible(bob.driver, "#incoming-dialog", 30000);
    } catch (e) {
      throw new Error(`${e.message}\nthe agent said:\n${agent.stderr().slice(-6000)}`);
    }
    await bob.driver.findElement(By.css("#accept-call")).click();
    await bob.driver.wait(async () => (await drawn(bob.driver)) > 30, 20000, "no video from the agent");
    await bob.driver.findElement(By.css("#toggle-stats")).click();
    // Waits for a number of frames (not for a time), then reports the rate as a figure.
    const first = await drawn(bob.driver);
    const started = Date.now();
    let now = first;
    await bob.driver.wait(async () => (now = await drawn(bob.driver)) >= first + WATCH_FRAMES, WATCH_DEADLINE_MS, "", 100).catch(() => {});
    assert.ok(now >= first + WATCH_FRAMES, `Bob's app drew only ${now - first} of ${WATCH_FRAMES} frames in ${WATCH_DEADLINE_MS} ms: the video froze`);
    const fps = (now - first) / ((Date.now() - started) / 1000);
    const panel = await statsPanel(bob.driver);
    await screenshot(bob.driver, "lossy-01-in-call-with-stats");
    console.log(`Bob's app drew ${fps.toFixed(1)} fps under "${SPEC}"; stats panel: ${JSON.stringify(panel)}`);
    const [nacksSent] = numbers(panel["NACKs sent / received"]);
    const [resentToUs] = numbers(panel["Resent to us / by us"]);
    assert.ok(nacksSent > 0, `the stats panel shows no NACKs sent: ${JSON.stringify(panel)}`);
    assert.ok(resentToUs > 0, `the stats panel shows no packets resent to us: ${JSON.stringify(panel)}`);
    // FEC is sent only where the path jitters (docs/video-network.md): zeros or counts.
    assert.match(panel["Rebuilt by FEC / repair sent"] ?? "", /^\d+ \/ \d+ packets$/, "no FEC row");
    assert.match(panel["Round trip"] ?? "", /\d+ ms/, "no round trip shown");
    const [rtt] = numbers(panel["Round trip"]);
    assert.ok(rtt >= 50, `round trip ${rtt} ms on a path that delays every packet`);
    await bob.driver.findElement(By.css("#hang-up")).click().catch(() => {});
    const report = await agent.report.catch((e) => ({ result: "no-report", error: String(e) }));
    assert.equal(report.result, "ok", JSON.stringify(report).slice(0, 2000));
    console.log(`the agent received ${report.video?.framesRendered} frames from the app, ${report.video?.freezes?.count} freezes, nacks sent ${report.video?.nacksSent}`);
    assert.ok(report.video?.nacksSent > 0, "the agent never NACKed the app's video");
    assert.ok(report.video?.packetsRepaired > 0, "no retransmission from the app repaired anything");
  });
});
