import { describe, expect, it } from "vitest";
import { checkDisplayName, checkServerUrl, plaintextTokenWarning } from "./validate";

describe("checkDisplayName", () => {
  it("accepts ordinary names and trims them", () => {
    expect(checkDisplayName("  Alice ")).toBeNull();
    expect(checkDisplayName("é".repeat(64))).toBeNull();
  });
  it("rejects empty, overlong and control-character names", () => {
    expect(checkDisplayName("   ")).toMatch(/enter a name/);
    expect(checkDisplayName("x".repeat(65))).toMatch(/at most 64/);
    expect(checkDisplayName(" " + "é".repeat(300))).toBe("A name can have at most 64 characters; this one has 300.");
    expect(checkDisplayName("a\u0007b")).toMatch(/control/);
  });
  it("rejects invisible and text-direction characters like the server does", () => {
    for (const name of ["Al\u200bice", "\u202eecilA", "Eve\u00ad", "\ufeffMallory", "Al\u200dice", "\u3164", "\u2800\u2800"]) {
      expect(checkDisplayName(name), JSON.stringify(name)).toMatch(/invisible/);
    }
    for (const name of ["👩\u200d💻 Ada", "🏳\ufe0f\u200d🌈", "Zoë", "Дмитрий", "李小龙"]) {
      expect(checkDisplayName(name), name).toBeNull();
    }
  });
});

describe("checkServerUrl", () => {
  it("accepts empty and websocket URLs", () => {
    expect(checkServerUrl("")).toBeNull();
    expect(checkServerUrl("ws://127.0.0.1:7788/ws")).toBeNull();
    expect(checkServerUrl("wss://calls.example.org/ws")).toBeNull();
  });
  it("rejects other schemes", () => {
    expect(checkServerUrl("http://example.org")).toMatch(/ws:\/\//);
    expect(checkServerUrl("example.org")).toMatch(/ws:\/\//);
  });
});

describe("plaintextTokenWarning", () => {
  it("warns when a token would cross the network unencrypted", () => {
    expect(plaintextTokenWarning("ws://192.168.1.20:7788/ws", "K7Q2-MX4P")).toMatch(/unencrypted/);
    expect(plaintextTokenWarning("WS://calls.example.org/ws", "secret")).toMatch(/unencrypted/);
  });
  it("points a join code at the host's wss:// address", () => {
    expect(plaintextTokenWarning("ws://192.168.1.20:7788/ws", "K7Q2M-9XHDA")).toMatch(/speaks wss:\/\//);
    expect(plaintextTokenWarning("wss://192.168.1.20:7788/ws", "K7Q2M-9XHDA")).toBeNull();
  });
  it("stays quiet without a token, over wss://, on this computer, or for no URL", () => {
    expect(plaintextTokenWarning("ws://192.168.1.20:7788/ws", "")).toBeNull();
    expect(plaintextTokenWarning("wss://calls.example.org/ws", "secret")).toBeNull();
    expect(plaintextTokenWarning("ws://127.0.0.1:7788/ws", "secret")).toBeNull();
    expect(plaintextTokenWarning("ws://localhost:7788/ws", "secret")).toBeNull();
    expect(plaintextTokenWarning("ws://[::1]:7788/ws", "secret")).toBeNull();
    expect(plaintextTokenWarning("", "secret")).toBeNull();
  });
});
