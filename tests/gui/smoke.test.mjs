// GUI smoke test: the real app under Xvfb through tauri-driver + WebKitWebDriver.
// First run asks for a name; saving it updates the UI; the name survives a restart (store).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFileSync, statSync } from "node:fs";
import { By, freshProfile, launchApp, screenshot, until, visible } from "./harness.mjs";
import { recordTexts } from "./steps.mjs";

describe("app shell", () => {
  const profile = freshProfile("smoke");
  let app;

  before(async () => {
    app = await launchApp(profile);
  });
  after(async () => {
    await app?.stop();
  });

  it("opens a window titled Peercall with the app shell", async () => {
    const { driver } = app;
    assert.equal(await driver.getTitle(), "Peercall");
    const heading = await visible(driver, "#app-title");
    assert.equal(await heading.getText(), "Peercall");
    const settings = await driver.findElement(By.css("#settings-button"));
    assert.equal(await settings.getAttribute("aria-label"), "Settings");
    const status = await driver.findElement(By.css("#connection-status"));
    // First run, no name yet: neutral, not a red "Offline" before the user did anything.
    assert.equal(await status.getText(), "Not connected");
    await driver.wait(
      async () => (await driver.findElement(By.css("#app-version")).getText()).startsWith("Peercall "),
      10000,
      "version footer never filled in from the Rust side",
    );
  });

  it("asks for a display name on first run and rejects an empty one", async () => {
    const { driver } = app;
    const dialog = await visible(driver, "#settings-dialog");
    assert.equal(await dialog.getAttribute("open"), "true");
    assert.equal(await driver.findElement(By.css("#settings-intro")).isDisplayed(), true);
    await screenshot(driver, "01-first-run");
    const name = await driver.findElement(By.css("#display-name"));
    await name.clear();
    await name.sendKeys("   ");
    await driver.findElement(By.css("#settings-save")).click();
    const error = await driver.findElement(By.css("#name-error"));
    await driver.wait(async () => (await error.getText()) !== "", 5000);
    assert.match(await error.getText(), /enter a name/i);
  });

  it("saves the name through the Rust side and shows it", async () => {
    const { driver } = app;
    const name = await driver.findElement(By.css("#display-name"));
    await name.clear();
    await name.sendKeys("Alice Tester");
    await driver.findElement(By.css("#settings-save")).click();
    const greeting = await driver.findElement(By.css("#greeting"));
    await driver.wait(until.elementTextContains(greeting, "Alice Tester"), 10000);
    const dialog = await driver.findElement(By.css("#settings-dialog"));
    assert.equal(await dialog.getAttribute("open"), null);
    // "No one else is online yet" once the app is online (not before: it would not be true).
    await driver.wait(async () => driver.findElement(By.css("#peers-empty")).isDisplayed(), 15000, "never online with an empty list");
    await screenshot(driver, "02-main-window");
  });

  it("opens settings from the header button with the saved values", async () => {
    const { driver } = app;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    assert.equal(await driver.findElement(By.css("#display-name")).getAttribute("value"), "Alice Tester");
    assert.equal(await driver.findElement(By.css("#settings-intro")).isDisplayed(), false);
    await screenshot(driver, "03-settings");
    await driver.findElement(By.css("#settings-cancel")).click();
    await driver.wait(
      async () => (await driver.findElement(By.css("#settings-dialog")).getAttribute("open")) === null,
      5000,
    );
  });

  it("keeps the settings across a restart", async () => {
    await app.stop();
    app = await launchApp(profile);
    const { driver } = app;
    const greeting = await visible(driver, "#greeting");
    await driver.wait(until.elementTextContains(greeting, "Alice Tester"), 10000);
    const dialog = await driver.findElement(By.css("#settings-dialog"));
    assert.equal(await dialog.getAttribute("open"), null, "first-run prompt shown again after restart");
  });

  it("reconnects when the settings change and stays online", async () => {
    const { driver } = app;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    const name = await driver.findElement(By.css("#display-name"));
    await name.clear();
    await name.sendKeys("Alice Renamed");
    const logStart = statSync(app.logFile).size;
    const statusTexts = await recordTexts(driver, "status", "#connection-status");
    await driver.findElement(By.css("#settings-save")).click();
    await driver.wait(until.elementTextContains(await driver.findElement(By.css("#greeting")), "Alice Renamed"), 10000);
    const status = await driver.findElement(By.css("#connection-status"));
    await driver.wait(async () => (await status.getText()) === "Online", 15000, "not online after the reconnect");
    // The replaced connection's late "closed" must not turn the status offline: wait until
    // the shell handled it (its log line), then the status must never have said Offline.
    await driver.wait(
      async () => readFileSync(app.logFile).subarray(logStart).toString().includes("engine closed"),
      15000,
      "the replaced engine's close was never handled",
    );
    assert.equal(await status.getText(), "Online");
    assert.ok(!(await statusTexts()).includes("Offline"), `status went Offline: ${await statusTexts()}`);
  });
});
