import { describe, expect, it } from "vitest";
import type { CheckLine } from "./bindings";
import { checkSummary, renderCheckLines } from "./connection-check";

const lines: CheckLine[] = [
  { check: "server", label: "Server", status: "ok", detail: "connected to ws://127.0.0.1:7788/ws and joined", advice: "" },
  { check: "nat", label: "NAT", status: "warn", detail: "behind a NAT that changes ports per destination (symmetric): calls may need the relay", advice: "check the TURN line" },
  { check: "turn", label: "TURN relay", status: "fail", detail: "127.0.0.1:3478 refused the credentials (401 Unauthorized)", advice: "PEERCALL_TURN_SECRET must equal coturn's static-auth-secret" },
  { check: "speaker", label: "Speaker", status: "skipped", detail: "no speaker chosen", advice: "" },
];

describe("renderCheckLines", () => {
  it("shows each line coloured by its status, with the explanation and what to do", () => {
    const list = document.createElement("ul");
    renderCheckLines(list, lines);
    const items = [...list.querySelectorAll("li")];
    expect(items.map((i) => i.className)).toEqual([
      "check-line check-ok",
      "check-line check-warn",
      "check-line check-fail",
      "check-line check-skipped",
    ]);
    expect(items[2].textContent).toContain("TURN relay: 127.0.0.1:3478 refused the credentials (401 Unauthorized)");
    expect(items[2].querySelector(".check-advice")?.textContent).toContain("PEERCALL_TURN_SECRET");
    expect(items[0].querySelector(".check-advice")).toBeNull();
    expect(items[2].querySelector(".check-mark")?.getAttribute("aria-label")).toBe("does not work");
    renderCheckLines(list, lines.slice(0, 1));
    expect(list.querySelectorAll("li")).toHaveLength(1);
  });

  it("sums the lines up", () => {
    expect(checkSummary(lines)).toBe("1 check failed.");
    expect(checkSummary(lines.filter((l) => l.status !== "fail"))).toBe("Works, with a caveat.");
    expect(checkSummary(lines.slice(0, 1))).toBe("Everything works.");
  });
});
