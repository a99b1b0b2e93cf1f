// The size of a video canvas's backing store: the pixels it actually covers on screen, never
// more than the frame has. Drawing a 1280x720 frame into a 450-pixel-wide preview at full size
// would make the (often software) GL rasterise and then scale down eight times the pixels.

export interface Size {
  width: number;
  height: number;
}

/**
 * `box` is the element's CSS size, `dpr` the device pixel ratio, `cover` whether the element
 * uses `object-fit: cover` (fills and crops) rather than `contain` (fits whole). An empty box
 * (hidden element) returns null: nothing needs drawing.
 */
export function backingSize(frame: Size, box: Size, dpr: number, cover: boolean): Size | null {
  if (frame.width <= 0 || frame.height <= 0) return null;
  if (box.width <= 0 || box.height <= 0) return null;
  const sx = (box.width * dpr) / frame.width;
  const sy = (box.height * dpr) / frame.height;
  const scale = Math.min(1, cover ? Math.max(sx, sy) : Math.min(sx, sy));
  return {
    width: Math.max(2, Math.round(frame.width * scale)),
    height: Math.max(2, Math.round(frame.height * scale)),
  };
}

/**
 * The page's request for the next frame (crates/bridge `READY`): with the device pixels the
 * canvas covers, so the bridge can send a large frame shrunk for a small canvas.
 */
export function readyRequest(box: Size, dpr: number): string {
  return `ready ${Math.ceil(box.width * dpr)}x${Math.ceil(box.height * dpr)}`;
}
