// The microphone's processing switches in Settings. The rumble (high-pass) filter is its own
// switch, but WebRTC's audio processing runs it whenever echo cancellation or noise
// suppression is on (both need it: sonora enforces it, as libwebrtc does), so while either
// is on the box shows it on and cannot be unticked; the user's own choice is kept for when
// both are off.

export interface HighPassBox {
  checked: boolean;
  disabled: boolean;
  /** Why it cannot be changed ("" when it can). */
  why: string;
}

export function highPassBox(echoCancellation: boolean, noiseSuppression: boolean, choice: boolean): HighPassBox {
  if (echoCancellation || noiseSuppression) {
    return { checked: true, disabled: true, why: "Echo cancellation and noise suppression need it: it runs while either is on." };
  }
  return { checked: choice, disabled: false, why: "" };
}
