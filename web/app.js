// UI wiring. URL parameters (all optional): name, room, ringTimeout (ms), loopback=1
// (send only loopback candidates), width, height, fps, degradation (e.g.
// maintain-resolution), source=stamp (a stamped test pattern at width x height and fps
// instead of the camera; glass-to-glass latency in peercall.latencies).
// Test builds only — pages served with test-build.js next to this file (the test
// harnesses serve web/ with it; the client built into the server has no such file):
// server (ws URL), autojoin=1, autoAnswer=1 (accept every call). A shipped client never
// lets a link join a room, pick a server or accept a call without the user.
import { Signaling } from './signaling.js';
import { CallManager } from './call.js';
import { measureLatency, stampedStream } from './stamp.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const num = (k) => (params.has(k) ? Number(params.get(k)) : undefined);
const testBuild = await import('./test-build.js').then((m) => m.TEST_BUILD === true, () => false);
const testParam = (k) => (testBuild ? params.get(k) : null);

function serverUrl() {
  if (testParam('server')) return testParam('server');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function videoConstraints() {
  const v = {};
  if (num('width')) v.width = { exact: num('width') };
  if (num('height')) v.height = { exact: num('height') };
  if (num('fps')) v.frameRate = { ideal: num('fps') };
  return Object.keys(v).length ? v : true;
}

const sig = new Signaling(serverUrl());
const calls = new CallManager(sig, {
  ...(num('ringTimeout') ? { ringTimeoutMs: num('ringTimeout') } : {}),
  ...(params.has('callerGrace') ? { callerGraceMs: num('callerGrace') } : {}),
  loopbackOnly: params.get('loopback') === '1',
  video: videoConstraints(),
  degradationPreference: params.get('degradation') || null,
  autoAnswer: testParam('autoAnswer') === '1',
  ...(params.get('source') === 'stamp' ? { getMedia: stampedMedia } : {}),
});
const latencies = [];

async function stampedMedia() {
  const video = stampedStream(num('width') || 640, num('height') || 480, num('fps') || 30);
  const audio = await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => new MediaStream());
  return new MediaStream([...video.getVideoTracks(), ...audio.getAudioTracks()]);
}
const chatLog = [];
const endings = [];

function notice(text) { $('notice').textContent = text; }
function peerName(id) { return sig.peers.get(id)?.name || 'someone'; }

// ---- join ----
$('name').value = params.get('name') || localStorage.getItem('peercall-name') || '';
$('room').value = params.get('room') || '';
$('join').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('name').value.trim();
  if (!name) return;
  $('join-btn').disabled = true;
  $('join-error').textContent = '';
  try {
    await sig.connect(name, $('room').value.trim() || undefined);
    localStorage.setItem('peercall-name', name);
    $('join').hidden = true;
    $('lobby').hidden = false;
    $('status').textContent = `online as ${name}`;
  } catch (err) {
    $('join-error').textContent = err.message;
    $('join-btn').disabled = false;
  }
});
sig.addEventListener('closed', () => { $('status').textContent = 'offline'; notice('Disconnected from the server.'); });
sig.addEventListener('reconnecting', (e) => {
  $('status').textContent = `offline, reconnecting (attempt ${e.detail.attempt})`;
});
sig.addEventListener('reconnected', () => { $('status').textContent = `online as ${sig.name}`; });
sig.addEventListener('error', (e) => console.warn('server error', e.detail));

// ---- peers ----
sig.addEventListener('peers', renderPeers);
function renderPeers() {
  const ul = $('peers');
  ul.replaceChildren();
  for (const p of sig.peers.values()) {
    const li = document.createElement('li');
    li.dataset.peerId = p.id;
    li.className = p.busy ? 'busy' : '';
    const name = document.createElement('span');
    name.className = 'peer-name';
    name.textContent = p.name;
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.textContent = 'Call';
    btn.setAttribute('aria-label', `Call ${p.name}`);
    btn.disabled = calls.state !== 'idle';
    btn.addEventListener('click', () => {
      notice(`Calling ${p.name}…`);
      calls.start(p.id).catch((err) => notice(`Call failed: ${err.message}`));
    });
    li.append(name, btn);
    ul.append(li);
  }
  $('no-peers').hidden = sig.peers.size > 0;
}

// ---- call ----
calls.addEventListener('incoming', (e) => {
  $('incoming-name').textContent = peerName(e.detail.peer);
  $('incoming').show();
});
$('accept-btn').addEventListener('click', () => { $('incoming').close(); calls.accept().catch((err) => notice(`Accept failed: ${err.message}`)); });
$('reject-btn').addEventListener('click', () => { $('incoming').close(); calls.reject(); });
$('hangup-btn').addEventListener('click', () => calls.hangup());
$('mute-btn').addEventListener('click', () => calls.setMicMuted(!calls.micMuted));
$('camera-btn').addEventListener('click', () => calls.setCameraOn(!calls.cameraOn));

calls.addEventListener('state', (e) => {
  const { state, peer } = e.detail;
  document.body.dataset.callState = state;
  $('call').hidden = !['outgoing', 'connecting', 'connected', 'reconnecting'].includes(state);
  if (state !== 'incoming' && $('incoming').open) $('incoming').close();
  if (state === 'connected') notice(`In a call with ${peerName(peer)}.`);
  if (state === 'reconnecting') notice('Connection lost, reconnecting…');
  $('call-info').textContent = state === 'idle' ? '' : `${state}: ${peerName(peer)}`;
  renderPeers();
});
calls.addEventListener('ended', (e) => {
  endings.push(e.detail.reason);
  document.body.dataset.lastEnd = e.detail.reason;
  const text = {
    busy: 'They are busy.', rejected: 'Call declined.', timeout: 'No answer.',
    'timeout-local': 'Missed call.', 'hangup-remote': 'They hung up.', 'cancelled-remote': 'Missed call (cancelled).',
    'peer-left': 'They left.', 'connection-failed': 'Could not connect.', 'connection-lost': 'Connection lost.',
  }[e.detail.reason] || 'Call ended.';
  notice(text);
  $('remote-video').srcObject = null;
  $('local-video').srcObject = null;
  chatLog.length = 0;
  $('chat-log').replaceChildren();
});
calls.addEventListener('local-stream', (e) => { $('local-video').srcObject = e.detail.stream; });
let measuring = false;
calls.addEventListener('remote-stream', (e) => {
  $('remote-video').srcObject = e.detail.stream;
  if (params.get('source') === 'stamp' && !measuring) { measuring = true; measureLatency($('remote-video'), latencies); }
});
calls.addEventListener('local-media', (e) => {
  $('mute-btn').setAttribute('aria-pressed', String(e.detail.micMuted));
  $('mute-btn').textContent = e.detail.micMuted ? 'Unmute' : 'Mute';
  $('camera-btn').setAttribute('aria-pressed', String(!e.detail.cameraOn));
  $('camera-btn').textContent = e.detail.cameraOn ? 'Camera off' : 'Camera on';
});
calls.addEventListener('remote-media', (e) => {
  const parts = [];
  if (e.detail.micMuted) parts.push('muted');
  if (!e.detail.cameraOn) parts.push('camera off');
  $('call-info').textContent = `${calls.state}: ${peerName(calls.call?.peer)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  window.peercall.remoteMedia = e.detail;
});

// ---- chat ----
const CHAT_LOG_MAX = 200; // lines kept (in the page and in peercall.chatLog)
function addChat(who, text) {
  chatLog.push({ who, text });
  if (chatLog.length > CHAT_LOG_MAX) chatLog.shift();
  const li = document.createElement('li');
  li.className = who;
  li.textContent = `${who === 'me' ? 'You' : peerName(calls.call?.peer)}: ${text}`;
  const log = $('chat-log');
  log.append(li);
  while (log.childElementCount > CHAT_LOG_MAX) log.firstElementChild.remove();
  li.scrollIntoView({ block: 'end' });
}
calls.addEventListener('chat', (e) => addChat('them', e.detail.text));
$('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('chat-input').value.trim();
  if (!text) return;
  if (calls.sendChat(text)) { addChat('me', text); $('chat-input').value = ''; }
});

// ---- hooks for tests and benchmarks ----
window.peercall = {
  sig,
  calls,
  chatLog,
  endings,
  latencies,
  remoteMedia: null,
  get state() { return calls.state; },
  /** ms from sending the offer to the first decoded remote video frame (caller side). */
  async offerToFirstFrame(timeoutMs = 30000) {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      const call = calls.call;
      const s = call?.pc ? await this.stats() : null;
      if (s?.video?.framesDecoded > 0 && call.offerSentAt) return performance.now() - call.offerSentAt;
      await new Promise((r) => setTimeout(r, 5));
    }
    return null;
  },
  /** A summary of getStats(): inbound/outbound video and audio. */
  async stats() {
    const pc = calls.peerConnection;
    if (!pc) return null;
    const out = { video: null, audio: null, outVideo: null, codecs: {}, transport: null };
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === 'codec') out.codecs[s.id] = s.mimeType;
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.video = { framesDecoded: s.framesDecoded, frameWidth: s.frameWidth, frameHeight: s.frameHeight, packetsReceived: s.packetsReceived, packetsLost: s.packetsLost, codecId: s.codecId, framesPerSecond: s.framesPerSecond, nackCount: s.nackCount, pliCount: s.pliCount, freezeCount: s.freezeCount, totalFreezesDuration: s.totalFreezesDuration, retransmittedPacketsReceived: s.retransmittedPacketsReceived };
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audio = { packetsReceived: s.packetsReceived, codecId: s.codecId, totalSamplesReceived: s.totalSamplesReceived };
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.outVideo = { framesEncoded: s.framesEncoded, frameWidth: s.frameWidth, frameHeight: s.frameHeight, codecId: s.codecId, nackCount: s.nackCount, pliCount: s.pliCount, keyFramesEncoded: s.keyFramesEncoded, retransmittedPacketsSent: s.retransmittedPacketsSent };
    });
    report.forEach((s) => {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
      const pair = report.get(s.selectedCandidatePairId);
      const local = pair && report.get(pair.localCandidateId);
      const remote = pair && report.get(pair.remoteCandidateId);
      out.transport = { local: local?.address, remote: remote?.address, protocol: local?.protocol };
    });
    for (const k of ['video', 'audio', 'outVideo']) if (out[k]) out[k].codec = out.codecs[out[k].codecId] || null;
    return out;
  },
};

if (testParam('autojoin') === '1' && $('name').value) $('join').requestSubmit();
