// Telling people apart when their names look the same.
// Names are free text: two people may both be "Alice", or one may pose as the other with a
// look-alike ("ALICE", full-width "Ａｌｉｃｅ"). Wherever a name alone would decide who you call
// or accept, a name that collides with another one online (or with your own) carries a short
// tag from the peer's id, which the server assigns and nobody can choose.

/** The form two names are compared in: compatibility-normalised, case-folded, trimmed. */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLocaleLowerCase().replace(/\s+/gu, " ").trim();
}

/** A short tag that tells a peer apart from others of the same name. */
export function idTag(id: string): string {
  return `#${id.slice(0, 4)}`;
}

/**
 * The ids of peers whose name collides with another peer's (or with `ownName`).
 */
export function collidingIds(peers: readonly { id: string; name: string }[], ownName = ""): Set<string> {
  const counts = new Map<string, number>();
  const own = nameKey(ownName);
  for (const p of peers) counts.set(nameKey(p.name), (counts.get(nameKey(p.name)) ?? 0) + 1);
  return new Set(peers.filter((p) => (counts.get(nameKey(p.name)) ?? 0) > 1 || (own !== "" && nameKey(p.name) === own)).map((p) => p.id));
}

/** How a peer is shown: its name, plus its tag when the name alone is ambiguous. */
export function displayName(peer: { id: string; name: string }, colliding: ReadonlySet<string>): string {
  return colliding.has(peer.id) ? `${peer.name} ${idTag(peer.id)}` : peer.name;
}
