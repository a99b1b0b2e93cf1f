// Frames the page drew per second, from the remote view's running count sampled at each stats
// update: what the user saw, where the engine's "Receiving … fps" counts frames decoded.

export class DrawRate {
  private last: { drawn: number; atMs: number } | null = null;

  /** The rate since the previous sample; null for the first sample or after a reset of the count. */
  update(drawn: number, atMs: number): number | null {
    const last = this.last;
    this.last = { drawn, atMs };
    if (!last || drawn < last.drawn || atMs <= last.atMs) return null;
    return ((drawn - last.drawn) * 1000) / (atMs - last.atMs);
  }

  reset(): void {
    this.last = null;
  }
}
