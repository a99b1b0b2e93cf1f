// The stats panel's words for the path media takes (the selected ICE candidate pair).

/** Through a TURN relay when either end of the pair is one, else direct; "–" until known. */
export function pathWords(local: string | null | undefined, remote: string | null | undefined): string {
  if (!local) return "–";
  const pair = remote ? `${local} → ${remote}` : local;
  return local === "relay" || remote === "relay" ? `relay (TURN: ${pair})` : `direct (${pair})`;
}
