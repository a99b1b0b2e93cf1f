// Draws I420 frames on a 2D canvas through WebCodecs' `VideoFrame`: WebKit converts and
// scales the planes on the CPU and repaints only the canvas, where the WebGL path made Mesa's
// software rasteriser composite the whole window for every frame when there is no GPU
// (issue 17, BENCHMARKS.md). Used wherever `VideoFrame` can be built from I420 and drawn
// (WebKitGTK 2.50 can); `YuvRenderer` (WebGL) is the fallback.
import type { Size } from "./fit";
import type { BridgeFrame } from "./frame";
import { i420Init } from "./i420-layout";

export class VideoFrameRenderer {
  readonly kind = "videoframe";
  private readonly ctx: CanvasRenderingContext2D;

  /** Whether this webview can build a `VideoFrame` from I420 and draw it on a 2D canvas. */
  static supported(): boolean {
    if (typeof VideoFrame !== "function") return false;
    try {
      const probe = document.createElement("canvas");
      probe.width = 2;
      probe.height = 2;
      const ctx = probe.getContext("2d");
      if (!ctx) return false;
      const frame = new VideoFrame(new Uint8Array(6), { format: "I420", codedWidth: 2, codedHeight: 2, timestamp: 0 });
      try {
        ctx.drawImage(frame, 0, 0);
      } finally {
        frame.close();
      }
      return true;
    } catch {
      return false;
    }
  }

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("2D canvas is not available in this webview");
    this.ctx = ctx;
  }

  /** Paints the canvas black (no picture). */
  clear(): void {
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  draw(frame: BridgeFrame, target: Size): void {
    if (this.canvas.width !== target.width || this.canvas.height !== target.height) {
      this.canvas.width = target.width;
      this.canvas.height = target.height;
    }
    const { data, init } = i420Init(frame);
    const video = new VideoFrame(data, init);
    try {
      this.ctx.setTransform(frame.mirrored ? -1 : 1, 0, 0, 1, frame.mirrored ? target.width : 0, 0);
      this.ctx.drawImage(video, 0, 0, target.width, target.height);
    } finally {
      video.close();
    }
  }
}
