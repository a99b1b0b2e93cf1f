// The list of people online; a click calls them.
import type { Peer } from "./ipc";
import { collidingIds, displayName } from "./names";

/** Renders `peers`; a name that collides with another's (or with `ownName`) carries its id tag. */
export function renderPeers(list: HTMLUListElement, empty: HTMLElement, peers: Peer[], onCall: (peer: Peer) => void, ownName = ""): void {
  const sorted = [...peers].sort((a, b) => a.name.localeCompare(b.name));
  const colliding = collidingIds(peers, ownName);
  list.replaceChildren(
    ...sorted.map((peer) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "peer";
      button.dataset.peerId = peer.id;
      // A busy peer can still be called: the answer is a clear "busy", not a dead button.
      const shown = displayName(peer, colliding);
      button.setAttribute("aria-label", peer.busy ? `Call ${shown} (busy in a call)` : `Call ${shown}`);
      const name = document.createElement("span");
      name.className = "peer-name";
      name.textContent = peer.name;
      button.append(name);
      if (colliding.has(peer.id)) {
        const tag = document.createElement("span");
        tag.className = "peer-tag";
        tag.textContent = shown.slice(peer.name.length + 1);
        tag.title = "Someone else online has a name that looks the same; this tag tells them apart.";
        button.append(tag);
      }
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
