import { describe, expect, it } from "vitest";
import { hostingLine } from "./hosting";

describe("hostingLine", () => {
  it("says nothing when this app does not host", () => {
    expect(hostingLine(null, "ABCDE-FGHJK")).toBeNull();
  });

  it("says loopback hosting is for this computer only, and how to open it to the network", () => {
    const line = hostingLine("ws://127.0.0.1:7788/ws", null);
    expect(line).toMatch(/for this computer only: others can join at ws:\/\/127\.0\.0\.1:7788\/ws\./);
    expect(line).toMatch(/Host calls for my local network/);
  });

  it("gives the network address and the join code when hosting for the network", () => {
    expect(hostingLine("ws://192.168.1.5:7788/ws", "ABCDE-FGHJK")).toBe(
      "This app hosts calls for your local network: others can join at ws://192.168.1.5:7788/ws with the join code ABCDE-FGHJK.",
    );
  });
});
