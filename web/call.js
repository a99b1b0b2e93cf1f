// One call at a time over protocol v1, with the browser's RTCPeerConnection.
// The rules are the engine's (docs/call-states.md): consent, busy, glare, cancel,
// ring timeout, hangup. Emits: state, incoming, ended, remote-stream, local-stream,
// chat, remote-media, local-media, repaired.
//
// An established call outlives the signaling server: a hang-up also goes over the data
// channel, and after a reconnect with a fresh identity each side tells the other its new
// id there (`rejoin`, keyed by the call id), so renegotiation through the next server
// finds the peer again (docs/protocol.md, "Data channel").

/** Label of the ordered data channel (the engine's `session::channel::LABEL`). */
export const DC_LABEL = 'peercall';

const DEFAULTS = {
  ringTimeoutMs: 30000, // callee: unanswered offer -> reject timeout
  callerGraceMs: 5000, // caller: gives up (cancel) this long after the callee would have
  connectTimeoutMs: 20000, // accepted but ICE+DTLS never came up
  reconnectGraceMs: 5000, // ICE disconnected this long -> hang up
  loopbackOnly: false, // send only 127.0.0.1 / ::1 candidates (tests)
  video: true, // getUserMedia video constraints
  degradationPreference: null, // e.g. 'maintain-resolution'
  getMedia: null, // () => Promise<MediaStream>, overrides getUserMedia
  autoAnswer: false, // accept every call at once (the user consented up front)
};

function randomId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function isLoopback(cand) {
  const addr = cand.address || (cand.candidate || '').split(' ')[4] || '';
  return addr === '127.0.0.1' || addr === '::1';
}

const BUSY_REPLY_MS = 5000;
const BUSY_PEERS = 64;
const MAX_HELD_CANDIDATES = 64;
const CHAT_MAX_CHARS = 4000;
const CHAT_RATE = 5; // lines per second from the peer, sustained
const CHAT_BURST = 20;
const HANGUP_LINGER_MS = 300; // the peer connection outlives a data-channel hang-up this long

export class CallManager extends EventTarget {
  constructor(signaling, options = {}) {
    super();
    this.sig = signaling;
    this.opts = { ...DEFAULTS, ...options };
    this.state = 'idle';
    this.call = null;
    this.ended = new Set(); // call ids that are over: late or duplicate messages are ignored
    this.micMuted = false;
    this.cameraOn = true;
    signaling.addEventListener('signal', (e) => this.#onSignal(e.detail.from, e.detail.data));
    // The peer left the server: a call being set up ends; an established one goes on
    // (its media decides) and waits for the peer's new id over the data channel.
    signaling.addEventListener('peer-left', (e) => {
      if (this.call && this.call.peer === e.detail.id && !this.#established()) this.#end('peer-left');
    });
    signaling.addEventListener('error', (e) => {
      if (e.detail.code === 'unknown-peer' && this.call && e.detail.to === this.call.peer && !this.#established()) this.#end('peer-left');
    });
    signaling.addEventListener('closed', () => { if (this.call) this.#end('signaling-lost'); });
    // Back with a fresh identity: the other side no longer knows who we are. An
    // established call tells it over the data channel; one being set up cannot go on.
    signaling.addEventListener('reconnected', (e) => {
      if (e.detail.resumed || !this.call) return;
      if (!this.#established()) return this.#end('signaling-lost', { quiet: true });
      this.#sendControl({ type: 'rejoin', call: this.call.id, id: this.sig.id });
      if (this.call.busySet) this.sig.setBusy(true); // the new presence entry starts not busy
      this.#restartAgain(this.call);
    });
    this.busyReplies = new Map(); // peer id -> when it last got `reject busy`
  }

  /**
   * Whether `peer` may get a `busy` now (at most one per BUSY_REPLY_MS, for at most
   * BUSY_PEERS peers at once): a reply per offer would let a burst of offers push us over
   * the server's rate limit. Offers that get no reply end at the caller's ring timeout.
   */
  #busyReplyAllowed(peer) {
    const now = Date.now();
    const last = this.busyReplies.get(peer);
    if (last !== undefined && now - last < BUSY_REPLY_MS) return false;
    if (this.busyReplies.size >= BUSY_PEERS) {
      for (const [p, at] of this.busyReplies) if (now - at >= BUSY_REPLY_MS) this.busyReplies.delete(p);
      if (this.busyReplies.size >= BUSY_PEERS) return false;
    }
    this.busyReplies.set(peer, now);
    return true;
  }

  /** Calls `peer` (its server id). */
  async start(peer) {
    if (this.call) throw new Error('already in a call');
    const call = this.#newCall(randomId(), peer, 'caller');
    try {
      await this.#startCall(call);
    } catch (e) {
      if (this.call !== call) return;
      if (call.offerSentAt) this.#send({ kind: 'cancel' });
      this.#end('session-error', { error: String(e) });
    }
  }

  async #startCall(call) {
    this.#setState('outgoing');
    this.sig.setBusy(true);
    call.busySet = true;
    call.timer = setTimeout(() => {
      if (this.call === call && this.state === 'outgoing') { this.#send({ kind: 'cancel' }); this.#end('timeout'); }
    }, this.opts.ringTimeoutMs + this.opts.callerGraceMs);
    const stream = await this.#localMedia();
    if (this.call !== call) { stopStream(stream); return; } // cancelled meanwhile
    const pc = this.#newPeerConnection(call, stream);
    this.#attachChannel(call, pc.createDataChannel(DC_LABEL, { ordered: true }));
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    if (this.call !== call) return;
    call.offerSentAt = performance.now();
    this.#send({ kind: 'offer', sdp: offer.sdp, media: { audio: stream.getAudioTracks().length > 0, video: stream.getVideoTracks().length > 0 } });
    this.#flushLocal(call);
  }

  /** The user accepts the ringing call. */
  async accept() {
    const call = this.call;
    if (!call || this.state !== 'incoming') return;
    try {
      await this.#acceptCall(call);
    } catch (e) {
      if (this.call !== call) return;
      this.#send(call.answered ? { kind: 'hangup' } : { kind: 'reject', reason: 'declined' });
      this.#end('session-error', { error: String(e) });
    }
  }

  async #acceptCall(call) {
    clearTimeout(call.timer);
    this.#setState('connecting');
    this.sig.setBusy(true);
    call.busySet = true;
    const stream = await this.#localMedia();
    if (this.call !== call) { stopStream(stream); return; }
    const pc = this.#newPeerConnection(call, stream, call.offer);
    await pc.setRemoteDescription({ type: 'offer', sdp: call.offer });
    this.#addTracks(pc, stream);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.call !== call) return;
    call.answered = true;
    this.#send({ kind: 'answer', sdp: answer.sdp });
    this.#flushLocal(call);
    await this.#flushRemote(call);
    this.#armConnectTimer(call);
  }

  /** The user declines the ringing call. */
  reject() {
    if (!this.call || this.state !== 'incoming') return;
    this.#send({ kind: 'reject', reason: 'declined' });
    this.#end('declined-local');
  }

  /** Ends whatever call there is: cancel while calling, decline while ringing, hangup after. */
  hangup() {
    if (!this.call) return;
    if (this.state === 'incoming') return this.reject();
    if (this.state === 'outgoing') { this.#send({ kind: 'cancel' }); return this.#end('cancelled-local'); }
    this.#send({ kind: 'hangup' });
    // Over the data channel too, for when the server is gone; the connection closes a
    // moment later so the message leaves first.
    const linger = this.#sendControl({ type: 'hangup' }) ? HANGUP_LINGER_MS : 0;
    this.#end('hangup-local', { linger });
  }

  setMicMuted(muted) {
    this.micMuted = muted;
    this.call?.stream?.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    this.#mediaChanged();
  }

  setCameraOn(on) {
    this.cameraOn = on;
    this.call?.stream?.getVideoTracks().forEach((t) => { t.enabled = on; });
    this.#mediaChanged();
  }

  /** Sends a chat line; false when the data channel is not open. */
  sendChat(text) {
    return this.#sendControl({ type: 'chat', text });
  }

  get peerConnection() { return this.call?.pc || null; }

  // ---- signaling in ----

  #onSignal(from, data) {
    if (typeof data.call !== 'string' || typeof data.kind !== 'string') return;
    if (data.kind === 'offer') return this.#onOffer(from, data);
    const call = this.call;
    if (!call || call.id !== data.call || call.peer !== from) return; // stale or foreign
    switch (data.kind) {
      case 'answer':
        if (call.role === 'caller' && this.state === 'outgoing' && typeof data.sdp === 'string') this.#onAnswer(call, data.sdp);
        break;
      case 'reject':
        if (call.role === 'caller' && this.state === 'outgoing') {
          this.#end(data.reason === 'busy' ? 'busy' : data.reason === 'timeout' ? 'timeout' : 'rejected');
        }
        break;
      case 'cancel':
        if (call.role === 'callee' && this.state === 'incoming') this.#end('cancelled-remote');
        break;
      case 'candidate':
        // Held until accept; a flood while ringing is capped (a real peer has a few dozen).
        if (data.candidate && typeof data.candidate.candidate === 'string' && call.remote.length < MAX_HELD_CANDIDATES) {
          call.remote.push(data.candidate);
          this.#flushRemote(call);
        }
        break;
      case 'end-of-candidates':
        call.remoteEnd = true;
        this.#flushRemote(call);
        break;
      case 'hangup':
        this.#end('hangup-remote');
        break;
      case 'renegotiate':
        // The caller restarts ICE (its network changed or the path dropped): answer it.
        if (call.role === 'callee' && data.role === 'offer' && typeof data.sdp === 'string'
          && this.#established()) this.#onRestartOffer(call, data.sdp);
        // The callee's answer to our restart offer.
        if (call.role === 'caller' && data.role === 'answer' && typeof data.sdp === 'string'
          && call.restarting && this.#established()) this.#onRestartAnswer(call, data.sdp);
        break;
      case 'restart-ice':
        // The callee's network changed: only the caller offers a restart (no glare).
        if (call.role === 'caller' && this.#established()) this.#restartIce(call);
        break;
      default:
        break; // future kinds are ignored
    }
  }

  #onOffer(from, data) {
    if (typeof data.sdp !== 'string' || this.ended.has(data.call)) return;
    const call = this.call;
    if (call && call.id === data.call) return; // duplicate
    if (call && this.state === 'outgoing' && call.peer === from) {
      // Glare: the smaller call id wins on both sides.
      if (call.id < data.call) return;
      this.#send({ kind: 'cancel' });
      this.#end('glare', { quiet: true });
      this.#ring(from, data);
      this.accept();
      return;
    }
    if (call) {
      if (this.#busyReplyAllowed(from)) this.sig.send(from, { kind: 'reject', call: data.call, reason: 'busy' });
      return;
    }
    this.#ring(from, data);
    this.dispatchEvent(new CustomEvent('incoming', { detail: { peer: from, call: data.call, media: data.media } }));
    if (this.opts.autoAnswer) this.accept(); // kiosk / benchmark mode: the user consented up front
  }

  #ring(from, data) {
    const call = this.#newCall(data.call, from, 'callee');
    call.offer = data.sdp;
    this.#setState('incoming');
    call.timer = setTimeout(() => {
      if (this.call === call && this.state === 'incoming') {
        this.#send({ kind: 'reject', reason: 'timeout' });
        this.#end('timeout-local');
      }
    }, this.opts.ringTimeoutMs);
  }

  async #onAnswer(call, sdp) {
    clearTimeout(call.timer);
    this.#setState('connecting');
    try {
      await call.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (e) {
      this.#send({ kind: 'hangup' });
      this.#end('session-error', { error: String(e) });
      return;
    }
    await this.#flushRemote(call);
    this.#armConnectTimer(call);
  }

  async #onRestartOffer(call, sdp) {
    this.#freshIceServers(call);
    try {
      await call.pc.setRemoteDescription({ type: 'offer', sdp });
      await call.pc.setLocalDescription(await call.pc.createAnswer());
    } catch (e) {
      console.warn('ICE restart offer refused', e);
      return;
    }
    if (this.call !== call) return;
    this.sig.send(call.peer, { kind: 'renegotiate', call: call.id, sdp: call.pc.localDescription.sdp, role: 'answer' });
    this.#flushLocal(call);
    await this.#flushRemote(call);
  }

  /**
   * Caller: offers fresh ICE credentials (`renegotiate`, role `offer`). Our candidates of
   * the new generation follow the offer; the callee's wait for its answer. One at a time:
   * a request meanwhile restarts again once the answer is in.
   */
  /**
   * A restart gathers anew, and a TURN server checks credentials when a new relay is
   * allocated: the call's first credentials may have expired (the server mints them for
   * 10 minutes), so the newest ones the signaling client holds go in first.
   */
  #freshIceServers(call) {
    try {
      call.pc.setConfiguration({ ...call.pc.getConfiguration(), iceServers: this.sig.iceServers });
    } catch (e) {
      console.warn('fresh ICE servers refused; restarting with the call\'s own', e);
    }
  }

  async #restartIce(call) {
    if (call.restarting) { call.restartAgain = true; return; }
    call.restarting = true;
    call.localSent = false;
    call.local = [];
    call.remote = [];
    call.remoteEnd = false;
    this.#freshIceServers(call);
    try {
      await call.pc.setLocalDescription(await call.pc.createOffer({ iceRestart: true }));
    } catch (e) {
      console.warn('ICE restart offer failed', e);
      call.restarting = false;
      return;
    }
    if (this.call !== call) return;
    this.sig.send(call.peer, { kind: 'renegotiate', call: call.id, sdp: call.pc.localDescription.sdp, role: 'offer' });
    this.#flushLocal(call);
  }

  async #onRestartAnswer(call, sdp) {
    try {
      await call.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (e) {
      console.warn('ICE restart answer refused', e);
    }
    call.restarting = false;
    if (this.call !== call) return;
    await this.#flushRemote(call);
    if (call.restartAgain) { call.restartAgain = false; this.#restartIce(call); }
  }

  /**
   * Signaling for the call is back under a new id (ours or the peer's): a restart under
   * way lost its messages with the old identity (its answer will never come, and would
   * hold up the callee's candidates and every later restart), so it starts over; while
   * the path is down the callee asks the caller again.
   */
  #restartAgain(call) {
    if (call.role === 'caller') {
      const wanted = call.restarting || this.state === 'reconnecting';
      call.restarting = false;
      call.restartAgain = false;
      if (wanted) this.#restartIce(call);
    } else if (this.state === 'reconnecting') {
      this.#send({ kind: 'restart-ice' });
    }
  }

  /** The peer says over the data channel that its signaling id is now `id`. */
  #onRejoin(call, msg) {
    if (this.call !== call || msg.call !== call.id || typeof msg.id !== 'string' || !this.#established()) return;
    if (call.peer === msg.id) return;
    call.peer = msg.id;
    this.dispatchEvent(new CustomEvent('repaired', { detail: { call: call.id, peer: msg.id } }));
    this.#restartAgain(call);
  }

  #established() {
    return this.state === 'connected' || this.state === 'reconnecting';
  }

  // ---- peer connection ----

  #newCall(id, peer, role) {
    this.call = { id, peer, role, pc: null, dc: null, stream: null, remote: [], remoteEnd: false, local: [], localSent: false, timer: null, connectTimer: null, graceTimer: null, restarting: false, restartAgain: false };
    return this.call;
  }

  async #localMedia() {
    try {
      const stream = this.opts.getMedia
        ? await this.opts.getMedia()
        : await navigator.mediaDevices.getUserMedia({ audio: true, video: this.opts.video });
      stream.getAudioTracks().forEach((t) => { t.enabled = !this.micMuted; });
      stream.getVideoTracks().forEach((t) => { t.enabled = this.cameraOn; });
      return stream;
    } catch (e) {
      this.dispatchEvent(new CustomEvent('media-error', { detail: { error: String(e) } }));
      return new MediaStream(); // receive only
    }
  }

  #newPeerConnection(call, stream, offerSdp) {
    const pc = new RTCPeerConnection({ iceServers: this.sig.iceServers, bundlePolicy: 'max-bundle' });
    call.pc = pc;
    call.stream = stream;
    this.dispatchEvent(new CustomEvent('local-stream', { detail: { stream } }));
    if (!offerSdp) {
      this.#addTracks(pc, stream);
      if (stream.getAudioTracks().length === 0) pc.addTransceiver('audio', { direction: 'recvonly' });
      if (stream.getVideoTracks().length === 0) pc.addTransceiver('video', { direction: 'recvonly' });
    }
    const remote = new MediaStream();
    pc.ontrack = (e) => {
      remote.addTrack(e.track);
      this.dispatchEvent(new CustomEvent('remote-stream', { detail: { stream: remote } }));
    };
    pc.ondatachannel = (e) => { if (e.channel.label === DC_LABEL) this.#attachChannel(call, e.channel); };
    pc.onicecandidate = (e) => {
      if (this.call !== call) return;
      if (!e.candidate) call.local.push({ kind: 'end-of-candidates' });
      else if (e.candidate.candidate && (!this.opts.loopbackOnly || isLoopback(e.candidate))) {
        const c = e.candidate;
        call.local.push({ kind: 'candidate', candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment } });
      }
      if (call.localSent) this.#flushLocal(call);
    };
    pc.onconnectionstatechange = () => this.#onConnectionState(call, pc.connectionState);
    return pc;
  }

  #addTracks(pc, stream) {
    for (const track of stream.getTracks()) {
      const sender = pc.addTrack(track, stream);
      if (track.kind === 'video' && this.opts.degradationPreference) {
        const params = sender.getParameters();
        params.degradationPreference = this.opts.degradationPreference;
        sender.setParameters(params).catch(() => {});
      }
    }
  }

  #onConnectionState(call, st) {
    if (this.call !== call) return;
    if (st === 'connected') {
      clearTimeout(call.connectTimer);
      clearTimeout(call.graceTimer);
      this.#setState('connected');
    } else if (st === 'disconnected' && this.state === 'connected') {
      this.#setState('reconnecting');
      // The path dropped (our network changed, or the peer's): signaling resumes on a new
      // connection (ours may have died with our old address), then the caller restarts
      // ICE on its own and the callee asks the caller to (it may not have noticed).
      this.sig.reconnectNow();
      if (call.role === 'caller') this.#restartIce(call);
      else this.#send({ kind: 'restart-ice' });
      call.graceTimer = setTimeout(() => {
        if (this.call === call && this.state === 'reconnecting') { this.#send({ kind: 'hangup' }); this.#end('connection-lost'); }
      }, this.opts.reconnectGraceMs);
    } else if (st === 'failed') {
      const wasUp = this.state === 'connected' || this.state === 'reconnecting';
      this.#send({ kind: 'hangup' });
      this.#end(wasUp ? 'connection-lost' : 'connection-failed');
    }
  }

  #armConnectTimer(call) {
    call.connectTimer = setTimeout(() => {
      if (this.call === call && this.state === 'connecting') { this.#send({ kind: 'hangup' }); this.#end('connection-failed'); }
    }, this.opts.connectTimeoutMs);
  }

  /** Sends local candidates; only after the offer/answer went out (consent, ordering). */
  #flushLocal(call) {
    call.localSent = true;
    while (call.local.length && this.call === call) {
      this.sig.send(call.peer, { ...call.local.shift(), call: call.id });
    }
  }

  /** Applies remote candidates once the remote description is there. */
  async #flushRemote(call) {
    const pc = call.pc;
    // Kept until accept / answer, and during our ICE restart until the callee's answer.
    if (!pc || !pc.remoteDescription || call.restarting) return;
    while (call.remote.length) {
      const c = call.remote.shift();
      try { await pc.addIceCandidate(c); } catch (e) { console.warn('bad remote candidate', e); }
    }
    if (call.remoteEnd) {
      call.remoteEnd = false;
      try { await pc.addIceCandidate(null); } catch { /* older browsers */ }
    }
  }

  // ---- data channel ----

  #attachChannel(call, dc) {
    call.dc = dc;
    dc.onopen = () => { this.#sendControl({ type: 'media', micMuted: this.micMuted, cameraOn: this.cameraOn }); this.dispatchEvent(new CustomEvent('channel-open')); };
    dc.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      if (msg && msg.type === 'chat' && typeof msg.text === 'string') {
        // A peer cannot flood us with chat: long lines are cut, and past the rate the
        // rest is dropped.
        if (!this.#chatAllowed(call)) return;
        this.dispatchEvent(new CustomEvent('chat', { detail: { text: msg.text.slice(0, CHAT_MAX_CHARS) } }));
      } else if (msg && msg.type === 'media') {
        this.dispatchEvent(new CustomEvent('remote-media', { detail: { micMuted: !!msg.micMuted, cameraOn: msg.cameraOn !== false } }));
      } else if (msg && msg.type === 'hangup') {
        // The peer hung up; its signaling `hangup` may never come (the server is gone).
        if (this.call === call && (this.state === 'connecting' || this.#established())) this.#end('hangup-remote');
      } else if (msg && msg.type === 'rejoin') {
        this.#onRejoin(call, msg);
      }
    };
  }

  /** Token bucket per call: CHAT_RATE lines per second, bursts of CHAT_BURST. */
  #chatAllowed(call) {
    const now = Date.now();
    const b = call.chat || (call.chat = { tokens: CHAT_BURST, at: now });
    b.tokens = Math.min(CHAT_BURST, b.tokens + ((now - b.at) / 1000) * CHAT_RATE);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #sendControl(msg) {
    const dc = this.call?.dc;
    if (!dc || dc.readyState !== 'open') return false;
    dc.send(JSON.stringify(msg));
    return true;
  }

  #mediaChanged() {
    this.#sendControl({ type: 'media', micMuted: this.micMuted, cameraOn: this.cameraOn });
    this.dispatchEvent(new CustomEvent('local-media', { detail: { micMuted: this.micMuted, cameraOn: this.cameraOn } }));
  }

  // ---- helpers ----

  #send(data) {
    if (this.call) this.sig.send(this.call.peer, { ...data, call: this.call.id });
  }

  #setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, call: this.call?.id, peer: this.call?.peer } }));
  }

  #end(reason, extra = {}) {
    const call = this.call;
    if (!call) return;
    clearTimeout(call.timer);
    clearTimeout(call.connectTimer);
    clearTimeout(call.graceTimer);
    this.ended.add(call.id);
    const close = () => { call.dc?.close(); call.pc?.close(); };
    if (extra.linger) setTimeout(close, extra.linger); else close();
    delete extra.linger;
    stopStream(call.stream);
    if (call.busySet && !extra.quiet) this.sig.setBusy(false);
    this.call = null;
    this.#setState('idle');
    if (!extra.quiet) this.dispatchEvent(new CustomEvent('ended', { detail: { reason, call: call.id, ...extra } }));
  }
}

function stopStream(stream) {
  stream?.getTracks().forEach((t) => t.stop());
}
