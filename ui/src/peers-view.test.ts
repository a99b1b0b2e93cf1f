import { describe, expect, it, vi } from "vitest";
import { renderPeers } from "./peers-view";
import { formatDuration } from "./dom";

describe("renderPeers", () => {
  it("lists peers by name, marks busy ones and calls on click", () => {
    const list = document.createElement("ul");
    const empty = document.createElement("div");
    const onCall = vi.fn();
    renderPeers(list, empty, [
      { id: "b", name: "Bob", busy: true },
      { id: "a", name: "Alice", busy: false },
    ], onCall);
    const buttons = [...list.querySelectorAll("button")];
    expect(buttons.map((b) => b.querySelector(".peer-name")?.textContent)).toEqual(["Alice", "Bob"]);
    expect(buttons[1].getAttribute("aria-label")).toContain("busy");
    expect(buttons[1].textContent).toContain("Busy");
    expect(empty.hidden).toBe(true);
    buttons[0].click();
    expect(onCall).toHaveBeenCalledWith({ id: "a", name: "Alice", busy: false });
  });

  it("tells apart people whose names look the same, and whoever takes your name", () => {
    const list = document.createElement("ul");
    const empty = document.createElement("div");
    renderPeers(list, empty, [
      { id: "x1y2z3", name: "Alice", busy: false },
      { id: "q9w8e7", name: "ALICE", busy: false },
      { id: "m5n6o7", name: "Mallory", busy: false },
      { id: "k1k2k3", name: "Me", busy: false },
    ], () => {}, "me");
    const labels = [...list.querySelectorAll("button")].map((b) => b.getAttribute("aria-label"));
    expect(labels).toEqual(["Call Alice #x1y2", "Call ALICE #q9w8", "Call Mallory", "Call Me #k1k2"]);
    expect([...list.querySelectorAll(".peer-tag")].map((t) => t.textContent)).toEqual(["#x1y2", "#q9w8", "#k1k2"]);
  });

  it("shows the empty state when nobody is online", () => {
    const list = document.createElement("ul");
    const empty = document.createElement("div");
    renderPeers(list, empty, [], () => {});
    expect(list.children.length).toBe(0);
    expect(empty.hidden).toBe(false);
  });
});

describe("formatDuration", () => {
  it("formats minutes and hours", () => {
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(75)).toBe("01:15");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});
