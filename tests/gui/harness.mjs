// Test harness: starts tauri-driver, opens the real Peercall app under WebDriver, and gives
// each app instance its own config/data directories so instances never share settings.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Builder, By, until } from "selenium-webdriver";

export { By, until };

const APP = process.env.PEERCALL_APP;
const ARTIFACTS = process.env.PEERCALL_ARTIFACTS ?? path.resolve("artifacts");
let nextPort = 4444 + (process.pid % 500) * 2;

/** A fresh home for one simulated user: config, data and runtime dirs. */
export function freshProfile(label) {
  const root = mkdtempSync(path.join(tmpdir(), `peercall-${label}-`));
  const dirs = { root, config: path.join(root, "config"), data: path.join(root, "data") };
  mkdirSync(dirs.config, { recursive: true });
  mkdirSync(dirs.data, { recursive: true });
  return dirs;
}

/** Whether nothing listens on 127.0.0.1:`port` (a driver left over from another run may). */
function portFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** The next pair of ports (WebDriver, native) that are both free. */
async function nextFreePortPair() {
  for (let tries = 0; tries < 200; tries++) {
    const port = nextPort;
    nextPort += 2;
    if ((await portFree(port)) && (await portFree(port + 1))) return [port, port + 1];
  }
  throw new Error("no free port pair for tauri-driver");
}

async function waitForStatus(port, driverProcess, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (driverProcess.exitCode !== null) {
      throw new Error(`tauri-driver exited early with code ${driverProcess.exitCode}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not answer on port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts tauri-driver on a free port pair and waits until it answers. A driver that stays
 * silent (seen once in CI: nothing listening after 20 s, its log empty) is killed and the
 * next pair is tried, once; a second silent one fails the test.
 */
async function startDriver(env) {
  for (let attempt = 1; ; attempt++) {
    const [port, nativePort] = await nextFreePortPair();
    // Its own process group (so stop() can end the driver, WebKitWebDriver and the app
    // together, even if the app outlives the session) and a log file rather than the test
    // runner's pipe (a surviving app holding that pipe would keep the runner waiting).
    mkdirSync(ARTIFACTS, { recursive: true });
    const logFile = path.join(ARTIFACTS, `app-${port}.log`);
    const log = openSync(logFile, "a");
    const driverProcess = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
      env,
      stdio: ["ignore", log, log],
      detached: true,
    });
    const killGroup = async () => {
      for (const signal of ["SIGTERM", "SIGKILL"]) {
        try {
          process.kill(-driverProcess.pid, signal);
        } catch {
          return; // the group is gone
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
    };
    try {
      await waitForStatus(port, driverProcess);
      return { driverProcess, killGroup, logFile, port };
    } catch (err) {
      await killGroup();
      if (attempt >= 2) throw err;
      console.error(`# ${err.message}; starting another tauri-driver`);
    }
  }
}

/**
 * Launches the app with the given profile; returns {driver, stop()}.
 * `stop()` ends the WebDriver session (closing the app) and the tauri-driver process.
 */
export async function launchApp(profile, extraEnv = {}) {
  if (!APP) throw new Error("PEERCALL_APP must point at the built peercall binary");
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: profile.config,
    XDG_DATA_HOME: profile.data,
    RUST_LOG: process.env.RUST_LOG ?? "info",
    // No mDNS from the machine's own namespace (it would leave the machine); a test of LAN
    // discovery turns it on inside a namespace of its own.
    PEERCALL_LAN_DISCOVERY: "off",
    ...extraEnv,
  };
  const { driverProcess, killGroup, logFile, port } = await startDriver(env);
  try {
    const driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}/`)
      .withCapabilities({ browserName: "wry", "tauri:options": { application: APP } })
      .build();
    return {
      driver,
      /** Where the app's stderr (and tauri-driver's) is written. */
      logFile,
      /**
       * Closes the app's window as a user does (the window manager's close button: a
       * WM_DELETE_WINDOW message) and waits for the app to exit; returns how long it took.
       */
      async closeWindow(timeoutMs = 15000) {
        const pid = appPid(driverProcess.pid);
        if (!pid) throw new Error("the app process was not found");
        const windows = closableWindows(pid);
        if (windows.length === 0) throw new Error(`no closable window of pid ${pid}`);
        const started = Date.now();
        for (const id of windows) execFileSync("python3", [path.join(import.meta.dirname, "close-window.py"), id]);
        while (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")) {
          if (Date.now() - started > timeoutMs) throw new Error(`the app did not quit within ${timeoutMs} ms of its window closing`);
          await new Promise((r) => setTimeout(r, 50));
        }
        return Date.now() - started;
      },
      /** The app dies at once (SIGKILL to its process group): no goodbye to anyone. */
      async crash() {
        try {
          process.kill(-driverProcess.pid, "SIGKILL");
        } catch {
          // already gone
        }
        await new Promise((resolve) => (driverProcess.exitCode !== null ? resolve() : driverProcess.once("exit", resolve)));
      },
      async stop() {
        try {
          await Promise.race([driver.quit(), new Promise((r) => setTimeout(r, 15000))]);
        } catch {
          // the session may already be gone; the group kill below still cleans up
        } finally {
          await killGroup();
        }
      },
    };
  } catch (err) {
    await killGroup();
    throw err;
  }
}

/** The pid of the app binary in process group `group` (tauri-driver's), or null. */
function appPid(group) {
  const app = realpathSync(APP);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === group && realpathSync(`/proc/${entry}/exe`) === app) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return null;
}

/** The X11 top-level windows of process `pid` that accept WM_DELETE_WINDOW. */
function closableWindows(pid) {
  const tree = execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8" });
  const ids = [...tree.matchAll(/^\s*(0x[0-9a-f]+) "Peercall"/gm)].map((m) => m[1]);
  return ids.filter((id) => {
    try {
      const props = execFileSync("xprop", ["-id", id, "_NET_WM_PID", "WM_PROTOCOLS"], { encoding: "utf8" });
      return new RegExp(`_NET_WM_PID\\(CARDINAL\\) = ${pid}$`, "m").test(props) && props.includes("WM_DELETE_WINDOW");
    } catch {
      return false;
    }
  });
}

/** Waits for an element by CSS selector to be present and visible. */
export async function visible(driver, css, timeoutMs = 10000) {
  const el = await driver.wait(until.elementLocated(By.css(css)), timeoutMs, `no element ${css}`);
  await driver.wait(until.elementIsVisible(el), timeoutMs, `element ${css} not visible`);
  return el;
}

/** Saves a PNG of the whole window to the artifacts directory (waits a moment for paint). */
export async function screenshot(driver, name) {
  await new Promise((r) => setTimeout(r, 700)); // screenshots can lag the DOM
  // WebKitWebDriver takes a screenshot after the page's next paint, and with WebKit's DMA-BUF
  // renderer off (the app turns it off without a GPU: src-tauri/src/webkit_renderer.rs) a
  // page with nothing changing never paints, so the command waited forever. A 1-pixel,
  // nearly transparent element repainted for 2 s gives it that paint.
  await driver.executeScript(`
    const nudge = document.createElement("div");
    nudge.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none";
    document.body.append(nudge);
    const until = performance.now() + 2000;
    let k = 0;
    const step = () => {
      nudge.style.background = k++ % 2 ? "rgb(0 0 0 / 1%)" : "rgb(0 0 0 / 2%)";
      if (performance.now() < until) requestAnimationFrame(step);
      else nudge.remove();
    };
    requestAnimationFrame(step);`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  writeFileSync(file, Buffer.from(await driver.takeScreenshot(), "base64"));
  return file;
}
