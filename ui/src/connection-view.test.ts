import { describe, expect, it } from "vitest";
import { homeView, pill, pillCountdown, retryCountdown } from "./connection-view";
import type { ConnectionState } from "./ipc";

describe("homeView", () => {
  it("says 'Online' and 'no one else' only when online", () => {
    expect(homeView("online", 0)).toEqual({ heading: "Online", showEmpty: true, offlineTitle: null });
    expect(homeView("online", 2)).toEqual({ heading: "Online", showEmpty: false, offlineTitle: null });
    for (const state of ["connecting", "reconnecting", "offline"] as const) {
      for (const peers of [0, 3]) {
        const view = homeView(state, peers);
        expect(view.heading, state).not.toBe("Online");
        expect(view.showEmpty, state).toBe(false);
        expect(view.offlineTitle, state).toBeTruthy();
      }
    }
  });
});

describe("pill", () => {
  it("is green only online, red only offline", () => {
    const states: ConnectionState[] = ["connecting", "online", "reconnecting", "offline"];
    expect(states.map((s) => [s, pill(s).className])).toEqual([
      ["connecting", "status status-reconnecting"],
      ["online", "status status-online"],
      ["reconnecting", "status status-reconnecting"],
      ["offline", "status status-offline"],
    ]);
    expect(pill("connecting").text).toBe("Connecting…");
    expect(pill("offline").text).toBe("Offline");
  });
});

describe("countdowns", () => {
  it("count whole seconds down to the next try", () => {
    expect(pillCountdown(3)).toBe("Reconnecting in 3 s…");
    expect(pillCountdown(0)).toBe("Reconnecting…");
    expect(retryCountdown(12)).toBe("Trying again in 12 s…");
    expect(retryCountdown(-1)).toBe("Trying again now…");
  });
});
