// Signaling protocol v1 (docs/protocol.md): one WebSocket at /ws, JSON text frames.
// Emits: welcome, peers (the full map after any presence change), signal, error,
// reconnecting {attempt, delayMs}, reconnected {resumed} and closed (only after close()).
//
// Sends are paced under the server's limit (50 messages/s, bursts of 100, pings
// included): 40/s with bursts of 80, the rest waits here instead of being refused and
// getting the socket closed. After any close the client comes back by itself with
// jittered exponential backoff (250 ms doubling to 10 s) and resumes its session.

const PACE_RATE = 40; // messages per second
const PACE_BURST = 80;
const QUEUE_MAX = 1024; // messages waiting for the pacer; the oldest go first when full
const ACK_EVERY = 16; // acknowledge after this many sequenced messages ...
const ACK_MS = 500; // ... or this long after the first unacknowledged one
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 10000;
const REFRESH_FIRST_MS = 30000; // first ask for fresh TURN credentials after a welcome with some
const REFRESH_MIN_MS = 5000; // then halfway through their lifetime, never more often than this
const REFRESH_RETRY_MS = 60000; // again if a request got no answer

export class Signaling extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.id = null;
    this.session = null;
    this.peers = new Map(); // id -> {id, name, busy}
    this.iceServers = [];
    this.queue = [];
    this.tokens = PACE_BURST;
    this.tokensAt = Date.now();
    this.pumpTimer = null;
    this.closing = false;
    this.attempt = 0;
    this.lastSeq = 0; // highest `seq` received (resume replays what follows it)
    this.acked = 0;
    this.ackTimer = null;
    this.refreshTimer = null; // asks for fresh TURN credentials (see #scheduleRefresh)
    this.refreshAsked = false;
    this.refreshUnsupported = false;
  }

  /** Opens the socket and sends hello; resolves with the welcome, rejects on refusal. */
  connect(name, room) {
    this.name = name;
    this.room = room;
    this.closing = false;
    return this.#open(null);
  }

  #open(resume) {
    return new Promise((resolve, reject) => {
      let welcomed = false;
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        // `last` on every hello: the server replays what came after it on a resume
        // (and, on a fresh hello, 0 says that this client acknowledges).
        const hello = { type: 'hello', protocol: 1, name: this.name, last: resume ? this.lastSeq : 0 };
        if (this.room) hello.room = this.room;
        if (resume) hello.resume = resume;
        ws.send(JSON.stringify(hello));
      };
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (!msg || typeof msg.type !== 'string') return;
        if (Number.isSafeInteger(msg.seq)) {
          if (msg.seq <= this.lastSeq) return; // replayed after a resume, but it had arrived
          this.lastSeq = msg.seq;
          this.#scheduleAck();
        }
        if (msg.type === 'welcome') {
          welcomed = true;
          this.attempt = 0;
          this.id = msg.id;
          this.session = msg.session;
          this.iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
          if (this.iceServers.some((s) => s && s.credential)) this.#scheduleRefresh(REFRESH_FIRST_MS);
          this.peers = new Map((msg.peers || []).map((p) => [p.id, p]));
          resolve(msg);
          if (msg.resumed !== true) {
            this.queue = []; // meant for the old identity
            this.lastSeq = 0;
            this.acked = 0;
          }
          if (resume) this.#emit('reconnected', { resumed: msg.resumed === true });
          this.#emit('peers');
          this.#pump();
        } else if (msg.type === 'error' && !welcomed) {
          reject(new Error(msg.message || msg.code));
        } else {
          this.#handle(msg);
        }
      };
      ws.onerror = () => { if (!welcomed) reject(new Error('cannot reach the server')); };
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        if (!welcomed) reject(new Error(`server closed the connection (${ev.code})`));
        if (this.closing) this.#emit('closed', { code: ev.code });
        else if (welcomed || resume) this.#reconnect(ev.code);
      };
    });
  }

  /**
   * A call's path dropped, so our address may have changed and this socket died with it (a
   * dead TCP connection can look open for minutes): resume the session on a new connection
   * now. What is queued meanwhile goes out once resumed.
   */
  reconnectNow() {
    const old = this.ws;
    if (!old || this.closing || !this.session || old.readyState !== WebSocket.OPEN) return;
    this.ws = null; // its close event no longer counts
    try { old.close(4000); } catch { /* already gone */ }
    this.#reconnect(4000);
  }

  /** Any close we did not ask for: try again after a backoff, resuming the session. */
  #reconnect(code) {
    this.attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.attempt - 1));
    const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.#emit('reconnecting', { attempt: this.attempt, delayMs, code });
    setTimeout(() => {
      if (this.closing) return;
      this.#open(this.session).catch(() => {}); // a failure closes again and retries
    }, delayMs);
  }

  #handle(msg) {
    switch (msg.type) {
      case 'peer-joined':
      case 'peer-updated':
        if (msg.peer && msg.peer.id) { this.peers.set(msg.peer.id, msg.peer); this.#emit('peers'); }
        break;
      case 'peer-left':
        this.peers.delete(msg.id);
        this.#emit('peers');
        this.#emit('peer-left', { id: msg.id });
        break;
      case 'signal':
        if (msg.data && typeof msg.data === 'object' && typeof msg.from === 'string') {
          this.#emit('signal', { from: msg.from, data: msg.data });
        }
        break;
      case 'ice-servers':
        // Fresh TURN credentials: the next call allocates its relay with them.
        this.refreshAsked = false;
        if (Array.isArray(msg.iceServers)) this.iceServers = msg.iceServers;
        if (Number.isFinite(msg.ttl) && msg.ttl > 0) this.#scheduleRefresh(Math.max(REFRESH_MIN_MS, (msg.ttl * 1000) / 2));
        break;
      case 'error':
        if (msg.code === 'unknown-type' && this.refreshAsked) {
          this.refreshAsked = false; // a server too old to refresh: keep the welcome's
          this.refreshUnsupported = true;
          clearTimeout(this.refreshTimer);
          break;
        }
        this.#emit('error', msg);
        break;
      default:
        break; // unknown server messages are ignored (forward compatibility)
    }
  }

  send(to, data) { this.#write({ type: 'signal', to, data }); }

  setBusy(busy) { this.#write({ type: 'update', busy }); }

  close() {
    this.closing = true;
    clearTimeout(this.refreshTimer);
    this.queue = [];
    if (this.ws) this.ws.close(1000);
  }

  /**
   * Asks for fresh ICE servers after `ms`: the welcome's TURN credentials expire
   * (`--turn-ttl`), and a page may stay open for hours before its call.
   */
  #scheduleRefresh(ms) {
    clearTimeout(this.refreshTimer);
    if (this.refreshUnsupported) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshAsked = true;
      this.#write({ type: 'ice-servers' });
      this.#scheduleRefresh(REFRESH_RETRY_MS); // if no answer comes
    }, ms);
  }

  /** Acknowledges what arrived: at once after ACK_EVERY messages, else after ACK_MS. */
  #scheduleAck() {
    if (this.lastSeq - this.acked >= ACK_EVERY) {
      clearTimeout(this.ackTimer);
      this.ackTimer = null;
      this.acked = this.lastSeq;
      this.#write({ type: 'ack', seq: this.lastSeq });
    } else if (!this.ackTimer) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = null;
        if (this.lastSeq > this.acked) {
          this.acked = this.lastSeq;
          this.#write({ type: 'ack', seq: this.lastSeq });
        }
      }, ACK_MS);
    }
  }

  /** Queues a message for the pacer (also while reconnecting). */
  #write(msg) {
    if (this.queue.length >= QUEUE_MAX) this.queue.shift();
    this.queue.push(JSON.stringify(msg));
    this.#pump();
  }

  /** Sends what the token bucket allows now and comes back when the next token is due. */
  #pump() {
    const now = Date.now();
    this.tokens = Math.min(PACE_BURST, this.tokens + ((now - this.tokensAt) / 1000) * PACE_RATE);
    this.tokensAt = now;
    while (this.queue.length && this.tokens >= 1 && this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(this.queue.shift());
      this.tokens -= 1;
    }
    if (this.queue.length && !this.pumpTimer && this.ws && this.ws.readyState === WebSocket.OPEN) {
      const waitMs = Math.ceil(((1 - this.tokens) / PACE_RATE) * 1000);
      this.pumpTimer = setTimeout(() => { this.pumpTimer = null; this.#pump(); }, waitMs);
    }
  }

  #emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
