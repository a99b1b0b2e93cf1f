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
