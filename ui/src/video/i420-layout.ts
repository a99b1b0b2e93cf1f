// Where each plane of a bridge frame lies in its message, as WebCodecs' `VideoFrame` wants it:
// one buffer, the Y, U and V planes packed back to back (crates/bridge wire.rs).
import type { BridgeFrame } from "./frame";

export interface I420Init {
  /** The planes, one view starting at Y. */
  data: Uint8Array;
  init: { format: "I420"; codedWidth: number; codedHeight: number; timestamp: number; layout: { offset: number; stride: number }[] };
}

export function i420Init(frame: BridgeFrame): I420Init {
  const { y, u, v, width, height } = frame;
  const cw = Math.ceil(width / 2);
  const end = v.byteOffset + v.byteLength;
  return {
    data: new Uint8Array(y.buffer, y.byteOffset, end - y.byteOffset),
    init: {
      format: "I420",
      codedWidth: width,
      codedHeight: height,
      timestamp: frame.frameNumber,
      layout: [
        { offset: 0, stride: width },
        { offset: u.byteOffset - y.byteOffset, stride: cw },
        { offset: v.byteOffset - y.byteOffset, stride: cw },
      ],
    },
  };
}
