// The in-call chat log keeps its last CHAT_LOG_MAX lines: a long call (or a peer chatting
// at the engine's limit, 5 lines a second) would otherwise grow the page without bound.
// The web client keeps the same number (web/app.js).

/** Lines kept in the chat log. */
export const CHAT_LOG_MAX = 200;

/** Appends a line to `log` and removes the oldest ones past `max`. */
export function appendChatLine(log: HTMLElement, text: string, mine: boolean, max = CHAT_LOG_MAX): HTMLLIElement {
  const item = document.createElement("li");
  item.textContent = text;
  if (mine) item.className = "mine";
  log.append(item);
  while (log.childElementCount > max) log.firstElementChild?.remove();
  return item;
}
