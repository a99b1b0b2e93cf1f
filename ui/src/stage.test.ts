import { describe, expect, it } from "vitest";
import { coverText, initial, remoteCover } from "./stage";

describe("remoteCover", () => {
  it("shows a live picture only when the camera is on and a frame of this call was drawn", () => {
    const cases: [boolean, boolean, number, string][] = [
      // connected, cameraOn, framesSinceClear, cover
      [false, true, 0, "connecting"],
      [true, true, 0, "waiting"],
      [true, true, 3, "none"],
      [false, true, 3, "none"],
      [true, false, 0, "camera-off"],
      [true, false, 12, "camera-off"],
      [false, false, 0, "camera-off"],
    ];
    for (const [connected, cameraOn, framesSinceClear, cover] of cases) {
      expect(remoteCover({ connected, reconnecting: false, cameraOn, framesSinceClear }), JSON.stringify({ connected, cameraOn, framesSinceClear })).toBe(cover);
    }
  });

  it("covers a frozen picture while the call reconnects, whatever else holds", () => {
    for (const cameraOn of [true, false]) {
      for (const framesSinceClear of [0, 40]) {
        expect(remoteCover({ connected: false, reconnecting: true, cameraOn, framesSinceClear })).toBe("reconnecting");
      }
    }
  });

  it("says why in plain words", () => {
    expect(coverText("camera-off", "Alice")).toBe("Alice turned their camera off");
    expect(coverText("waiting", "Alice")).toBe("Waiting for video…");
    expect(coverText("connecting", "Alice")).toBe("Connecting…");
    expect(coverText("reconnecting", "Alice")).toBe("The connection to Alice was interrupted. Reconnecting…");
    expect(coverText("none", "Alice")).toBe("");
  });
});

describe("initial", () => {
  it("is the first letter, upper case, of the trimmed name", () => {
    expect(initial(" alice")).toBe("A");
    expect(initial("Élodie")).toBe("É");
    expect(initial("")).toBe("?");
  });
});
