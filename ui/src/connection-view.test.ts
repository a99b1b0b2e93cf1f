import { describe, expect, it } from "vitest";
import { homeView, pillCountdown, retryCountdown } from "./connection-view";

describe("homeView", () => {
  it("says 'Online' and 'no one else' only when online", () => {
    expect(homeView("online", 0)).toEqual({ heading: "Online", showEmpty: true, offlineTitle: null });
    expect(homeView("online", 2)).toEqual({ heading: "Online", showEmpty: false, offlineTitle: null });
    for (const state of ["connecting", "reconnecting", "offline"]) {
      for (const peers of [0, 3]) {
        const view = homeView(state, peers);
        expect(view.heading, state).not.toBe("Online");
        expect(view.showEmpty, state).toBe(false);
        expect(view.offlineTitle, state).toBeTruthy();
      }
    }
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
