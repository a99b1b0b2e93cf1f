// One live picture: a bridge socket feeding a canvas (renderer.ts picks how it is drawn). The
// page asks the bridge for one frame at a time ("ready WxH", the device pixels it covers, so a small canvas gets a shrunk
// frame) and draws each as soon as it arrives, so frames are skipped in Rust (newest wins)
// rather than queued anywhere, and a hidden canvas asks for nothing at all.
import { backingSize, readyRequest, type Size } from "./fit";
import { nowUs, parseFrame, type BridgeFrame } from "./frame";
import { createRenderer, fallbackRenderer, RefusalCounter, type Renderer } from "./renderer";

const MAX_SAMPLES = 4096;

export interface VideoStats {
  /** Which renderer draws ("videoframe": WebCodecs on a 2D canvas, "webgl": the fallback). */
  renderer: Renderer["kind"];
  received: number;
  drawn: number;
  /** Frames received that the renderer could not draw. */
  failed: number;
  /** The video's size (before the bridge shrank it for a small canvas). */
  width: number;
  height: number;
  /** The canvas backing store the last frame was drawn into. */
  drawnWidth: number;
  drawnHeight: number;
  lastFrameNumber: number;
  /** Bridge send -> drawn, ms. */
  bridgeLatencyMs: number[];
  /** Capture -> drawn, ms (glass-to-glass on one machine). */
  captureLatencyMs: number[];
}

export class VideoView {
  private renderer: Renderer;
  private readonly refusals = new RefusalCounter();
  private readonly observer: ResizeObserver;
  private readonly cover: boolean;
  private box: Size = { width: 0, height: 0 };
  private socket: WebSocket | null = null;
  /** A request is outstanding: the next message is the answer. */
  private asked = false;
  private closed = false;
  private retryMs = 250;
  private readonly stats: Omit<VideoStats, "renderer"> = {
    received: 0,
    drawn: 0,
    failed: 0,
    width: 0,
    height: 0,
    drawnWidth: 0,
    drawnHeight: 0,
    lastFrameNumber: -1,
    bridgeLatencyMs: [],
    captureLatencyMs: [],
  };

  constructor(
    /** Replaced by a fresh copy if the renderer has to change (see `fallBack`). */
    public canvas: HTMLCanvasElement,
    private readonly url: string,
    private readonly onFirstFrame: () => void = () => {},
  ) {
    this.renderer = createRenderer(canvas);
    this.cover = getComputedStyle(canvas).objectFit === "cover";
    this.observer = new ResizeObserver((entries) => {
      const rect = entries[entries.length - 1]?.contentRect;
      if (!rect) return;
      this.box = { width: rect.width, height: rect.height };
      this.ask(); // shown again, or bigger: fetch a frame for it
    });
    this.observer.observe(canvas);
    this.connect();
  }

  snapshot(): VideoStats {
    return { ...this.stats, renderer: this.renderer.kind, bridgeLatencyMs: [...this.stats.bridgeLatencyMs], captureLatencyMs: [...this.stats.captureLatencyMs] };
  }

  resetStats(): void {
    Object.assign(this.stats, { received: 0, drawn: 0, failed: 0, bridgeLatencyMs: [], captureLatencyMs: [] });
  }

  /** Forgets the picture: the canvas turns black and the next frame counts as the first. */
  clear(): void {
    this.renderer.clear();
    this.resetStats();
  }

  close(): void {
    this.closed = true;
    this.observer.disconnect();
    this.socket?.close();
  }

  private visible(): boolean {
    return this.box.width > 0 && this.box.height > 0;
  }

  private ask(): void {
    const socket = this.socket;
    if (this.asked || !this.visible() || !socket || socket.readyState !== WebSocket.OPEN) return;
    this.asked = true;
    socket.send(readyRequest(this.box, window.devicePixelRatio || 1));
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      this.retryMs = 250;
      this.asked = false;
      this.ask();
    };
    socket.onmessage = (event: MessageEvent<ArrayBuffer>) => this.receive(event.data);
    socket.onclose = () => {
      // The bridge lives as long as the app; a close means a hiccup: reconnect.
      this.asked = false;
      if (!this.closed) setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 4000);
    };
    this.socket = socket;
  }

  private receive(data: ArrayBuffer): void {
    this.asked = false;
    const frame = parseFrame(data);
    const target = frame && backingSize(frame, this.box, window.devicePixelRatio || 1, this.cover);
    if (frame && target) {
      this.stats.received += 1;
      if (!this.draw(frame, target)) return this.ask();
      const first = this.stats.drawn === 0;
      this.stats.drawn += 1;
      this.stats.width = frame.width * frame.shrink;
      this.stats.height = frame.height * frame.shrink;
      this.stats.drawnWidth = target.width;
      this.stats.drawnHeight = target.height;
      this.stats.lastFrameNumber = frame.frameNumber;
      const now = nowUs();
      push(this.stats.bridgeLatencyMs, (now - frame.sentTimeUs) / 1000);
      if (frame.captureTimeUs > 0) push(this.stats.captureLatencyMs, (now - frame.captureTimeUs) / 1000);
      if (first) this.onFirstFrame();
    }
    this.ask();
  }

  /** Draws one frame; a frame the renderer refuses is counted and skipped, not fatal. */
  private draw(frame: BridgeFrame, target: Size): boolean {
    try {
      this.renderer.draw(frame, target);
      this.refusals.record(true);
      return true;
    } catch (err) {
      if (this.stats.failed === 0) console.warn("video frame not drawn", err);
      this.stats.failed += 1;
      if (this.refusals.record(false)) this.fallBack();
      return false;
    }
  }

  /**
   * The renderer keeps refusing frames: draw with WebGL instead. A canvas that gave out a 2D
   * context never gives a WebGL one, so a fresh copy of it takes its place in the page.
   */
  private fallBack(): void {
    if (this.renderer.kind === "webgl") return;
    const fresh = this.canvas.cloneNode(false) as HTMLCanvasElement;
    let renderer: Renderer;
    try {
      renderer = fallbackRenderer(fresh);
    } catch (err) {
      console.warn("no fallback renderer either", err);
      this.refusals.reset();
      return;
    }
    console.warn(`video: ${this.stats.failed} frames refused; drawing with WebGL from now on`);
    this.observer.unobserve(this.canvas);
    this.canvas.replaceWith(fresh);
    this.canvas = fresh;
    this.renderer = renderer;
    this.refusals.reset();
    this.observer.observe(fresh);
  }
}

function push(samples: number[], value: number): void {
  if (samples.length >= MAX_SAMPLES) samples.shift();
  samples.push(value);
}
