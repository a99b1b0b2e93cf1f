import { describe, expect, it } from "vitest";
import { highPassBox } from "./voice-switches";

describe("highPassBox", () => {
  it("is forced on while echo cancellation or noise suppression is on", () => {
    for (const [ec, ns] of [[true, false], [false, true], [true, true]] as const) {
      for (const choice of [true, false]) {
        const box = highPassBox(ec, ns, choice);
        expect(box).toMatchObject({ checked: true, disabled: true });
        expect(box.why).not.toBe("");
      }
    }
  });

  it("follows the user's choice when both are off", () => {
    expect(highPassBox(false, false, false)).toEqual({ checked: false, disabled: false, why: "" });
    expect(highPassBox(false, false, true)).toEqual({ checked: true, disabled: false, why: "" });
  });
});
