// The list of people online; a click calls them.
import type { Peer } from "./ipc";

export function renderPeers(list: HTMLUListElement, empty: HTMLElement, peers: Peer[], onCall: (peer: Peer) => void): void {
  const sorted = [...peers].sort((a, b) => a.name.localeCompare(b.name));
  list.replaceChildren(
    ...sorted.map((peer) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "peer";
      button.dataset.peerId = peer.id;
      // A busy peer can still be called: the answer is a clear "busy", not a dead button.
      button.setAttribute("aria-label", peer.busy ? `Call ${peer.name} (busy in a call)` : `Call ${peer.name}`);
      const name = document.createElement("span");
      name.className = "peer-name";
      name.textContent = peer.name;
      button.append(name);
      if (peer.busy) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "Busy";
        button.append(badge);
      } else {
        const action = document.createElement("span");
        action.className = "peer-action";
        action.textContent = "Call";
        button.append(action);
      }
      button.addEventListener("click", () => onCall(peer));
      item.append(button);
      return item;
    }),
  );
  empty.hidden = peers.length > 0;
}
