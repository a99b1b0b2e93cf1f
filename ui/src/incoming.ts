// The incoming-call dialog's guard against accidental answers.
// When a call arrives the dialog takes focus from wherever the user was typing. If Accept had
// the focus, or the `A` key answered at once, the next keystroke of a sentence (a space, Enter,
// an "a") would accept the call and open camera and microphone. So the dialog itself takes the
// focus (Tab reaches the buttons), and keys do nothing for a moment after it opens.

/** How long after the dialog opens its keyboard shortcuts start to work. */
export const KEY_GUARD_MS = 1000;

export type IncomingKeyAction = "accept" | "reject" | null;

/** What a key press in the open dialog does, `sinceOpenMs` after it opened. */
export function incomingKeyAction(key: string, sinceOpenMs: number): IncomingKeyAction {
  if (sinceOpenMs < KEY_GUARD_MS) return null;
  switch (key.toLowerCase()) {
    case "a":
      return "accept";
    case "r":
    case "escape":
      return "reject";
    default:
      return null;
  }
}
