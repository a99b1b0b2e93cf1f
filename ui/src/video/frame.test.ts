import { describe, expect, it } from "vitest";
import { HEADER_LEN, MAGIC, parseFrame } from "./frame";

function message(width: number, height: number, extra = 0): ArrayBuffer {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const buf = new ArrayBuffer(HEADER_LEN + width * height + 2 * cw * ch + extra);
  const view = new DataView(buf);
  view.setUint32(0, MAGIC, true);
  view.setUint8(4, 1);
  view.setUint8(5, 1);
  view.setUint32(8, width, true);
  view.setUint32(12, height, true);
  view.setBigUint64(16, 42n, true);
  view.setBigUint64(24, 1_700_000_000_000_000n, true);
  view.setBigUint64(32, 1_700_000_000_000_500n, true);
  new Uint8Array(buf, HEADER_LEN, width * height).fill(7);
  return buf;
}

describe("parseFrame", () => {
  it("reads the header and slices the planes", () => {
    const f = parseFrame(message(5, 3));
    expect(f).not.toBeNull();
    expect(f!.stream).toBe(1);
    expect(f!.mirrored).toBe(true);
    expect([f!.width, f!.height]).toEqual([5, 3]);
    expect(f!.shrink).toBe(1);
    expect(f!.frameNumber).toBe(42);
    expect(f!.captureTimeUs).toBe(1_700_000_000_000_000);
    expect(f!.sentTimeUs - f!.captureTimeUs).toBe(500);
    expect(f!.y.length).toBe(15);
    expect(f!.u.length).toBe(6);
    expect(f!.v.length).toBe(6);
    expect(f!.y.every((b) => b === 7)).toBe(true);
  });

  it("reads the shrink factor of a frame the bridge made smaller", () => {
    const buf = message(4, 2);
    new DataView(buf).setUint8(6, 4);
    expect(parseFrame(buf)!.shrink).toBe(4);
  });

  it("rejects truncated, oversized and foreign messages", () => {
    expect(parseFrame(new ArrayBuffer(10))).toBeNull();
    expect(parseFrame(message(4, 4, 1))).toBeNull();
    expect(parseFrame(message(4, 4).slice(0, 50))).toBeNull();
    const bad = message(4, 4);
    new DataView(bad).setUint32(0, 0, true);
    expect(parseFrame(bad)).toBeNull();
  });
});
