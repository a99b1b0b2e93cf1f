// What covers the call's pictures: the remote video shows only a live picture from this
// call; otherwise a placeholder says why (connecting, waiting, camera off with the person's
// initial). The self-view likewise shows the user's initial while their camera is off.

/** What covers the remote video. */
export type RemoteCover = "none" | "connecting" | "waiting" | "camera-off" | "reconnecting";

export interface RemoteStage {
  /** The call's media is flowing (state `connected`). */
  connected: boolean;
  /** The call's connection dropped and is being restored (state `reconnecting`). */
  reconnecting: boolean;
  /** The other side's camera is on. */
  cameraOn: boolean;
  /** Frames drawn since the picture was last cleared (call start, camera off or on). */
  framesSinceClear: number;
}

export function remoteCover(s: RemoteStage): RemoteCover {
  if (s.reconnecting) return "reconnecting";
  if (!s.cameraOn) return "camera-off";
  if (s.framesSinceClear > 0) return "none";
  return s.connected ? "waiting" : "connecting";
}

/** The placeholder's words. */
export function coverText(cover: RemoteCover, peerName: string): string {
  switch (cover) {
    case "connecting":
      return "Connecting…";
    case "waiting":
      return "Waiting for video…";
    case "reconnecting":
      return `The connection to ${peerName || "the other person"} was interrupted. Reconnecting…`;
    case "camera-off":
      return `${peerName || "The other person"} turned their camera off`;
    case "none":
      return "";
  }
}

/** A name's first letter, for an avatar. */
export function initial(name: string): string {
  return Array.from(name.trim())[0]?.toUpperCase() ?? "?";
}
