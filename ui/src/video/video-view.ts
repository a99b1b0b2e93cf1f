// One live picture: a bridge socket feeding a WebGL canvas. Only the newest frame is kept and
// at most one animation-frame callback is pending, so latency never builds up.
import { nowUs, parseFrame, type BridgeFrame } from "./frame";
import { YuvRenderer } from "./yuv-renderer";

const MAX_SAMPLES = 4096;

export interface VideoStats {
  received: number;
  drawn: number;
  /** Frames replaced by a newer one before they could be drawn. */
  skipped: number;
  width: number;
  height: number;
  lastFrameNumber: number;
  /** Bridge send -> drawn, ms. */
  bridgeLatencyMs: number[];
  /** Capture -> drawn, ms (glass-to-glass on one machine). */
  captureLatencyMs: number[];
}

export class VideoView {
  private readonly renderer: YuvRenderer;
  private socket: WebSocket | null = null;
  private pending: BridgeFrame | null = null;
  private rafScheduled = false;
  private closed = false;
  private retryMs = 250;
  private readonly stats: VideoStats = {
    received: 0,
    drawn: 0,
    skipped: 0,
    width: 0,
    height: 0,
    lastFrameNumber: -1,
    bridgeLatencyMs: [],
    captureLatencyMs: [],
  };

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly url: string,
    private readonly onFirstFrame: () => void = () => {},
  ) {
    this.renderer = new YuvRenderer(canvas);
    this.connect();
  }

  snapshot(): VideoStats {
    return { ...this.stats, bridgeLatencyMs: [...this.stats.bridgeLatencyMs], captureLatencyMs: [...this.stats.captureLatencyMs] };
  }

  resetStats(): void {
    Object.assign(this.stats, { received: 0, drawn: 0, skipped: 0, bridgeLatencyMs: [], captureLatencyMs: [] });
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      this.retryMs = 250;
    };
    socket.onmessage = (event: MessageEvent<ArrayBuffer>) => this.receive(event.data);
    socket.onclose = () => {
      // The bridge lives as long as the app; a close means a hiccup: reconnect.
      if (!this.closed) setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 4000);
    };
    this.socket = socket;
  }

  private receive(data: ArrayBuffer): void {
    const frame = parseFrame(data);
    if (!frame) return;
    this.stats.received += 1;
    if (this.pending) this.stats.skipped += 1;
    this.pending = frame;
    if (!this.rafScheduled) {
      this.rafScheduled = true;
      requestAnimationFrame(() => this.drawPending());
    }
  }

  private drawPending(): void {
    this.rafScheduled = false;
    const frame = this.pending;
    this.pending = null;
    if (!frame) return;
    this.renderer.draw(frame);
    const first = this.stats.drawn === 0;
    this.stats.drawn += 1;
    this.stats.width = frame.width;
    this.stats.height = frame.height;
    this.stats.lastFrameNumber = frame.frameNumber;
    const now = nowUs();
    push(this.stats.bridgeLatencyMs, (now - frame.sentTimeUs) / 1000);
    if (frame.captureTimeUs > 0) push(this.stats.captureLatencyMs, (now - frame.captureTimeUs) / 1000);
    if (first) this.onFirstFrame();
  }
}

function push(samples: number[], value: number): void {
  if (samples.length >= MAX_SAMPLES) samples.shift();
  samples.push(value);
}
