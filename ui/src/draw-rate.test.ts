import { describe, expect, it } from "vitest";
import { DrawRate } from "./draw-rate";

describe("DrawRate", () => {
  it("is unknown at the first sample, then frames per second between samples", () => {
    const r = new DrawRate();
    expect(r.update(10, 1000)).toBeNull();
    expect(r.update(40, 2000)).toBe(30);
    expect(r.update(55, 3000)).toBe(15);
  });

  it("a count that went back (the picture was cleared) starts over", () => {
    const r = new DrawRate();
    r.update(300, 1000);
    expect(r.update(2, 2000)).toBeNull();
    expect(r.update(32, 3000)).toBe(30);
  });

  it("a frozen picture draws 0 per second", () => {
    const r = new DrawRate();
    r.update(90, 1000);
    expect(r.update(90, 2000)).toBe(0);
  });
});
