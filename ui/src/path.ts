// The stats panel's words for the path media takes (the selected ICE candidate pair).
import type { CandidateKind } from "./ipc";

/** Through a TURN relay when either end of the pair is one, else direct; "–" until known. */
export function pathWords(local: CandidateKind | null | undefined, remote: CandidateKind | null | undefined): string {
  if (!local) return "–";
  const pair = remote ? `${local} → ${remote}` : local;
  return local === "relay" || remote === "relay" ? `relay (TURN: ${pair})` : `direct (${pair})`;
}
