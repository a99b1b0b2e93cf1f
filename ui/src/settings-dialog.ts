// The settings dialog: first-run name prompt, devices with live checks (camera preview over the
// frame bridge, microphone level, speaker test sound), and the signaling server.
import { commands, errorMessage, events, type Device, type DeviceList, type Resolution, type Settings } from "./ipc";
import { checkSummary, renderCheckLines } from "./connection-check";
import { el } from "./dom";
import { tokenAfterServerChange } from "./server-token";
import { checkDisplayName, checkServerUrl, plaintextTokenWarning } from "./validate";
import { highPassBox } from "./voice-switches";
import { VideoView } from "./video/video-view";

const TEST_PATTERN = "synthetic:test-pattern";

function fill(select: HTMLSelectElement, devices: Device[], chosen: string, defaultLabel: string | null): void {
  const options = devices.map((d) => new Option(d.name, d.id));
  if (defaultLabel !== null) options.unshift(new Option(defaultLabel, ""));
  select.replaceChildren(...options);
  select.value = devices.some((d) => d.id === chosen) || (chosen === "" && defaultLabel !== null) ? chosen : (options[0]?.value ?? "");
}

export class SettingsDialog {
  private readonly dialog = el<HTMLDialogElement>("settings-dialog");
  private readonly form = el<HTMLFormElement>("settings-form");
  private readonly name = el<HTMLInputElement>("display-name");
  private readonly server = el<HTMLInputElement>("server-url");
  private readonly token = el<HTMLInputElement>("server-token");
  /** Whether the token field was typed into since the dialog opened. */
  private tokenTyped = false;
  private readonly relayOnly = el<HTMLInputElement>("relay-only");
  private readonly hideLocalAddresses = el<HTMLInputElement>("hide-local-addresses");
  private readonly lanHosting = el<HTMLInputElement>("lan-hosting");
  private readonly joinCodeRow = el<HTMLElement>("join-code-row");
  private readonly joinCode = el<HTMLElement>("join-code");
  private readonly echoCancellation = el<HTMLInputElement>("echo-cancellation");
  private readonly noiseSuppression = el<HTMLInputElement>("noise-suppression");
  private readonly autoGain = el<HTMLInputElement>("auto-gain");
  private readonly highPass = el<HTMLInputElement>("high-pass");
  private readonly highPassLabel = el<HTMLElement>("high-pass-label");
  /** The user's own choice for the rumble filter, while another switch forces it on. */
  private highPassChoice = true;
  private readonly camera = el<HTMLSelectElement>("camera-select");
  private readonly resolution = el<HTMLSelectElement>("resolution-select");
  private readonly microphone = el<HTMLSelectElement>("microphone-select");
  private readonly speaker = el<HTMLSelectElement>("speaker-select");
  private readonly level = el<HTMLMeterElement>("mic-level");
  private readonly previewStatus = el<HTMLElement>("preview-status");
  private readonly speakerStatus = el<HTMLElement>("speaker-status");
  private readonly error = el<HTMLParagraphElement>("settings-error");
  private readonly nameError = el<HTMLParagraphElement>("name-error");
  private readonly intro = el<HTMLParagraphElement>("settings-intro");
  private readonly cancel = el<HTMLButtonElement>("settings-cancel");
  private readonly checkButton = el<HTMLButtonElement>("check-connection");
  private readonly checkStatus = el<HTMLElement>("check-status");
  private readonly checkLines = el<HTMLUListElement>("check-lines");
  private readonly preview: VideoView;
  private unlistenLevel: (() => void) | null = null;
  /** The server URL the token field belongs to (the field's value at the last change). */
  private serverShown = "";

  constructor(
    private current: Settings,
    previewUrl: string,
    private readonly onSaved: (settings: Settings, changed: boolean) => void,
  ) {
    this.preview = new VideoView(el<HTMLCanvasElement>("settings-preview"), previewUrl, () => {
      this.previewStatus.textContent = "";
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
    this.cancel.addEventListener("click", () => this.close());
    this.dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      this.close(); // Escape closes, except on first run where a name is required
    });
    this.lanHosting.addEventListener("change", () => this.showJoinCode());
    this.echoCancellation.addEventListener("change", () => this.showHighPass());
    this.noiseSuppression.addEventListener("change", () => this.showHighPass());
    this.highPass.addEventListener("change", () => {
      this.highPassChoice = this.highPass.checked;
    });
    this.server.addEventListener("change", () => {
      this.token.value = tokenAfterServerChange(this.server.value, this.serverShown, this.token.value, this.current.serverTokens ?? {}, this.current.serverToken);
      this.serverShown = this.server.value;
      this.showTokenWarning();
    });
    this.server.addEventListener("input", () => this.showTokenWarning());
    this.token.addEventListener("input", () => {
      this.tokenTyped = true;
      this.showTokenWarning();
    });
    this.camera.addEventListener("change", () => void this.startPreview());
    this.resolution.addEventListener("change", () => void this.startPreview());
    this.microphone.addEventListener("change", () => void this.startMeter());
    el<HTMLButtonElement>("test-sound").addEventListener("click", () => void this.testSound());
    this.checkButton.addEventListener("click", () => void this.checkConnection());
    // A name that is too long says so as it is typed or pasted (a blank one only on Save).
    this.name.addEventListener("input", () => {
      const problem = checkDisplayName(this.name.value);
      this.showNameProblem(this.name.value.trim() === "" ? null : problem);
    });
  }

  /** The join code under the LAN hosting switch while it is on (made on the first save). */
  /** The rumble filter's box: forced on (and greyed) while a switch that needs it is on. */
  private showHighPass(): void {
    const shown = highPassBox(this.echoCancellation.checked, this.noiseSuppression.checked, this.highPassChoice);
    this.highPass.checked = shown.checked;
    this.highPass.disabled = shown.disabled;
    this.highPassLabel.title = shown.why;
  }

  private showJoinCode(): void {
    const code = this.current.joinCode ?? "";
    this.joinCode.textContent = code || "made when you save";
    this.joinCodeRow.hidden = !this.lanHosting.checked;
  }

  /** The name's problem right under the field, where the user is looking. */
  private showNameProblem(problem: string | null): void {
    this.nameError.textContent = problem ?? "";
    this.nameError.hidden = problem === null;
    this.name.setAttribute("aria-invalid", String(problem !== null));
  }

  /** The server URL saved in Settings ("" for the built-in one). */
  serverUrl(): string {
    return this.current.serverUrl;
  }

  /** Opens with `url` as the server (a host found on the network), ready for its join code. */
  openWithServer(url: string): void {
    this.open();
    this.server.value = url;
    this.server.dispatchEvent(new Event("change"));
    this.token.focus();
    this.token.scrollIntoView({ block: "center" });
  }

  open(): void {
    const firstRun = this.current.displayName === "";
    this.intro.hidden = !firstRun;
    this.cancel.hidden = firstRun;
    this.name.value = this.current.displayName;
    this.server.value = this.current.serverUrl;
    this.serverShown = this.current.serverUrl;
    this.token.value = this.current.serverToken;
    this.tokenTyped = false;
    this.showTokenWarning();
    this.relayOnly.checked = this.current.relayOnly;
    this.hideLocalAddresses.checked = this.current.hideLocalAddresses ?? false;
    this.lanHosting.checked = this.current.lanHosting ?? false;
    this.showJoinCode();
    this.echoCancellation.checked = this.current.voice.echoCancellation;
    this.noiseSuppression.checked = this.current.voice.noiseSuppression;
    this.autoGain.checked = this.current.voice.autoGain;
    this.highPassChoice = this.current.voice.highPass;
    this.showHighPass();
    this.resolution.value = this.current.resolution;
    this.error.textContent = "";
    this.checkStatus.textContent = "";
    this.checkLines.replaceChildren();
    this.showNameProblem(null);
    if (!this.dialog.open) this.dialog.showModal();
    this.name.focus();
    void this.loadDevices();
  }

  close(): void {
    if (this.current.displayName === "") return;
    this.stopChecks();
    this.dialog.close();
  }

  private async loadDevices(): Promise<void> {
    let devices: DeviceList;
    try {
      devices = await commands.listDevices();
    } catch (err) {
      this.error.textContent = `Could not list devices: ${errorMessage(err)}`;
      return;
    }
    const hardwareCameras = devices.cameras.filter((c) => !c.synthetic);
    // With no camera on this machine, the test pattern is the sensible default.
    const camera = this.current.camera || (hardwareCameras.length === 0 ? TEST_PATTERN : "");
    fill(this.camera, devices.cameras, camera, hardwareCameras.length > 0 ? "System default" : null);
    fill(this.microphone, devices.microphones, this.current.microphone, "System default");
    fill(this.speaker, devices.speakers, this.current.speaker, "System default");
    await Promise.all([this.startPreview(), this.startMeter()]);
  }

  private async startPreview(): Promise<void> {
    this.previewStatus.textContent = "Starting camera…";
    try {
      await commands.startPreview(this.camera.value, this.resolution.value as Resolution);
      // Closed while the camera was opening: the stop went first and found nothing to stop.
      if (!this.dialog.open) void commands.stopPreview();
    } catch (err) {
      this.previewStatus.textContent = errorMessage(err);
    }
  }

  private async startMeter(): Promise<void> {
    this.unlistenLevel ??= await events.micLevel.listen(({ payload }) => {
      this.level.value = Math.max(-60, payload.rmsDb ?? -100);
    });
    try {
      await commands.startMicMeter(this.microphone.value);
      if (!this.dialog.open) void commands.stopMicMeter();
    } catch (err) {
      this.level.value = -60;
      this.level.title = errorMessage(err);
    }
  }

  private async testSound(): Promise<void> {
    this.speakerStatus.textContent = "Playing…";
    try {
      await commands.playTestSound(this.speaker.value);
      this.speakerStatus.textContent = "Did you hear a chime?";
    } catch (err) {
      this.speakerStatus.textContent = errorMessage(err);
    }
  }

  private stopChecks(): void {
    void commands.stopPreview();
    void commands.stopMicMeter();
    this.unlistenLevel?.();
    this.unlistenLevel = null;
  }

  /** Says so while a token or join code would travel unencrypted (a remote ws:// server). */
  private showTokenWarning(): void {
    const warning = el<HTMLElement>("token-warning");
    const text = plaintextTokenWarning(this.server.value, this.token.value);
    warning.textContent = text ?? "";
    warning.hidden = text === null;
  }

  private async save(): Promise<void> {
    const nameProblem = checkDisplayName(this.name.value);
    this.showNameProblem(nameProblem);
    if (nameProblem) {
      this.name.focus();
      this.name.scrollIntoView({ block: "center" });
      return;
    }
    const problem = checkServerUrl(this.server.value);
    if (problem) {
      this.showError(problem);
      this.server.focus();
      return;
    }
    try {
      // The code typed again: a LAN host's pinned certificate is proven anew by the code (after
      // "the host's certificate changed"), and the app reconnects even if nothing else changed.
      const retyped = this.tokenTyped && this.server.value.trim() !== "";
      if (retyped) await commands.forgetServerPin(this.server.value.trim());
      const saved = await commands.saveSettings(this.formSettings());
      const changed = retyped || JSON.stringify(saved) !== JSON.stringify(this.current);
      this.current = saved;
      this.stopChecks();
      this.dialog.close();
      this.onSaved(saved, changed);
    } catch (err) {
      this.showError(errorMessage(err));
    }
  }

  /** The settings as the form shows them (saved or not). */
  private formSettings(): Settings {
    return {
      displayName: this.name.value,
      serverUrl: this.server.value,
      serverToken: this.token.value,
      camera: this.camera.value,
      microphone: this.microphone.value,
      speaker: this.speaker.value,
      resolution: this.resolution.value as Resolution,
      relayOnly: this.relayOnly.checked,
      hideLocalAddresses: this.hideLocalAddresses.checked,
      lanHosting: this.lanHosting.checked,
      joinCode: this.current.joinCode ?? "",
      serverTokens: this.current.serverTokens ?? {},
      voice: {
        echoCancellation: this.echoCancellation.checked,
        noiseSuppression: this.noiseSuppression.checked,
        autoGain: this.autoGain.checked,
        highPass: this.highPassChoice,
      },
    };
  }

  /** Runs the connectivity check on the form's settings and lists its lines. The preview
   * and the level meter let go of the camera and microphone meanwhile (the check opens them). */
  private async checkConnection(): Promise<void> {
    const problem = checkServerUrl(this.server.value);
    if (problem) {
      this.checkStatus.textContent = problem;
      return;
    }
    this.checkButton.disabled = true;
    this.checkStatus.textContent = "Checking…";
    this.checkLines.replaceChildren();
    this.stopChecks();
    try {
      const lines = await commands.checkConnection(this.formSettings());
      renderCheckLines(this.checkLines, lines);
      this.checkStatus.textContent = checkSummary(lines);
    } catch (err) {
      this.checkStatus.textContent = `Could not run the check: ${errorMessage(err)}`;
    } finally {
      this.checkButton.disabled = false;
      if (this.dialog.open) await Promise.all([this.startPreview(), this.startMeter()]);
    }
  }

  /** An error at the foot of the dialog, scrolled into view. */
  private showError(message: string): void {
    this.error.textContent = message;
    this.error.scrollIntoView({ block: "nearest" });
  }

  /** Frames drawn by the preview (for tests and the bridge benchmark). */
  previewStats() {
    return this.preview.snapshot();
  }
}
