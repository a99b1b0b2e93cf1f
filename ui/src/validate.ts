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
  if (hasHiddenCharacter(raw) || hasHiddenCharacter(name)) return "A name cannot contain invisible or text-direction characters.";
  return null;
}

const PICTOGRAPH = /[\p{Extended_Pictographic}\u{FE0F}\u{1F3FB}-\u{1F3FF}]/u;
const BLANK = /^[\s\p{Cf}\u115F\u1160\u3164\uFFA0\u2800\u034F]*$/u;

/**
 * Format characters (zero-width spaces, bidi overrides, the soft hyphen…) let two names look
 * alike or reverse the text around them; a zero-width joiner inside an emoji sequence is how
 * the emoji is drawn and stays allowed. The Rust side (`validate_name`) is the authority.
 */
export function hasHiddenCharacter(name: string): boolean {
  const chars = [...name];
  const hidden = chars.some((c, i) => {
    if (!/\p{Cf}/u.test(c)) return false;
    if (c !== "\u200d") return true;
    return !(PICTOGRAPH.test(chars[i - 1] ?? "") && PICTOGRAPH.test(chars[i + 1] ?? ""));
  });
  return hidden || BLANK.test(name);
}

/** Returns an error message, or null when the URL is empty (built-in server) or a ws(s) URL. */
export function checkServerUrl(raw: string): string | null {
  const url = raw.trim();
  if (url === "") return null;
  if (!/^wss?:\/\/[^\s/]+/.test(url)) return "The server address must start with ws:// or wss://.";
  return null;
}

/**
 * A warning when a token or join code would travel unencrypted: a `ws://` server that is not
 * on this computer. Anyone on the network path (the same Wi-Fi, say) could read it and join.
 */
export function plaintextTokenWarning(serverUrl: string, token: string): string | null {
  const url = serverUrl.trim();
  if (token.trim() === "" || !/^ws:\/\//i.test(url)) return null;
  let host = "";
  try {
    host = new URL(url.replace(/^ws:/i, "http:")).hostname;
  } catch {
    return null; // not a URL yet: the address check says so
  }
  const loopback = host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  if (loopback) return null;
  if (/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/.test(token.trim())) {
    return "A Peercall app hosting for its network speaks wss://: type the address it shows (wss://…:7788/ws). Over wss:// the join code also proves it is that host.";
  }
  return "This server's address starts with ws://, so the token or join code travels unencrypted: anyone on the network between you could read it and join. Use wss:// if the server offers it.";
}
