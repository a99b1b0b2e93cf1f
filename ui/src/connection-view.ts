// What the home screen says about the connection to the server: the heading, and instead of
// "No one else is online yet" while not online, why not and when the next try is.

export interface HomeView {
  /** The peer list's heading. */
  heading: string;
  /** Show "No one else is online yet" (only true when online with nobody else). */
  showEmpty: boolean;
  /** The not-online panel's title, or null when online. */
  offlineTitle: string | null;
}

/** `state`: the connection status (`online`, `connecting`, `reconnecting`, `offline`). */
export function homeView(state: string, peerCount: number): HomeView {
  switch (state) {
    case "online":
      return { heading: "Online", showEmpty: peerCount === 0, offlineTitle: null };
    case "connecting":
      return { heading: "Connecting…", showEmpty: false, offlineTitle: "Connecting to the server…" };
    case "reconnecting":
      return { heading: "Not connected", showEmpty: false, offlineTitle: "Not connected to the server" };
    default:
      return { heading: "Offline", showEmpty: false, offlineTitle: "Not connected to the server" };
  }
}

/** The status pill while waiting to retry: "Reconnecting in 3 s…", then "Reconnecting…". */
export function pillCountdown(secondsLeft: number): string {
  return secondsLeft > 0 ? `Reconnecting in ${secondsLeft} s…` : "Reconnecting…";
}

/** The panel's line under the reason: "Trying again in 3 s…", then "Trying again now…". */
export function retryCountdown(secondsLeft: number): string {
  return secondsLeft > 0 ? `Trying again in ${secondsLeft} s…` : "Trying again now…";
}
