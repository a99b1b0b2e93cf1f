import { describe, expect, it } from "vitest";
import { lanHostItems } from "./lan-hosts";

const alice = { name: "alice-laptop", url: "ws://10.0.0.5:7788/ws", foundOn: "10.0.0.5 on wlan0" };
const bob = { name: "bob-pc", url: "ws://10.0.0.6:7788/ws", foundOn: "10.0.0.6 on eth0" };

describe("lanHostItems", () => {
  it("offers each host with where it was found and a join button", () => {
    expect(lanHostItems([bob, alice], "")).toEqual([
      { title: "alice-laptop", detail: "found at 10.0.0.5 on wlan0", action: "Join…", url: alice.url },
      { title: "bob-pc", detail: "found at 10.0.0.6 on eth0", action: "Join…", url: bob.url },
    ]);
  });

  it("marks the host already in Settings and offers no button for it", () => {
    const items = lanHostItems([alice, bob], "ws://10.0.0.5:7788/ws");
    expect(items.map((i) => [i.title, i.action, i.detail])).toEqual([
      ["bob-pc", "Join…", "found at 10.0.0.6 on eth0"],
      ["alice-laptop", null, "found at 10.0.0.5 on wlan0 (your server)"],
    ]);
  });

  it("does not take another port or scheme for the same server", () => {
    for (const other of ["ws://10.0.0.5:7789/ws", "wss://10.0.0.5:7788/ws", "not a url"]) {
      expect(lanHostItems([alice], other)[0].action).toBe("Join…");
    }
  });

  it("is empty when nothing was found", () => {
    expect(lanHostItems([], "ws://10.0.0.5:7788/ws")).toEqual([]);
  });
});
