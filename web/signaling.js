// Signaling protocol v1 (docs/protocol.md): one WebSocket at /ws, JSON text frames.
// Emits: welcome, peers (the full map after any presence change), signal, error, closed.

export class Signaling extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.id = null;
    this.peers = new Map(); // id -> {id, name, busy}
    this.iceServers = [];
  }

  /** Opens the socket and sends hello; resolves with the welcome, rejects on refusal. */
  connect(name, room) {
    return new Promise((resolve, reject) => {
      let welcomed = false;
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        const hello = { type: 'hello', protocol: 1, name };
        if (room) hello.room = room;
        ws.send(JSON.stringify(hello));
      };
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (!msg || typeof msg.type !== 'string') return;
        if (msg.type === 'welcome') {
          welcomed = true;
          this.id = msg.id;
          this.iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
          this.peers = new Map((msg.peers || []).map((p) => [p.id, p]));
          resolve(msg);
          this.#emit('peers');
        } else if (msg.type === 'error' && !welcomed) {
          reject(new Error(msg.message || msg.code));
        } else {
          this.#handle(msg);
        }
      };
      ws.onerror = () => { if (!welcomed) reject(new Error('cannot reach the server')); };
      ws.onclose = (ev) => {
        if (!welcomed) reject(new Error(`server closed the connection (${ev.code})`));
        this.#emit('closed', { code: ev.code });
      };
    });
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
      case 'error':
        this.#emit('error', msg);
        break;
      default:
        break; // unknown server messages are ignored (forward compatibility)
    }
  }

  send(to, data) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'signal', to, data }));
    }
  }

  setBusy(busy) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'update', busy }));
    }
  }

  close() { if (this.ws) this.ws.close(1000); }

  #emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
