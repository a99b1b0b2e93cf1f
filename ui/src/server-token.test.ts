import { describe, expect, it } from "vitest";
import { tokenAfterServerChange } from "./server-token";

const remembered = { "ws://192.168.1.5:7788/ws": "ABCDE-FGHJK", "wss://example.org/ws": "org-token" };

describe("tokenAfterServerChange", () => {
  it("brings back the token of a server used before", () => {
    expect(tokenAfterServerChange("ws://192.168.1.5:7788/ws", "", "", remembered, "")).toBe("ABCDE-FGHJK");
    expect(tokenAfterServerChange("wss://example.org/ws", "ws://192.168.1.5:7788/ws", "ABCDE-FGHJK", remembered, "ABCDE-FGHJK")).toBe("org-token");
  });

  it("never carries one server's token to another", () => {
    expect(tokenAfterServerChange("ws://10.0.0.9:7788/ws", "wss://example.org/ws", "org-token", remembered, "org-token")).toBe("");
    expect(tokenAfterServerChange("", "wss://example.org/ws", "org-token", remembered, "org-token")).toBe("");
  });

  it("keeps what the user typed", () => {
    expect(tokenAfterServerChange("ws://10.0.0.9:7788/ws", "", "typed-now", remembered, "")).toBe("typed-now");
    expect(tokenAfterServerChange("ws://192.168.1.5:7788/ws", "", "typed-now", remembered, "")).toBe("typed-now");
  });
});
