// The hosts other Peercall apps announce on the local network (mDNS), as the home screen
// offers them: who, where it was found, and a button that fills in the server URL (the
// join code is still typed once in Settings: nothing announced carries it).

export interface LanHostView {
  name: string;
  url: string;
  foundOn: string;
}

export interface LanHostItem {
  /** "alice-laptop" */
  title: string;
  /** "found at 10.0.0.5 on wlan0" or "found at … (your server)" */
  detail: string;
  /** The button's words; null when it is already the server in Settings. */
  action: string | null;
  url: string;
}

/** One item per host, the one already in use last and without a button. */
export function lanHostItems(hosts: LanHostView[], serverUrl: string): LanHostItem[] {
  const inUse = (h: LanHostView) => sameServer(h.url, serverUrl);
  return [...hosts]
    .sort((a, b) => Number(inUse(a)) - Number(inUse(b)) || a.name.localeCompare(b.name))
    .map((h) => ({
      title: h.name,
      detail: `found at ${h.foundOn}${inUse(h) ? " (your server)" : ""}`,
      action: inUse(h) ? null : "Join…",
      url: h.url,
    }));
}

function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.host === y.host && x.pathname === y.pathname;
  } catch {
    return false;
  }
}

/** Renders the list into `list`; shows `section` only when something was found. */
export function renderLanHosts(
  section: HTMLElement,
  list: HTMLUListElement,
  items: LanHostItem[],
  onJoin: (url: string) => void,
): void {
  section.hidden = items.length === 0;
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement("li");
      li.className = "lan-host";
      const text = document.createElement("span");
      const title = document.createElement("strong");
      title.textContent = item.title;
      const detail = document.createElement("span");
      detail.className = "lan-host-detail";
      detail.textContent = ` ${item.detail}`;
      text.append(title, detail);
      li.append(text);
      if (item.action) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = item.action;
        button.title = `Use ${item.url} in Settings, then type the host's join code`;
        button.addEventListener("click", () => onJoin(item.url));
        li.append(button);
      }
      return li;
    }),
  );
}
