import { describe, expect, it } from "vitest";
import { collidingIds, displayName, idTag, nameKey } from "./names";

describe("names that look alike", () => {
  it("compares names the way they look", () => {
    expect(nameKey("  Alice ")).toBe("alice");
    expect(nameKey("ALICE")).toBe("alice");
    expect(nameKey("Ａｌｉｃｅ")).toBe("alice"); // full-width letters
    expect(nameKey("Ali  ce")).toBe(nameKey("Ali ce"));
    expect(nameKey("Alice")).not.toBe(nameKey("Alicia"));
  });

  it("marks every peer whose name collides, and only them", () => {
    const peers = [
      { id: "aaaa1111", name: "Alice" },
      { id: "bbbb2222", name: "alice" },
      { id: "cccc3333", name: "Bob" },
    ];
    const colliding = collidingIds(peers);
    expect([...colliding].sort()).toEqual(["aaaa1111", "bbbb2222"]);
    expect(displayName(peers[0], colliding)).toBe("Alice #aaaa");
    expect(displayName(peers[1], colliding)).toBe("alice #bbbb");
    expect(displayName(peers[2], colliding)).toBe("Bob");
  });

  it("marks a peer who takes your own name", () => {
    const peers = [{ id: "dddd4444", name: "Carol" }, { id: "eeee5555", name: "Dan" }];
    expect([...collidingIds(peers, "carol")]).toEqual(["dddd4444"]);
    expect(collidingIds(peers, "").size).toBe(0);
  });

  it("tags with the start of the server-assigned id", () => {
    expect(idTag("Zx9kLmN")).toBe("#Zx9k");
  });
});
