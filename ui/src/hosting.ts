// What the home screen says when this app hosts the built-in server: for this computer only
// (the default, loopback), or for the local network with the join code others type once.

/** The hosting line for `hosting` (the address others use; null when this app does not host). */
export function hostingLine(hosting: string | null, joinCode: string | null): string | null {
  if (!hosting) return null;
  if (onThisComputerOnly(hosting)) {
    return (
      `This app hosts the local server for this computer only: others can join at ${hosting}. ` +
      "To let others on your network join, turn on “Host calls for my local network” in Settings."
    );
  }
  const code = joinCode ? ` with the join code ${joinCode}` : "";
  return `This app hosts calls for your local network: others can join at ${hosting}${code}.`;
}

function onThisComputerOnly(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}
