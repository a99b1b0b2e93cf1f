import { describe, expect, it } from "vitest";
import { HEADER_LEN, MAGIC, parseFrame } from "./frame";
import { i420Init } from "./i420-layout";

function message(width: number, height: number): ArrayBuffer {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const buf = new ArrayBuffer(HEADER_LEN + width * height + 2 * cw * ch);
  const view = new DataView(buf);
  view.setUint32(0, MAGIC, true);
  view.setUint32(8, width, true);
  view.setUint32(12, height, true);
  view.setBigUint64(16, 7n, true);
  const planes = new Uint8Array(buf, HEADER_LEN);
  planes.fill(1, 0, width * height);
  planes.fill(2, width * height, width * height + cw * ch);
  planes.fill(3, width * height + cw * ch);
  return buf;
}

describe("i420Init", () => {
  it("points VideoFrame at the planes in place, chroma rounded up for odd sizes", () => {
    const frame = parseFrame(message(5, 3))!;
    const { data, init } = i420Init(frame);
    expect(data.byteOffset).toBe(HEADER_LEN);
    expect(data.byteLength).toBe(15 + 2 * 3 * 2);
    expect(init).toMatchObject({ format: "I420", codedWidth: 5, codedHeight: 3, timestamp: 7 });
    expect(init.layout).toEqual([
      { offset: 0, stride: 5 },
      { offset: 15, stride: 3 },
      { offset: 21, stride: 3 },
    ]);
    for (const [plane, { offset }] of init.layout.entries()) expect(data[offset]).toBe(plane + 1);
  });
});
