// The installed package's binary reaches its UI (PEERCALL_APP=/usr/bin/peercall).
import assert from "node:assert/strict";
import { test } from "node:test";
import { freshProfile, launchApp, screenshot, visible } from "../gui/harness.mjs";

test("the installed app opens its window and UI", async () => {
  const app = await launchApp(freshProfile("deb"));
  try {
    const heading = await visible(app.driver, "#app-title");
    assert.equal(await heading.getText(), "Peercall");
    await visible(app.driver, "#settings-dialog");
    await screenshot(app.driver, "deb-installed");
  } finally {
    await app.stop();
  }
});
