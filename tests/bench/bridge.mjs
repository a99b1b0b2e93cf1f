// Frame-bridge benchmark: the real app under Xvfb shows the test-pattern camera at
// 1280x720@30 in its settings preview (Rust capture -> loopback WebSocket -> WebGL) for
// BRIDGE_SECONDS (default 60); BRIDGE_FULL=1 enlarges the window and preview so the frame is shown
// at its full size, one canvas pixel per frame pixel (the worst case). Reports frames drawn vs produced, bridge latency (send -> drawn)
// and capture latency (capture -> drawn) p50/p95, and CPU of the app and WebKit web processes.
import { readFileSync, readdirSync } from "node:fs";
import { freshProfile, launchApp, visible } from "../gui/harness.mjs";

const SECONDS = Number(process.env.BRIDGE_SECONDS ?? 60);
const FULL = process.env.BRIDGE_FULL === "1";
const TICKS = 100; // USER_HZ

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** CPU ticks per thread name (tokio workers, the camera thread, ...) of one process. */
function threadTicks(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      out[name] = (out[name] ?? 0) + cpuTicks(`${pid}/task/${tid}`);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function parentOf(pid) {
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1];
}

function processes(name) {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name;
    } catch {
      return false;
    }
  });
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

// Measured on this project's machines: WebKit's DMABuf renderer costs about twice the CPU under
// Xvfb's software GL (it breaks WebDriver screenshots, so only the benchmark turns it off).
const app = await launchApp(freshProfile("bench"), { WEBKIT_DISABLE_DMABUF_RENDERER: process.env.WEBKIT_DISABLE_DMABUF_RENDERER ?? "1" });
try {
  const { driver } = app;
  await visible(driver, "#settings-dialog");
  await driver.wait(async () => (await driver.findElements({ css: "#camera-select option[value='synthetic:test-pattern']" })).length > 0, 20000);
  await driver.executeScript(`
    const pick = (id, value) => { const s = document.getElementById(id); s.value = value; s.dispatchEvent(new Event("change")); };
    pick("camera-select", "synthetic:test-pattern");
    pick("resolution-select", "1280x720");`);
  if (FULL) {
    // Worst case: the picture shown at its full 1280x720, one canvas pixel per frame pixel.
    await driver.manage().window().setRect({ width: 1400, height: 1150 });
    // CSSOM, not a <style> element: the app's CSP forbids inline style sheets.
    await driver.executeScript(`
      const set = (el, props) => Object.entries(props).forEach(([k, v]) => el.style.setProperty(k, v, "important"));
      set(document.getElementById("settings-dialog"), { width: "1330px", "max-width": "none", "max-height": "none" });
      set(document.querySelector("#settings-dialog .preview-box"), { width: "1280px", height: "720px" });`);
  }
  await driver.wait(async () => (await driver.executeScript("return window.peercallBench.preview().width")) === 1280, 20000, "no 720p frame drawn");
  await driver.sleep(2000); // settle
  const appPid = processes("peercall")[0];
  // This app's own web processes (comm is cut to 15 characters), not any other WebKit around.
  const webPids = processes("WebKitWebProces").filter((pid) => parentOf(pid) === appPid);
  if (!appPid || webPids.length === 0) throw new Error("cannot find the app and its web process");
  // CPU counters, frames produced in Rust and the page's draw statistics, at one moment.
  const sample = async () => ({
    t: Date.now(),
    app: cpuTicks(appPid),
    threads: threadTicks(appPid),
    web: webPids.reduce((sum, pid) => sum + cpuTicks(pid), 0),
    produced: (await driver.executeAsyncScript("window.peercallBench.produced().then(arguments[0])")).previewPublished,
    stats: await driver.executeScript("return window.peercallBench.preview();"),
  });
  const start = await sample();
  await driver.sleep(SECONDS * 1000);
  const end = await sample();
  const secs = (end.t - start.t) / 1000;
  const produced = end.produced - start.produced;
  const drawn = end.stats.drawn - start.stats.drawn;
  const bridge = end.stats.bridgeLatencyMs.slice(-drawn).sort((a, b) => a - b);
  const capture = end.stats.captureLatencyMs.slice(-drawn).sort((a, b) => a - b);
  const report = {
    mode: FULL ? "full-size (1280x720 on screen)" : "settings preview",
    seconds: Math.round(secs),
    resolution: `${end.stats.width}x${end.stats.height}`,
    drawnInto: `${end.stats.drawnWidth}x${end.stats.drawnHeight}`,
    produced,
    drawn,
    droppedPercent: Number((100 * (1 - drawn / produced)).toFixed(2)),
    bridgeLatencyMs: { p50: Number(pct(bridge, 50).toFixed(1)), p95: Number(pct(bridge, 95).toFixed(1)) },
    captureToDrawnMs: { p50: Number(pct(capture, 50).toFixed(1)), p95: Number(pct(capture, 95).toFixed(1)) },
    appCpuPercent: Number(((100 * (end.app - start.app)) / TICKS / secs).toFixed(1)),
    webProcessCpuPercent: Number(((100 * (end.web - start.web)) / TICKS / secs).toFixed(1)),
    appThreadsCpuPercent: Object.fromEntries(
      Object.entries(end.threads)
        .map(([name, ticks]) => [name, Number(((100 * (ticks - (start.threads[name] ?? 0))) / TICKS / secs).toFixed(1))])
        .filter(([, p]) => p >= 0.1),
    ),
  };
  console.log(JSON.stringify(report));
} finally {
  await app.stop();
}
