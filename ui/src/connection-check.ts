// Settings → "Check connection": the lines of the connectivity check (server, STUN, NAT,
// TURN relay, camera, microphone, speaker), each green / amber / red / grey with what was
// found and what to do.
import type { CheckLine, CheckStatus } from "./bindings";

const MARK: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗", skipped: "–" };
const SPOKEN: Record<CheckStatus, string> = { ok: "works", warn: "works with a caveat", fail: "does not work", skipped: "not checked" };

/** One list item per line; `list` is replaced. */
export function renderCheckLines(list: HTMLElement, lines: CheckLine[]): void {
  list.replaceChildren(
    ...lines.map((line) => {
      const item = document.createElement("li");
      item.className = `check-line check-${line.status}`;
      item.dataset.check = line.check;
      item.dataset.status = line.status;
      const mark = document.createElement("span");
      mark.className = "check-mark";
      mark.textContent = MARK[line.status];
      mark.setAttribute("aria-label", SPOKEN[line.status]);
      const label = document.createElement("strong");
      label.textContent = `${line.label}: `;
      const detail = document.createElement("span");
      detail.className = "check-detail";
      detail.textContent = line.detail;
      item.append(mark, label, detail);
      if (line.advice) {
        const advice = document.createElement("div");
        advice.className = "check-advice";
        advice.textContent = line.advice;
        item.append(advice);
      }
      return item;
    }),
  );
}

/** A one-line summary for the status under the button. */
export function checkSummary(lines: CheckLine[]): string {
  const failed = lines.filter((l) => l.status === "fail").length;
  if (failed > 0) return failed === 1 ? "1 check failed." : `${failed} checks failed.`;
  if (lines.some((l) => l.status === "warn")) return "Works, with a caveat.";
  return "Everything works.";
}
