// LAN discovery in the real app (issue 15): run by scripts/test-gui.sh inside
// scripts/lan-ns-run.sh's namespace (only a multicast-capable loopback: mDNS works inside and
// nothing leaves the machine). A host announces itself with `peercall-lan announce` (what an
// app hosting for the network does); Bob's app lists it under "Hosts on your network" with
// where it was found; Join… opens Settings on its URL, ready for the join code; when the host
// stops announcing, the list goes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "../harness.mjs";
import { firstRun } from "../steps.mjs";

const TARGET = process.env.CARGO_TARGET_DIR ?? path.resolve("target");
const LAN_BIN = process.env.PEERCALL_LAN_BIN ?? path.join(TARGET, "debug", "peercall-lan");
const skip = !process.env.PEERCALL_LAN_NS ? "runs only inside scripts/lan-ns-run.sh (PEERCALL_LAN_NS unset)"
  : !existsSync(LAN_BIN) ? `${LAN_BIN} not built (cargo build -p peercall-discovery)` : false;
const PORT = 20000 + ((process.pid + 11) % 20000);
const env = { PEERCALL_LOCAL_PORT: String(PORT), PEERCALL_LAN_DISCOVERY: "on" };
const HOST = "Alice's laptop";

/** The lobby's list of hosts: [{text, button}] ("" when it offers no button). */
const hostItems = (driver) => driver.executeScript(`
  const section = document.getElementById("lan-hosts");
  if (section.hidden) return [];
  return [...section.querySelectorAll("li")].map((li) => ({
    text: li.querySelector("span")?.textContent.trim() ?? "", button: li.querySelector("button")?.textContent ?? "" }));`);

describe("the app lists a host announced on the LAN and joins it with the code", { skip }, () => {
  let bob;
  let host;
  before(async () => {
    bob = await launchApp(freshProfile("bob-lan"), env);
    await firstRun(bob.driver, "Bob");
  });
  after(async () => {
    host?.kill("SIGKILL");
    await bob?.stop();
  });

  it("shows the host with where it was found, Join… fills in its URL, and a goodbye removes it", async () => {
    host = spawn(LAN_BIN, ["announce", "--name", HOST, "--port", "7788"], { stdio: ["ignore", "pipe", "inherit"] });
    let items = [];
    await bob.driver.wait(async () => (items = await hostItems(bob.driver)).some((i) => i.text.includes(HOST)), 20000, "")
      .catch(() => {});
    assert.deepEqual(items, [{ text: `${HOST} found at 127.0.0.1 on lo`, button: "Join…" }], "the lobby's hosts");
    await screenshot(bob.driver, "lan-01-host-found");

    await bob.driver.findElement(By.css("#lan-host-list button")).click();
    await visible(bob.driver, "#settings-dialog");
    const server = await bob.driver.findElement(By.css("#server-url")).getAttribute("value");
    assert.equal(server, "ws://127.0.0.1:7788/ws", "the server URL Join… filled in");
    const focused = await bob.driver.executeScript("return document.activeElement?.id");
    assert.equal(focused, "server-token", "the cursor waits in the join-code field");
    await screenshot(bob.driver, "lan-02-join-settings");
    await bob.driver.findElement(By.css("#settings-cancel")).click();

    host.kill("SIGTERM");
    await bob.driver.wait(async () => (await hostItems(bob.driver)).length === 0, 20000, "the host stayed listed after its goodbye");
  });
});
