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
  const keyed = peers.map((p) => ({ id: p.id, key: nameKey(p.name) }));
  const counts = new Map<string, number>();
  for (const { key } of keyed) counts.set(key, (counts.get(key) ?? 0) + 1);
  const own = nameKey(ownName);
  return new Set(keyed.filter(({ key }) => (counts.get(key) ?? 0) > 1 || (own !== "" && key === own)).map(({ id }) => id));
}

/** How a peer is shown: its name, plus its tag when the name alone is ambiguous. */
export function displayName(peer: { id: string; name: string }, colliding: ReadonlySet<string>): string {
  return colliding.has(peer.id) ? `${peer.name} ${idTag(peer.id)}` : peer.name;
}
