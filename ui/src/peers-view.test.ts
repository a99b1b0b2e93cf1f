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
