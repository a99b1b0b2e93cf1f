// Entry point: loads settings, shows the first-run prompt, connects, wires the header.
import { App } from "./app";
import { commands, errorMessage } from "./ipc";
import { SettingsDialog } from "./settings-dialog";

async function start(): Promise<void> {
  const info = await commands.appInfo();
  document.getElementById("app-version")!.textContent = `Peercall ${info.version}`;
  const app = new App(info);
  await app.listen();
  const settings = await commands.getSettings();
  const dialog = new SettingsDialog(settings, info.previewUrl, (saved, changed) => {
    if (changed) void app.connect(saved);
  });
  document.getElementById("settings-button")?.addEventListener("click", () => dialog.open());
  await app.listenLanHosts((url) => dialog.openWithServer(url), () => dialog.serverUrl());
  // Read-only hooks for the GUI tests and the frame-bridge benchmark.
  Object.assign(window, {
    peercallBench: { preview: () => dialog.previewStats(), produced: () => commands.bridgeCounters() },
  });
  if (settings.displayName === "") dialog.open();
  else await app.connect(settings);
}

start().catch((err: unknown) => {
  const status = document.getElementById("connection-status");
  if (status) status.textContent = `Error: ${errorMessage(err)}`;
  console.error(err);
});
