// Settings → "Check connection" in the real app on its built-in local server: the lines
// come back coloured by status, the server green, and the missing STUN / TURN servers (the
// built-in server hands out none) said in words with what to do.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";

const env = { PEERCALL_LOCAL_PORT: String(20000 + ((process.pid + 53) % 20000)) };

/** The check's lines as the page shows them: check → {status, text}. */
async function checkLines(driver) {
  return driver.executeScript(`
    return Object.fromEntries([...document.querySelectorAll("#check-lines li")].map((li) =>
      [li.dataset.check, { status: li.dataset.status, text: li.textContent }]));`);
}

describe("Check connection in Settings", () => {
  let app;
  before(async () => {
    app = await launchApp(freshProfile("doctor"), env);
    await visible(app.driver, "#settings-dialog");
    await app.driver.findElement(By.css("#display-name")).sendKeys("Dora");
    await app.driver.findElement(By.css("#settings-save")).click();
    await visible(app.driver, "#hosting", 20000);
  });
  after(async () => {
    await app?.stop();
  });

  it("lists each check green, amber, red or grey with the explanation", async () => {
    const driver = app.driver;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    const button = await driver.findElement(By.css("#check-connection"));
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' });", button);
    await button.click();
    await driver.wait(async () => Object.keys(await checkLines(driver)).length === 7, 30000, "the check never listed its lines");
    const lines = await checkLines(driver);
    assert.equal(lines.server.status, "ok", JSON.stringify(lines));
    assert.match(lines.server.text, /Server: connected to ws:\/\/127\.0\.0\.1:\d+\/ws and joined/);
    assert.equal(lines.stun.status, "warn", JSON.stringify(lines));
    assert.match(lines.stun.text, /offers no STUN server.*peercall-signal --stun/);
    assert.equal(lines.turn.status, "warn", JSON.stringify(lines));
    assert.equal(lines.nat.status, "skipped", JSON.stringify(lines));
    const colour = await driver.executeScript(
      "return getComputedStyle(document.querySelector('#check-lines li[data-check=server]')).borderLeftColor;");
    assert.equal(colour, "rgb(22, 163, 74)", "the server line is not green");
    assert.match(await driver.findElement(By.css("#check-status")).getText(), /caveat|failed/);
    await driver.executeScript("document.getElementById('check-lines').scrollIntoView({ block: 'center' });");
    await screenshot(driver, "53-check-connection");
    await driver.findElement(By.css("#settings-cancel")).click();
  });
});
