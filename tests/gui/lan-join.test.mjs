// Hosting for the local network over wss:// (issue 13): Alice turns on "Host calls for my local
// network"; Bob, standing in for another machine (another profile; loopback is fine), types the
// wss:// address and the join code her hosting line shows, once. Her app proves the code for its
// own certificate before Bob's app says hello, Bob's app pins that certificate, and they call.
// Carol with a wrong code is refused before her hello, in plain words. When Alice's certificate
// changes, Bob's app refuses it ("the host's certificate changed: enter its code again") until he
// types the code again in Settings.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { By, freshProfile, launchApp, screenshot, visible } from "./harness.mjs";
import { clickPeer, firstRun, peerButton, waitForMovingVideo } from "./steps.mjs";

const port = 20000 + ((process.pid + 41) % 20000);
const env = { PEERCALL_LOCAL_PORT: String(port), PEERCALL_ICE_BIND: "127.0.0.1:0" };
const appDir = (profile) => path.join(profile.data, "org.peercall.desktop");

/** The SHA-256 of Alice's certificate as the app keeps it (lowercase hex). */
function certFingerprint(profile) {
  const file = path.join(appDir(profile), "lan-certificate.json");
  const { cert_pem: pem } = JSON.parse(readFileSync(file, "utf8"));
  return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
}

/** The certificate Bob's app pinned for `url`, if any. */
function pinned(profile, url) {
  const store = JSON.parse(readFileSync(path.join(appDir(profile), "settings.json"), "utf8"));
  return store.serverPins?.[url];
}

async function text(driver, css) {
  return (await driver.findElement(By.css(css)).getAttribute("textContent")).trim();
}

async function offlineDetail(driver, pattern, timeoutMs) {
  await driver.wait(async () => pattern.test(await text(driver, "#offline-detail")), timeoutMs, `no offline detail matching ${pattern}`);
  return text(driver, "#offline-detail");
}

describe("hosting for the local network over wss://, proven by the join code", () => {
  const aliceProfile = freshProfile("alice");
  const bobProfile = freshProfile("bob");
  let alice;
  let bob;
  let carol;
  let url;
  let code;
  before(async () => {
    alice = await launchApp(aliceProfile, env);
    await firstRun(alice.driver, "Alice");
  });
  after(async () => {
    await carol?.stop();
    await bob?.stop();
    await alice?.stop();
  });

  it("Alice hosts over wss:// with a join code and a private certificate", async () => {
    const driver = alice.driver;
    await driver.findElement(By.css("#settings-button")).click();
    await visible(driver, "#settings-dialog");
    const lan = await driver.findElement(By.css("#lan-hosting"));
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' });", lan);
    await lan.click();
    await driver.findElement(By.css("#settings-save")).click();
    const hosting = await visible(driver, "#hosting", 20000);
    await driver.wait(async () => /for your local network/.test(await hosting.getText()), 20000, "not hosting for the network");
    const line = await hosting.getText();
    const found = line.match(/others can join at (wss:\/\/\S+?:(\d+)\/ws) with the join code ([0-9A-Z]{5}-[0-9A-Z]{5})/);
    assert.ok(found, line);
    assert.equal(found[2], String(port));
    [, url, , code] = found;
    const file = path.join(appDir(aliceProfile), "lan-certificate.json");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await screenshot(driver, "70-lan-hosting-wss");
  });

  it("Bob joins with her address and the code, pins her certificate, and they call", async () => {
    bob = await launchApp(bobProfile, env);
    await firstRun(bob.driver, "Bob", { serverUrl: url, token: code });
    await peerButton(bob.driver, "Alice", 45000);
    await peerButton(alice.driver, "Bob", 30000);
    assert.equal(pinned(bobProfile, url), certFingerprint(aliceProfile), "Bob did not pin Alice's certificate");
    await clickPeer(alice.driver, "Bob");
    await visible(bob.driver, "#incoming-dialog", 20000);
    await bob.driver.findElement(By.css("#accept-call")).click();
    await waitForMovingVideo(bob.driver, "Bob");
    await screenshot(bob.driver, "71-lan-call-over-wss");
    await bob.driver.findElement(By.css("#hang-up")).click();
  });

  it("Carol with a wrong code is refused before her hello, in plain words", async () => {
    const wrong = code.startsWith("0") ? `1${code.slice(1)}` : `0${code.slice(1)}`;
    carol = await launchApp(freshProfile("carol"), env);
    await firstRun(carol.driver, "Carol", { serverUrl: url, token: wrong });
    const said = await offlineDetail(carol.driver, /did not prove it knows the join code/, 30000);
    assert.match(said, /check the code in Settings/);
    await screenshot(carol.driver, "72-lan-wrong-code");
    // Her app sent nothing after the host's answer: Alice never lists her.
    const names = await alice.driver.executeScript("return [...document.querySelectorAll('.peer-name')].map((e) => e.textContent)");
    assert.deepEqual(names.filter((n) => n.startsWith("Carol")), []);
    await carol.stop();
    carol = null;
  });

  it("when Alice's certificate changes, Bob refuses it until he types the code again", async () => {
    const before = certFingerprint(aliceProfile);
    await alice.stop();
    rmSync(path.join(appDir(aliceProfile), "lan-certificate.json"));
    alice = await launchApp(aliceProfile, env);
    await visible(alice.driver, "#hosting", 30000);
    await alice.driver.wait(() => existsSync(path.join(appDir(aliceProfile), "lan-certificate.json")), 20000, "no new certificate");
    assert.notEqual(certFingerprint(aliceProfile), before);
    await offlineDetail(bob.driver, /^The host's certificate changed: enter its code again in Settings\.$/, 60000);
    assert.equal(pinned(bobProfile, url), before, "the pin changed without the code");
    await screenshot(bob.driver, "73-lan-certificate-changed");
    // Bob types the code again and saves: the code proves the new certificate, which he pins.
    await bob.driver.findElement(By.css("#settings-button")).click();
    await visible(bob.driver, "#settings-dialog");
    const token = await bob.driver.findElement(By.css("#server-token"));
    await token.clear();
    await token.sendKeys(code);
    await bob.driver.findElement(By.css("#settings-save")).click();
    await peerButton(bob.driver, "Alice", 45000);
    assert.equal(pinned(bobProfile, url), certFingerprint(aliceProfile));
  });
});
