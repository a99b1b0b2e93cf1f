import { describe, expect, it } from "vitest";
import { pathWords } from "./path";

describe("pathWords", () => {
  it("names the relay when either end uses one", () => {
    expect(pathWords("relay", "srflx")).toBe("relay (TURN: relay → srflx)");
    expect(pathWords("host", "relay")).toBe("relay (TURN: host → relay)");
  });
  it("calls other pairs direct and shows both ends", () => {
    expect(pathWords("host", "srflx")).toBe("direct (host → srflx)");
    expect(pathWords("prflx", null)).toBe("direct (prflx)");
  });
  it("shows a dash until the pair is known", () => {
    expect(pathWords(null, "host")).toBe("–");
    expect(pathWords(undefined, undefined)).toBe("–");
  });
});
