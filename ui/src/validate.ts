// Client-side checks that mirror the protocol's rules, for instant feedback.
// The Rust side validates again; it is the authority.

export const MAX_NAME_CHARS = 64;

/** Returns an error message, or null when the name is acceptable. */
export function checkDisplayName(raw: string): string | null {
  const name = raw.trim();
  const chars = [...name].length;
  if (chars === 0) return "Please enter a name.";
  if (chars > MAX_NAME_CHARS) return `A name can have at most ${MAX_NAME_CHARS} characters; this one has ${chars}.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "A name cannot contain control characters.";
  return null;
}

/** Returns an error message, or null when the URL is empty (built-in server) or a ws(s) URL. */
export function checkServerUrl(raw: string): string | null {
  const url = raw.trim();
  if (url === "") return null;
  if (!/^wss?:\/\/[^\s/]+/.test(url)) return "The server address must start with ws:// or wss://.";
  return null;
}
