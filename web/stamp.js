// The test pattern with the same stamp the engine draws (crates/media/src/source/stamp.rs):
// a band of 32 x 3 black/white blocks (block = width / 32) carrying 96 bits: frame number
// (u32), low 48 bits of the capture time in µs since the UNIX epoch, CRC-16/CCITT-FALSE.
// Used with ?source=stamp (benchmarks: glass-to-glass latency against the agent's figures).

const COLUMNS = 32;
const ROWS = 3;
const TIME_MASK = 2n ** 48n - 1n;

function crc16(bytes) {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export const nowUs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));

function stampBits(frameNumber, timeUs) {
  const bytes = new Uint8Array(12);
  new DataView(bytes.buffer).setUint32(0, frameNumber >>> 0);
  const t = timeUs & TIME_MASK;
  for (let i = 0; i < 6; i += 1) bytes[4 + i] = Number((t >> BigInt(8 * (5 - i))) & 0xffn);
  const crc = crc16(bytes.subarray(0, 10));
  bytes[10] = crc >> 8;
  bytes[11] = crc & 0xff;
  return Array.from({ length: 96 }, (_, i) => (bytes[i >> 3] & (0x80 >> (i % 8))) !== 0);
}

/** A canvas stream of `width`x`height` at `fps`: moving bars under a stamp band. */
export function stampedStream(width, height, fps) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const block = Math.floor(width / COLUMNS);
  let n = 0;
  const draw = () => {
    n += 1;
    ctx.fillStyle = '#204060';
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#e0c040';
    ctx.fillRect((n * 8) % width, 0, width / 8, height);
    ctx.fillStyle = '#101010';
    ctx.fillRect(0, 0, width, block * ROWS);
    ctx.fillStyle = '#ebebeb';
    stampBits(n, nowUs()).forEach((bit, i) => {
      if (bit) ctx.fillRect((i % COLUMNS) * block, Math.floor(i / COLUMNS) * block, block, block);
    });
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  stream.getVideoTracks()[0].addEventListener('ended', () => clearInterval(timer));
  return stream;
}

/** Reads the stamp from RGBA pixels of the top band; null when damaged. */
export function readStamp(data, width) {
  const block = Math.floor(width / COLUMNS);
  const bytes = new Uint8Array(12);
  for (let i = 0; i < 96; i += 1) {
    const x = (i % COLUMNS) * block + (block >> 1);
    const y = Math.floor(i / COLUMNS) * block + (block >> 1);
    if (data[(y * width + x) * 4 + 1] > 128) bytes[i >> 3] |= 0x80 >> (i % 8);
  }
  if (crc16(bytes.subarray(0, 10)) !== ((bytes[10] << 8) | bytes[11])) return null;
  let t = 0n;
  for (let i = 0; i < 6; i += 1) t = (t << 8n) | BigInt(bytes[4 + i]);
  return { frameNumber: new DataView(bytes.buffer).getUint32(0), timeLowUs: t };
}

/** Glass-to-glass latencies (ms) of the stamped frames `video` shows, as they are presented. */
export function measureLatency(video, out) {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const onFrame = () => {
    const w = video.videoWidth;
    if (w >= 2 * COLUMNS) {
      const band = Math.floor(w / COLUMNS) * ROWS;
      canvas.width = w;
      canvas.height = band;
      ctx.drawImage(video, 0, 0, w, band, 0, 0, w, band);
      const s = readStamp(ctx.getImageData(0, 0, w, band).data, w);
      if (s) {
        const now = nowUs();
        let sent = (now & ~TIME_MASK) | s.timeLowUs;
        if (sent > now + 2n ** 47n) sent -= 2n ** 48n;
        out.push(Number(now - sent) / 1000);
      }
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}
