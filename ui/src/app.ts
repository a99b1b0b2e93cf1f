// The app's controller: connection status, peer list, ringing screens, the call, notices,
// keyboard shortcuts. Every decision about a call is the engine's; this only shows it.
import { commands, errorMessage, events, type AppInfo, type LanHost, type CallPhase, type CallStatus, type ConnectionStatus, type Peer, type Settings } from "./ipc";
import { homeView, pill, pillCountdown, retryCountdown } from "./connection-view";
import { hostingLine } from "./hosting";
import { lanHostItems, renderLanHosts } from "./lan-hosts";
import { CallView } from "./call-view";
import { el, show } from "./dom";
import { renderPeers } from "./peers-view";
import { incomingKeyAction } from "./incoming";
import { collidingIds, displayName } from "./names";
import { VideoView } from "./video/video-view";

export class App {
  private readonly status = el<HTMLElement>("connection-status");
  private readonly home = el<HTMLElement>("home");
  private readonly outgoing = el<HTMLElement>("outgoing");
  private readonly incoming = el<HTMLDialogElement>("incoming-dialog");
  private readonly notice = el<HTMLElement>("notice");
  private readonly remote: VideoView;
  private readonly local: VideoView;
  private readonly call: CallView;
  private noticeTimer: number | undefined;
  private countdown: number | undefined;
  private callState: CallPhase = "idle";
  private connection: ConnectionStatus = { state: "offline", detail: "", hosting: null, retryInMs: null, code: null };
  private peers: Peer[] = [];
  private ownName = "";
  /** This app's join code while "Host calls for my local network" is on. */
  private joinCode: string | null = null;
  /** When the incoming-call dialog opened (`performance.now()`), for its key guard. */
  private incomingSince = 0;

  constructor(info: AppInfo) {
    this.remote = new VideoView(el<HTMLCanvasElement>("remote-video"), info.remoteUrl, () => this.call.firstRemoteFrame());
    this.local = new VideoView(el<HTMLCanvasElement>("local-video"), info.previewUrl);
    this.call = new CallView(this.remote, this.local, (message) => this.showNotice(message));
    el<HTMLButtonElement>("cancel-call").addEventListener("click", () => void this.act(commands.cancelCall()));
    el<HTMLButtonElement>("accept-call").addEventListener("click", () => void this.act(commands.acceptCall()));
    el<HTMLButtonElement>("reject-call").addEventListener("click", () => void this.act(commands.rejectCall()));
    this.incoming.addEventListener("cancel", (event) => {
      event.preventDefault(); // Escape rejects instead of just hiding the dialog (after the guard)
      if (incomingKeyAction("Escape", performance.now() - this.incomingSince) === "reject") void this.act(commands.rejectCall());
    });
    document.addEventListener("keydown", (event) => this.shortcut(event));
    // Test and benchmark hooks: read-only views of what the page has drawn.
    Object.assign(window, { peercallDebug: { remote: () => this.remote.snapshot(), local: () => this.local.snapshot() } });
    this.renderHome();
  }

  async listen(): Promise<void> {
    await Promise.all([
      events.connectionStatus.listen(({ payload }) => this.onConnectionStatus(payload)),
      events.peersChanged.listen(({ payload }) => {
        this.peers = payload.peers;
        this.showPeers(payload.peers);
        this.renderHome();
      }),
      events.incomingCall.listen(({ payload }) => {
        const caller = { id: payload.peerId, name: payload.peerName };
        const others = this.peers.some((p) => p.id === caller.id) ? this.peers : [...this.peers, caller];
        el("incoming-name").textContent = displayName(caller, collidingIds(others, this.ownName));
        el("incoming-avatar").textContent = Array.from(payload.peerName.trim())[0]?.toUpperCase() ?? "?";
        if (!this.incoming.open) {
          this.incoming.showModal();
          this.incomingSince = performance.now();
        }
        // The dialog, not Accept: a keystroke meant for what the user was typing answers nothing.
        this.incoming.focus();
      }),
      events.callStatus.listen(({ payload }) => this.onCallStatus(payload)),
      events.chatReceived.listen(({ payload }) => this.call.addChat(payload.text, false)),
      events.remoteMediaState.listen(({ payload }) => this.call.setRemoteMedia(payload.micMuted, payload.cameraOn)),
      events.callStatsUpdate.listen(({ payload }) => this.call.showStats(payload)),
      events.appNotice.listen(({ payload }) => this.showNotice(payload.message)),
    ]);
  }

  /** Hosts other apps announce on the local network: listed on the home screen, each with
   * a button that opens Settings on its URL (`join`); `serverUrl`: the one in Settings. */
  async listenLanHosts(join: (url: string) => void, serverUrl: () => string): Promise<void> {
    const render = (hosts: LanHost[]) =>
      renderLanHosts(el("lan-hosts"), el<HTMLUListElement>("lan-host-list"), lanHostItems(hosts, serverUrl()), join);
    await events.lanHostsChanged.listen(({ payload }) => render(payload.hosts));
    render(await commands.lanHosts());
  }

  async connect(settings: Settings): Promise<void> {
    this.call.setOwnName(settings.displayName);
    this.ownName = settings.displayName;
    this.joinCode = settings.lanHosting && settings.joinCode ? settings.joinCode : null;
    el("greeting").textContent = settings.displayName ? `You appear to others as ${settings.displayName}.` : "";
    if (!settings.displayName) return;
    try {
      await commands.connect();
    } catch (err) {
      this.showNotice(`Could not connect: ${errorMessage(err)}`);
    }
  }

  private onConnectionStatus(payload: ConnectionStatus): void {
    window.clearInterval(this.countdown);
    this.connection = payload;
    const { text, className } = pill(payload.state);
    this.status.textContent = text;
    this.status.className = className;
    this.status.title = payload.detail;
    // While offline or reconnecting the list is what the server last said: show it dimmed.
    const list = el<HTMLUListElement>("peer-list");
    list.classList.toggle("stale", payload.state !== "online");
    list.title = payload.state === "online" ? "" : "Last known list; waiting for the server";
    const hosting = el<HTMLElement>("hosting");
    const line = hostingLine(payload.hosting, this.joinCode);
    hosting.textContent = line ?? "";
    show(hosting, line !== null);
    el("offline-retry").textContent = "";
    if (payload.state === "reconnecting") this.startCountdown(payload.retryInMs ?? 0);
    if (payload.state === "offline" && payload.detail) this.showNotice(payload.detail);
    this.renderHome();
  }

  /** The heading, and why not online instead of "No one else is online yet". */
  private renderHome(): void {
    const view = homeView(this.connection.state, this.peers.length);
    el("peers-heading").textContent = view.heading;
    show(el("peers-empty"), view.showEmpty);
    show(el("offline-state"), view.offlineTitle !== null);
    el("offline-title").textContent = view.offlineTitle ?? "";
    el("offline-detail").textContent = view.offlineTitle === null ? "" : this.connection.detail;
  }

  /** "Reconnecting in 3 s…" in the pill and "Trying again in 3 s…" on the page, to the next attempt. */
  private startCountdown(retryInMs: number): void {
    const due = Date.now() + retryInMs;
    const render = () => {
      const left = Math.ceil((due - Date.now()) / 1000);
      this.status.textContent = pillCountdown(left);
      el("offline-retry").textContent = retryCountdown(left);
    };
    render();
    this.countdown = window.setInterval(render, 250);
  }

  private showPeers(peers: Peer[]): void {
    renderPeers(el<HTMLUListElement>("peer-list"), el("peers-empty"), peers, (peer) => {
      el("outgoing-name").textContent = displayName(peer, collidingIds(peers, this.ownName));
      this.screen("outgoing");
      void this.act(commands.callPeer(peer.id), () => this.screen("home"));
    }, this.ownName);
  }

  private onCallStatus(s: CallStatus): void {
    this.callState = s.state;
    if (s.state !== "incoming" && this.incoming.open) this.incoming.close();
    switch (s.state) {
      case "outgoing":
        el("outgoing-name").textContent = s.peerName;
        this.screen("outgoing");
        break;
      case "connecting":
      case "connected":
      case "reconnecting":
        if (!this.call.visible) {
          this.screen("call");
          this.call.open(s.peerName);
        }
        this.call.setState(s.state);
        break;
      case "ended":
        this.call.close();
        this.screen("home");
        if (s.endMessage) this.showNotice(s.endMessage);
        break;
      case "idle":
      case "incoming": // the incomingCall event opens the dialog
        break;
      default: {
        const unhandled: never = s.state;
        return unhandled;
      }
    }
  }

  private screen(which: "home" | "outgoing" | "call"): void {
    show(this.home, which === "home");
    show(this.outgoing, which === "outgoing");
    if (which !== "call") this.call.close();
  }

  private shortcut(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
    const key = event.key.toLowerCase();
    if (this.incoming.open) {
      if (key === "escape") return; // the dialog's cancel event handles it
      const action = incomingKeyAction(key, performance.now() - this.incomingSince);
      if (action === "accept") void this.act(commands.acceptCall());
      if (action === "reject") void this.act(commands.rejectCall());
    } else if (this.call.visible) {
      if (key === "m") void this.call.toggleMute();
      if (key === "v") void this.call.toggleCamera();
      if (key === "h") void this.call.hangUp();
    } else if (this.callState === "outgoing" && key === "escape") {
      void this.act(commands.cancelCall());
    }
  }

  private async act(action: Promise<unknown>, onError: () => void = () => {}): Promise<void> {
    try {
      await action;
    } catch (err) {
      onError();
      this.showNotice(errorMessage(err));
    }
  }

  showNotice(message: string): void {
    this.notice.textContent = message;
    show(this.notice, true);
    window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => show(this.notice, false), 6000);
  }
}
