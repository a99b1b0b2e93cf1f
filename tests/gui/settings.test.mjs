// The settings dialog as a first-time user meets it: device lists by what a person would
// pick (no ALSA plugin names), a blank name's error right under the field and in view, and a
// name too long said so as it is typed instead of being cut silently at 64.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";

const env = { PEERCALL_LOCAL_PORT: String(20000 + ((process.pid + 41) % 20000)) };
const PLUGIN_NAMES = /Rate Converter|JACK|Open Sound System|Plugin|upmix|downmix|Discard all samples|Speex/i;

/** The options of a select, as the user reads them. */
async function optionTexts(driver, css) {
  return driver.executeScript("return [...document.querySelectorAll(arguments[0] + ' option')].map((o) => o.textContent);", css);
}

/** Whether `css` is shown and lies inside the visible part of the open dialog and window. */
async function inView(driver, css) {
  return driver.executeScript(`
    const node = document.querySelector(arguments[0]);
    if (!node || node.hidden) return false;
    const r = node.getBoundingClientRect();
    const d = document.getElementById("settings-dialog").getBoundingClientRect();
    const top = Math.max(0, d.top), bottom = Math.min(window.innerHeight, d.bottom);
    return r.height > 0 && r.top >= top && r.bottom <= bottom;`, css);
}

describe("the settings dialog on first run", () => {
  let app;
  let profile;
  before(async () => {
    profile = freshProfile("newcomer");
    app = await launchApp(profile, env);
    await visible(app.driver, "#settings-dialog");
  });
  after(async () => {
    await app?.stop();
  });

  it("lists microphones and speakers a person would pick, by name", async () => {
    const driver = app.driver;
    await driver.wait(async () => (await optionTexts(driver, "#microphone-select")).length > 1, 20000, "devices never listed");
    for (const list of ["#microphone-select", "#speaker-select"]) {
      const names = await optionTexts(driver, list);
      assert.deepEqual(names.filter((n) => PLUGIN_NAMES.test(n)), [], `${list}: ${JSON.stringify(names)}`);
      assert.ok(names.includes("System default"), `${list}: ${JSON.stringify(names)}`);
      assert.equal(new Set(names).size, names.length, `${list} repeats a name: ${JSON.stringify(names)}`);
    }
    assert.ok((await optionTexts(driver, "#microphone-select")).includes("Test tone (synthetic)"));
  });

  it("a blank name is refused with the reason right under the field, in view", async () => {
    const driver = app.driver;
    await driver.findElement(By.css("#display-name")).clear();
    await driver.findElement(By.css("#settings-save")).click();
    await driver.wait(async () => inView(driver, "#name-error"), 5000, "the name's error is not in view");
    assert.equal(await driver.findElement(By.css("#name-error")).getText(), "Please enter a name.");
    assert.equal(await driver.findElement(By.css("#settings-dialog")).getAttribute("open"), "true", "the dialog closed");
    await screenshot(driver, "50-blank-name");
  });

  it("a 300-character name is not cut silently: the dialog says so as it is typed", async () => {
    const driver = app.driver;
    const input = await driver.findElement(By.css("#display-name"));
    await input.sendKeys("x".repeat(300));
    assert.equal((await input.getAttribute("value")).length, 300, "the field cut the name");
    await driver.wait(async () => inView(driver, "#name-error"), 5000, "no message about the length");
    assert.equal(await driver.findElement(By.css("#name-error")).getText(), "A name can have at most 64 characters; this one has 300.");
    await driver.findElement(By.css("#settings-save")).click();
    assert.equal(await driver.findElement(By.css("#settings-dialog")).getAttribute("open"), "true", "an overlong name was saved");
    await screenshot(driver, "51-long-name");
  });

  it("a good name clears the message and is saved", async () => {
    const driver = app.driver;
    const input = await driver.findElement(By.css("#display-name"));
    await input.clear();
    await input.sendKeys("Dana");
    await driver.wait(async () => (await driver.findElement(By.css("#name-error")).getAttribute("hidden")) === "true", 5000, "the message stayed");
    await driver.findElement(By.css("#settings-save")).click();
    await driver.wait(async () => (await driver.findElement(By.css("#settings-dialog")).getAttribute("open")) === null, 10000, "not saved");
  });

  it("the microphone's four switches are on by default, and the rumble filter's is kept once the others are off", async () => {
    const driver = app.driver;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    const box = (id) =>
      driver.executeScript("const b = document.getElementById(arguments[0]); return { checked: b.checked, disabled: b.disabled };", id);
    for (const id of ["echo-cancellation", "noise-suppression", "auto-gain"]) {
      assert.deepEqual(await box(id), { checked: true, disabled: false }, id);
    }
    // Echo cancellation and noise suppression need the filter: it shows on and cannot be unticked.
    assert.deepEqual(await box("high-pass"), { checked: true, disabled: true });
    for (const id of ["echo-cancellation", "noise-suppression"]) {
      const b = await driver.findElement(By.id(id));
      await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' });", b);
      await b.click();
    }
    assert.deepEqual(await box("high-pass"), { checked: true, disabled: false }, "free once both are off");
    await driver.findElement(By.id("high-pass")).click();
    await screenshot(driver, "54-microphone-switches");
    await driver.findElement(By.css("#settings-save")).click();
    await driver.wait(async () => (await driver.findElement(By.css("#settings-dialog")).getAttribute("open")) === null, 10000, "not saved");
    const file = path.join(profile.data, "org.peercall.desktop", "settings.json");
    const saved = JSON.parse(readFileSync(file, "utf8")).settings?.voice;
    assert.deepEqual(saved, { echoCancellation: false, noiseSuppression: false, autoGain: true, highPass: false });
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    assert.deepEqual(await box("high-pass"), { checked: false, disabled: false }, "the choice did not come back");
    // Echo cancellation on again: the filter runs, and the box says so.
    await driver.findElement(By.id("echo-cancellation")).click();
    assert.deepEqual(await box("high-pass"), { checked: true, disabled: true });
    await driver.findElement(By.css("#settings-cancel")).click();
  });

  it("closed while its camera is still opening, the dialog leaves no preview running", async () => {
    const driver = app.driver;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    // A resolution change restarts the preview camera; Cancel before it has opened. The stop
    // used to reach the app first, and the camera then ran (and drew) for the rest of the run.
    await driver.executeScript(`
      const s = document.getElementById("resolution-select");
      s.value = s.value === "1280x720" ? "640x480" : "1280x720";
      s.dispatchEvent(new Event("change"));
      document.getElementById("settings-cancel").click();`);
    const published = () =>
      driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
        window.peercallBench.produced().then((p) => done(p.previewPublished), (e) => done(String(e)));`);
    // Stopped: no preview frame published for two seconds running (the camera makes 30 a second).
    let last = await published();
    let still = 0;
    assert.equal(typeof last, "number", `the bench counters are not readable: ${last}`);
    const stopped = async () => {
      const now = await published();
      assert.equal(typeof now, "number", `the bench counters are not readable: ${now}`);
      still = now === last ? still + 1 : 0;
      last = now;
      return still >= 2;
    };
    await driver.wait(stopped, 15000, "the preview camera is still publishing", 1000);
  });
});

describe("hosting calls for the local network", () => {
  let app;
  let profile;
  before(async () => {
    profile = freshProfile("host");
    app = await launchApp(profile, env);
    await visible(app.driver, "#settings-dialog");
    await app.driver.findElement(By.css("#display-name")).sendKeys("Hana");
    await app.driver.findElement(By.css("#settings-save")).click();
  });
  after(async () => {
    await app?.stop();
  });

  it("is off by default: the app hosts for this computer only", async () => {
    const hosting = await visible(app.driver, "#hosting", 20000);
    await app.driver.wait(async () => /for this computer only/.test(await hosting.getText()), 10000, "not hosting for this computer");
    assert.match(await hosting.getText(), /others can join at ws:\/\/127\.0\.0\.1:/);
  });

  it("turned on, Settings shows a join code, the hosting line names it, and it stays the same", async () => {
    const driver = app.driver;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    assert.equal(await driver.findElement(By.css("#join-code-row")).isDisplayed(), false, "a code shown while off");
    const lan = await driver.findElement(By.css("#lan-hosting"));
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' });", lan);
    await lan.click();
    await driver.wait(async () => driver.findElement(By.css("#join-code-row")).isDisplayed(), 5000, "no join code row once on");
    await driver.findElement(By.css("#settings-save")).click();
    const hosting = await visible(driver, "#hosting", 20000);
    await driver.wait(async () => /for your local network/.test(await hosting.getText()), 20000, "not hosting for the network");
    const code = (await hosting.getText()).match(/join code ([0-9A-Z]{5}-[0-9A-Z]{5})/)?.[1];
    assert.ok(code, await hosting.getText());
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    const shown = await driver.findElement(By.css("#join-code"));
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' });", shown);
    assert.equal(await shown.getText(), code);
    await screenshot(driver, "52-join-code");
    const file = readFileSync(path.join(profile.data, "org.peercall.desktop", "settings.json"));
    assert.ok(file.includes(code), "the code is not kept in the settings");
    assert.equal(statSync(path.join(profile.data, "org.peercall.desktop", "settings.json")).mode & 0o777, 0o600);
    await driver.findElement(By.css("#settings-cancel")).click();
  });
});
