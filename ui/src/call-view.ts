// The in-call screen: remote video large, own preview picture-in-picture, controls, timer,
// the remote side's mute/camera state, chat and a stats overlay.
import { commands, errorMessage, type CallPhase, type CallStatsUpdate } from "./ipc";
import { el, formatDuration, show } from "./dom";
import { coverText, initial, remoteCover } from "./stage";
import type { VideoView } from "./video/video-view";
import { pathWords } from "./path";
import { DrawRate } from "./draw-rate";
import { appendChatLine } from "./chat-log";

export class CallView {
  private readonly root = el<HTMLElement>("call");
  private readonly timer = el<HTMLElement>("call-timer");
  private readonly peerName = el<HTMLElement>("call-peer");
  private readonly stateBadge = el<HTMLElement>("call-state");
  private readonly placeholder = el<HTMLElement>("remote-placeholder");
  private readonly placeholderText = el<HTMLElement>("remote-placeholder-text");
  private readonly remoteAvatar = el<HTMLElement>("remote-avatar");
  private readonly localCameraOff = el<HTMLElement>("local-camera-off");
  private readonly muteButton = el<HTMLButtonElement>("toggle-mute");
  private readonly cameraButton = el<HTMLButtonElement>("toggle-camera");
  private readonly chatButton = el<HTMLButtonElement>("toggle-chat");
  private readonly statsButton = el<HTMLButtonElement>("toggle-stats");
  private readonly chat = el<HTMLElement>("chat");
  private readonly chatLog = el<HTMLOListElement>("chat-log");
  private readonly chatInput = el<HTMLInputElement>("chat-input");
  private readonly stats = el<HTMLElement>("stats");
  private readonly drawRate = new DrawRate();
  private connectedAt = 0;
  private tick: number | undefined;
  private muted = false;
  private cameraOff = false;
  private remoteCameraOn = true;
  private connected = false;
  private reconnecting = false;
  private ownName = "";

  constructor(
    private readonly remote: VideoView,
    private readonly local: VideoView,
    private readonly onError: (message: string) => void,
  ) {
    this.muteButton.addEventListener("click", () => void this.toggleMute());
    this.cameraButton.addEventListener("click", () => void this.toggleCamera());
    el<HTMLButtonElement>("hang-up").addEventListener("click", () => void this.hangUp());
    this.chatButton.addEventListener("click", () => this.togglePanel(this.chatButton, this.chat));
    this.statsButton.addEventListener("click", () => this.togglePanel(this.statsButton, this.stats));
    const devicesButton = el<HTMLButtonElement>("toggle-devices");
    const devicesPanel = el<HTMLElement>("call-devices");
    devicesButton.addEventListener("click", () => {
      if (devicesPanel.hidden) void this.loadDevices();
      this.togglePanel(devicesButton, devicesPanel);
    });
    el<HTMLSelectElement>("call-camera").addEventListener("change", (event) => {
      const id = (event.target as HTMLSelectElement).value;
      if (id) void this.run(() => commands.switchCamera(id), () => {});
    });
    el<HTMLSelectElement>("call-microphone").addEventListener("change", (event) => {
      const id = (event.target as HTMLSelectElement).value;
      if (id) void this.run(() => commands.switchMicrophone(id), () => {});
    });
    el<HTMLFormElement>("chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.sendChat();
    });
  }

  get visible(): boolean {
    return !this.root.hidden;
  }

  /** The user's own name, for the self-view's placeholder. */
  setOwnName(name: string): void {
    this.ownName = name;
  }

  open(peerName: string): void {
    this.peerName.textContent = peerName;
    this.chatLog.replaceChildren();
    this.muted = false;
    this.cameraOff = false;
    this.connected = false;
    this.reconnecting = false;
    // Never show the previous call's last pictures.
    this.remote.clear();
    this.local.clear();
    this.syncButtons();
    this.setRemoteMedia(false, true);
    this.connectedAt = 0;
    this.timer.textContent = "00:00";
    show(this.root, true);
  }

  /** The call's state while its view is open. */
  setState(state: Extract<CallPhase, "connecting" | "connected" | "reconnecting">): void {
    if (state === "connected" && this.connectedAt === 0) {
      this.connectedAt = Date.now();
      this.tick = window.setInterval(() => {
        this.timer.textContent = formatDuration((Date.now() - this.connectedAt) / 1000);
      }, 500);
    }
    this.stateBadge.textContent = state === "reconnecting" ? "Reconnecting…" : state === "connecting" ? "Connecting…" : "";
    show(this.stateBadge, this.stateBadge.textContent !== "");
    if (state === "connected") this.connected = true;
    // The picture froze when the connection dropped: wait for a fresh one after it is back.
    if (state === "reconnecting" && !this.reconnecting) this.remote.clear();
    this.reconnecting = state === "reconnecting";
    this.renderCover();
  }

  firstRemoteFrame(): void {
    this.renderCover();
  }

  close(): void {
    window.clearInterval(this.tick);
    this.tick = undefined;
    show(this.root, false);
  }

  setRemoteMedia(micMuted: boolean, cameraOn: boolean): void {
    show(el("remote-muted"), micMuted);
    show(el("remote-camera-off"), !cameraOn);
    // Off: drop the frozen picture. On again: wait for a fresh one.
    if (cameraOn !== this.remoteCameraOn) this.remote.clear();
    this.remoteCameraOn = cameraOn;
    this.renderCover();
  }

  private renderCover(): void {
    const cover = remoteCover({
      connected: this.connected,
      reconnecting: this.reconnecting,
      cameraOn: this.remoteCameraOn,
      framesSinceClear: this.remote.snapshot().drawn,
    });
    const name = this.peerName.textContent ?? "";
    this.placeholderText.textContent = coverText(cover, name);
    this.remoteAvatar.textContent = initial(name);
    show(this.remoteAvatar, cover === "camera-off");
    show(this.placeholder, cover !== "none");
  }

  addChat(text: string, mine: boolean): void {
    const item = appendChatLine(this.chatLog, text, mine);
    item.scrollIntoView({ block: "end" });
    if (!mine && this.chat.hidden) this.togglePanel(this.chatButton, this.chat);
  }

  showStats(s: CallStatsUpdate): void {
    const drawn = this.drawRate.update(this.remote.snapshot().drawn, performance.now());
    const n = (v: number | null, digits = 0) => (v ?? 0).toFixed(digits);
    const rows: [string, string][] = [
      ["Receiving", `${s.resolutionIn ?? "–"} @ ${n(s.fpsIn)} fps`],
      ["Drawn", drawn == null ? "–" : `${drawn.toFixed(0)} fps`],
      ["Sending", `${s.resolutionOut ?? "–"} @ ${n(s.fpsOut)} fps`],
      ["Bitrate in / out", `${n(s.bitrateInKbps)} / ${n(s.bitrateOutKbps)} kbit/s`],
      ["Round trip", s.rttMs == null ? "–" : `${s.rttMs.toFixed(0)} ms`],
      ["Loss", `${n(s.packetLossPercent, 1)} %`],
      ["Jitter", s.jitterMs == null ? "–" : `${s.jitterMs.toFixed(1)} ms`],
      ["Path", pathWords(s.candidateType, s.remoteCandidateType)],
      ["Target", `${n(s.targetKbps)} kbit/s`],
      ["Playout delay", `${n(s.playoutDelayMs)} ms`],
      ["Freezes", `${n(s.freezes)} (${n(s.freezeSeconds, 1)} s)`],
      ["NACKs sent / received", `${n(s.nacksSent)} / ${n(s.nacksReceived)}`],
      ["Keyframe requests sent / received", `${n(s.keyframeRequestsSent)} / ${n(s.keyframeRequestsReceived)}`],
      ["Resent to us / by us", `${n(s.retransmittedReceived)} / ${n(s.retransmittedSent)} packets`],
      ["Rebuilt by FEC / repair sent", `${n(s.fecRecovered)} / ${n(s.fecSent)} packets`],
    ];
    this.stats.replaceChildren(
      ...rows.flatMap(([k, v]) => {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = v;
        return [dt, dd];
      }),
    );
  }

  async toggleMute(): Promise<void> {
    await this.run(() => commands.setMicMuted(!this.muted), () => (this.muted = !this.muted));
  }

  async toggleCamera(): Promise<void> {
    await this.run(() => commands.setCameraOn(this.cameraOff), () => (this.cameraOff = !this.cameraOff));
  }

  async hangUp(): Promise<void> {
    await this.run(() => commands.hangUp(), () => {});
  }

  /** Fills the mid-call device pickers (switching needs no renegotiation). */
  private async loadDevices(): Promise<void> {
    try {
      const devices = await commands.listDevices();
      const fill = (id: string, list: { id: string; name: string }[]) => {
        const select = el<HTMLSelectElement>(id);
        const keep = select.value;
        select.replaceChildren(new Option("Choose…", "", true, true), ...list.map((d) => new Option(d.name, d.id)));
        if (list.some((d) => d.id === keep)) select.value = keep;
      };
      fill("call-camera", devices.cameras);
      fill("call-microphone", devices.microphones);
    } catch (err) {
      this.onError(errorMessage(err));
    }
  }

  private async sendChat(): Promise<void> {
    const text = this.chatInput.value.trim();
    if (!text) return;
    await this.run(() => commands.sendChat(text), () => {
      this.addChat(text, true);
      this.chatInput.value = "";
    });
  }

  private async run(action: () => Promise<unknown>, then: () => void): Promise<void> {
    try {
      await action();
      then();
      this.syncButtons();
    } catch (err) {
      this.onError(errorMessage(err));
    }
  }

  private syncButtons(): void {
    this.muteButton.setAttribute("aria-pressed", String(this.muted));
    this.muteButton.textContent = this.muted ? "Unmute" : "Mute";
    this.cameraButton.setAttribute("aria-pressed", String(this.cameraOff));
    this.cameraButton.textContent = this.cameraOff ? "Camera on" : "Camera off";
    // The self-view: the user's initial instead of a frozen picture while the camera is off.
    if (this.cameraOff && this.localCameraOff.hidden) this.local.clear();
    el("local-avatar").textContent = initial(this.ownName);
    show(this.localCameraOff, this.cameraOff);
  }

  private togglePanel(button: HTMLButtonElement, panel: HTMLElement): void {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-pressed", String(!panel.hidden));
  }
}
