import { describe, expect, it } from "vitest";
import { backingSize, readyRequest } from "./fit";

const hd = { width: 1280, height: 720 };

describe("backingSize", () => {
  it("shrinks a large frame to the pixels its box covers", () => {
    expect(backingSize(hd, { width: 448, height: 252 }, 1, false)).toEqual({ width: 448, height: 252 });
  });

  it("counts device pixels", () => {
    expect(backingSize(hd, { width: 320, height: 180 }, 2, false)).toEqual({ width: 640, height: 360 });
  });

  it("never exceeds the frame (no upscaling in the backing store)", () => {
    expect(backingSize(hd, { width: 1900, height: 1000 }, 1, false)).toEqual(hd);
    expect(backingSize({ width: 640, height: 480 }, { width: 1000, height: 1000 }, 2, true)).toEqual({ width: 640, height: 480 });
  });

  it("fits inside the box for contain and fills it for cover", () => {
    const tall = { width: 200, height: 400 };
    expect(backingSize(hd, tall, 1, false)).toEqual({ width: 200, height: 113 });
    expect(backingSize(hd, tall, 1, true)).toEqual({ width: 711, height: 400 });
  });

  it("returns null for a hidden element or an empty frame", () => {
    expect(backingSize(hd, { width: 0, height: 0 }, 1, false)).toBeNull();
    expect(backingSize({ width: 0, height: 0 }, { width: 100, height: 100 }, 1, false)).toBeNull();
  });
});

describe("readyRequest", () => {
  it.each([
    [{ width: 242, height: 136.125 }, 1, "ready 242x137"],
    [{ width: 242, height: 136 }, 2, "ready 484x272"],
    [{ width: 1100, height: 590 }, 1.25, "ready 1375x738"],
  ])("asks for %o at dpr %d as %s", (box, dpr, text) => {
    expect(readyRequest(box, dpr)).toBe(text);
  });
});
