// The frame bridge's binary message (see crates/bridge/src/wire.rs): a 40-byte little-endian
// header followed by packed I420 planes.

export const MAGIC = 0x31464350; // "PCF1"
export const HEADER_LEN = 40;

export interface BridgeFrame {
  stream: number;
  mirrored: boolean;
  width: number;
  height: number;
  /** The bridge shrank the frame by this factor for a small canvas (1: full size). */
  shrink: number;
  frameNumber: number;
  captureTimeUs: number;
  sentTimeUs: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** Parses one message; returns null when it is not a well-formed bridge frame. */
export function parseFrame(buffer: ArrayBuffer): BridgeFrame | null {
  if (buffer.byteLength < HEADER_LEN) return null;
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const width = view.getUint32(8, true);
  const height = view.getUint32(12, true);
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const ySize = width * height;
  const cSize = cw * ch;
  if (width === 0 || height === 0 || buffer.byteLength !== HEADER_LEN + ySize + 2 * cSize) return null;
  return {
    stream: view.getUint8(4),
    mirrored: (view.getUint8(5) & 1) === 1,
    width,
    height,
    shrink: Math.max(1, view.getUint8(6)),
    // Frame numbers and µs timestamps fit a double exactly for centuries.
    frameNumber: Number(view.getBigUint64(16, true)),
    captureTimeUs: Number(view.getBigUint64(24, true)),
    sentTimeUs: Number(view.getBigUint64(32, true)),
    y: new Uint8Array(buffer, HEADER_LEN, ySize),
    u: new Uint8Array(buffer, HEADER_LEN + ySize, cSize),
    v: new Uint8Array(buffer, HEADER_LEN + ySize + cSize, cSize),
  };
}

/** Wall-clock microseconds, comparable with the Rust side's UNIX-epoch timestamps. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
