// Entry point: loads settings, shows the first-run prompt, wires the header.
import { errorMessage, ipc, type Settings } from "./ipc";
import { SettingsDialog } from "./settings-dialog";

function showGreeting(settings: Settings): void {
  const greeting = document.getElementById("greeting");
  if (greeting) {
    greeting.textContent = settings.displayName ? `You appear to others as ${settings.displayName}.` : "";
  }
}

async function start(): Promise<void> {
  const info = await ipc.appInfo();
  const version = document.getElementById("app-version");
  if (version) version.textContent = `Peercall ${info.version}`;

  const settings = await ipc.getSettings();
  showGreeting(settings);
  const dialog = new SettingsDialog(settings, showGreeting);
  document.getElementById("settings-button")?.addEventListener("click", () => dialog.open());
  if (settings.displayName === "") dialog.open();
}

start().catch((err: unknown) => {
  const status = document.getElementById("connection-status");
  if (status) status.textContent = `Error: ${errorMessage(err)}`;
  console.error(err);
});
