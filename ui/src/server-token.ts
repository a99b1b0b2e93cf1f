// The token field follows the server field: a server used before gets its remembered token
// (or join code) back, and a token that belongs to the previous server is cleared rather than
// sent to another one. Something the user typed themselves is left alone.

/**
 * The token field's value after the server URL changed from `previousUrl` to `url`.
 * `remembered`: the saved tokens by server URL; `saved`: the token saved with the settings.
 */
export function tokenAfterServerChange(
  url: string,
  previousUrl: string,
  field: string,
  remembered: Partial<Record<string, string>>,
  saved: string,
): string {
  const known = remembered[url.trim()];
  const previousToken = remembered[previousUrl.trim()] ?? saved;
  const typedByUser = field !== "" && field !== previousToken;
  if (known !== undefined && !typedByUser) return known;
  return typedByUser ? field : "";
}
