import { describe, expect, it } from "vitest";
import { incomingKeyAction, KEY_GUARD_MS } from "./incoming";

describe("incoming-call keys", () => {
  it("ignores every key right after the dialog opens", () => {
    for (const key of ["a", "A", "r", "Escape", "Enter", " "]) {
      expect(incomingKeyAction(key, 0), key).toBeNull();
      expect(incomingKeyAction(key, KEY_GUARD_MS - 1), key).toBeNull();
    }
  });

  it("answers to A, R and Escape once the guard is over", () => {
    expect(incomingKeyAction("a", KEY_GUARD_MS)).toBe("accept");
    expect(incomingKeyAction("A", 5000)).toBe("accept");
    expect(incomingKeyAction("r", KEY_GUARD_MS)).toBe("reject");
    expect(incomingKeyAction("Escape", KEY_GUARD_MS)).toBe("reject");
    expect(incomingKeyAction("Enter", 5000)).toBeNull();
    expect(incomingKeyAction(" ", 5000)).toBeNull();
  });
});
