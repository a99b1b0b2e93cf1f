// The settings dialog: first-run name prompt and later edits.
import { errorMessage, ipc, type Settings } from "./ipc";
import { checkDisplayName, checkServerUrl } from "./validate";

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing element #${id}`);
  return found as T;
}

export class SettingsDialog {
  private readonly dialog = el<HTMLDialogElement>("settings-dialog");
  private readonly form = el<HTMLFormElement>("settings-form");
  private readonly name = el<HTMLInputElement>("display-name");
  private readonly server = el<HTMLInputElement>("server-url");
  private readonly error = el<HTMLParagraphElement>("settings-error");
  private readonly intro = el<HTMLParagraphElement>("settings-intro");
  private readonly cancel = el<HTMLButtonElement>("settings-cancel");

  constructor(
    private current: Settings,
    private readonly onSaved: (settings: Settings) => void,
  ) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
    this.cancel.addEventListener("click", () => this.close());
    this.dialog.addEventListener("cancel", (event) => {
      // Escape closes, except on first run where a name is required.
      if (this.current.displayName === "") event.preventDefault();
    });
  }

  open(): void {
    const firstRun = this.current.displayName === "";
    this.intro.hidden = !firstRun;
    this.cancel.hidden = firstRun;
    this.name.value = this.current.displayName;
    this.server.value = this.current.serverUrl;
    this.error.textContent = "";
    if (!this.dialog.open) this.dialog.showModal();
    this.name.focus();
  }

  close(): void {
    if (this.current.displayName !== "") this.dialog.close();
  }

  private async save(): Promise<void> {
    const problem = checkDisplayName(this.name.value) ?? checkServerUrl(this.server.value);
    if (problem) {
      this.error.textContent = problem;
      return;
    }
    try {
      this.current = await ipc.saveSettings({
        displayName: this.name.value,
        serverUrl: this.server.value,
      });
      this.dialog.close();
      this.onSaved(this.current);
    } catch (err) {
      this.error.textContent = errorMessage(err);
    }
  }
}
