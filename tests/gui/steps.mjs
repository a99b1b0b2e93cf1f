// What a user does in the app, shared by the GUI tests: first run, clicking a peer, reading
// the notice, waiting to be back at the peer list.
import assert from "node:assert/strict";
import { By, until, visible } from "./harness.mjs";

/** The app's first-run settings: a name, the synthetic camera and the tone microphone. */
export async function firstRun(driver, name) {
  await visible(driver, "#settings-dialog");
  const input = await driver.findElement(By.css("#display-name"));
  await input.clear();
  await input.sendKeys(name);
  // Wait for the device lists, then pick the synthetic camera and microphone.
  await driver.wait(async () => (await driver.findElements(By.css("#microphone-select option[value='synthetic:tone']"))).length > 0, 20000, "devices never listed");
  await driver.executeScript(`
    const pick = (id, value) => { const s = document.getElementById(id); s.value = value; s.dispatchEvent(new Event("change")); };
    pick("camera-select", "synthetic:test-pattern");
    pick("microphone-select", "synthetic:tone");
    pick("resolution-select", "640x480");`);
  await driver.findElement(By.css("#settings-save")).click();
  await driver.wait(async () => (await driver.findElement(By.css("#settings-dialog")).getAttribute("open")) === null, 10000);
}

export async function peerButton(driver, name, timeoutMs = 30000) {
  const xpath = `//button[contains(@class,'peer')][.//span[@class='peer-name' and text()='${name}']]`;
  return driver.wait(until.elementLocated(By.xpath(xpath)), timeoutMs, `${name} never appeared in the peer list`);
}

/** Clicks a peer, again if the list was re-rendered (a peer update) between finding and clicking. */
export async function clickPeer(driver, name) {
  for (let attempt = 0; ; attempt++) {
    try {
      await (await peerButton(driver, name)).click();
      return;
    } catch (err) {
      if (err.name !== "StaleElementReferenceError" || attempt >= 5) throw err;
    }
  }
}

export async function noticeText(driver, pattern, timeoutMs = 30000) {
  const notice = await driver.findElement(By.css("#notice"));
  await driver.wait(async () => pattern.test(await notice.getText()), timeoutMs, `no notice matching ${pattern}`);
  return notice.getText();
}

export async function atHome(driver) {
  await driver.wait(async () => !(await driver.findElement(By.css("#home")).getAttribute("hidden")), 15000, "not back at the peer list");
  assert.equal(await driver.findElement(By.css("#call")).getAttribute("hidden"), "true");
}

export async function incomingDialogClosed(driver) {
  await driver.wait(async () => (await driver.findElement(By.css("#incoming-dialog")).getAttribute("open")) === null, 10000, "the incoming-call dialog stayed open");
}
