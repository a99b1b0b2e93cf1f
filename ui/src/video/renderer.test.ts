import { describe, expect, it } from "vitest";
import { REFUSALS_BEFORE_FALLBACK, RefusalCounter } from "./renderer";

describe("RefusalCounter", () => {
  it("gives up on a renderer only after refusals in a row", () => {
    const c = new RefusalCounter();
    for (let i = 1; i < REFUSALS_BEFORE_FALLBACK; i++) expect(c.record(false)).toBe(false);
    expect(c.record(false)).toBe(true);
  });

  it("a drawn frame starts the count again", () => {
    const c = new RefusalCounter();
    for (let i = 1; i < REFUSALS_BEFORE_FALLBACK; i++) c.record(false);
    expect(c.record(true)).toBe(false);
    for (let i = 1; i < REFUSALS_BEFORE_FALLBACK; i++) expect(c.record(false)).toBe(false);
    expect(c.record(false)).toBe(true);
  });

  it("an occasional refused frame never triggers it", () => {
    const c = new RefusalCounter();
    for (let i = 0; i < 1000; i++) expect(c.record(i % 3 !== 0)).toBe(false);
  });
});
