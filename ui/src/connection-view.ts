// What the home screen says about the connection to the server: the heading, and instead of
// "No one else is online yet" while not online, why not and when the next try is.
import type { ConnectionState } from "./ipc";

export interface HomeView {
  /** The peer list's heading. */
  heading: string;
  /** Show "No one else is online yet" (only true when online with nobody else). */
  showEmpty: boolean;
  /** The not-online panel's title, or null when online. */
  offlineTitle: string | null;
}

/** What the home screen shows in each connection state. */
export function homeView(state: ConnectionState, peerCount: number): HomeView {
  switch (state) {
    case "online":
      return { heading: "Online", showEmpty: peerCount === 0, offlineTitle: null };
    case "connecting":
      return { heading: "Connecting…", showEmpty: false, offlineTitle: "Connecting to the server…" };
    case "reconnecting":
      return { heading: "Not connected", showEmpty: false, offlineTitle: "Not connected to the server" };
    case "offline":
      return { heading: "Offline", showEmpty: false, offlineTitle: "Not connected to the server" };
  }
}

/** The header's status pill: its words and its colour class. */
export interface Pill {
  text: string;
  className: string;
}

/** The pill in each connection state (while reconnecting, the countdown replaces its words). */
export function pill(state: ConnectionState): Pill {
  switch (state) {
    case "online":
      return { text: "Online", className: "status status-online" };
    case "connecting":
      return { text: "Connecting…", className: "status status-reconnecting" };
    case "reconnecting":
      return { text: "Reconnecting…", className: "status status-reconnecting" };
    case "offline":
      return { text: "Offline", className: "status status-offline" };
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
