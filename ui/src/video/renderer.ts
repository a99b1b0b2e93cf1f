// The video renderer a canvas gets: WebCodecs' VideoFrame on a 2D canvas where the webview
// supports it, else WebGL (see each renderer for why).
import type { Size } from "./fit";
import type { BridgeFrame } from "./frame";
import { VideoFrameRenderer } from "./videoframe-renderer";
import { YuvRenderer } from "./yuv-renderer";

export interface Renderer {
  /** Which path draws, for tests and the benchmark. */
  readonly kind: "videoframe" | "webgl";
  clear(): void;
  draw(frame: BridgeFrame, target: Size): void;
}

let videoFrameSupported: boolean | undefined;

export function createRenderer(canvas: HTMLCanvasElement): Renderer {
  videoFrameSupported ??= VideoFrameRenderer.supported();
  return videoFrameSupported ? new VideoFrameRenderer(canvas) : new YuvRenderer(canvas);
}

/** The WebGL renderer on `canvas`; from now on every new canvas gets it too. */
export function fallbackRenderer(canvas: HTMLCanvasElement): Renderer {
  const renderer = new YuvRenderer(canvas);
  videoFrameSupported = false;
  return renderer;
}

/** Refused frames in a row, with none drawn, after which the renderer is replaced. */
export const REFUSALS_BEFORE_FALLBACK = 15;

/**
 * Counts a renderer's refusals: the probe at start-up may pass and `VideoFrame` still fail
 * mid-call (a format or size the webview will not take), which would leave the picture frozen
 * for the rest of the call. Says when to give up on it.
 */
export class RefusalCounter {
  private inARow = 0;

  /** Records one frame; true when the renderer has now refused too many in a row. */
  record(drawn: boolean): boolean {
    this.inARow = drawn ? 0 : this.inARow + 1;
    return this.inARow >= REFUSALS_BEFORE_FALLBACK;
  }

  reset(): void {
    this.inARow = 0;
  }
}
