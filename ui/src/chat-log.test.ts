import { describe, expect, it } from "vitest";
import { appendChatLine, CHAT_LOG_MAX } from "./chat-log";

describe("appendChatLine", () => {
  it("keeps the last CHAT_LOG_MAX lines, in order, however many arrive", () => {
    const log = document.createElement("ol");
    for (let n = 0; n < 5_000; n++) appendChatLine(log, `line ${n}`, n % 2 === 0);
    expect(log.childElementCount).toBe(CHAT_LOG_MAX);
    expect(log.firstElementChild?.textContent).toBe(`line ${5_000 - CHAT_LOG_MAX}`);
    expect(log.lastElementChild?.textContent).toBe("line 4999");
    expect(log.lastElementChild?.className).toBe("");
    expect(log.lastElementChild?.previousElementSibling?.className).toBe("mine");
  });

  it("shows a line as text, never as markup", () => {
    const log = document.createElement("ol");
    appendChatLine(log, "<img src=x onerror=alert(1)>", false);
    expect(log.querySelector("img")).toBeNull();
    expect(log.textContent).toBe("<img src=x onerror=alert(1)>");
  });

  it("takes a smaller limit", () => {
    const log = document.createElement("ol");
    for (const t of ["a", "b", "c", "d"]) appendChatLine(log, t, true, 3);
    expect([...log.children].map((li) => li.textContent)).toEqual(["b", "c", "d"]);
  });
});
