//! The test-pattern picture: moving diagonal luma ramps, scrolling colour bars, a bouncing
//! box, and the [`stamp`] band. Generated directly in I420 by copying
//! precomputed rows, so 1280x720 costs well under a millisecond.

use super::stamp::{self, Stamp};
use crate::frame::VideoFrame;

/// Period of the luma ramp in pixels.
const RAMP: usize = 128;
/// (U, V) of the colour bars: yellow, cyan, green, magenta, red, blue, orange, violet.
const BARS: [(u8, u8); 8] = [
    (44, 142),
    (156, 44),
    (72, 58),
    (184, 198),
    (90, 240),
    (240, 110),
    (60, 190),
    (200, 160),
];

/// Renders test-pattern frames of one size.
#[derive(Clone, Debug)]
pub struct TestPattern {
    width: u32,
    height: u32,
    /// Luma ramp, `width + RAMP` long so any offset below `RAMP` has a full row.
    luma_row: Vec<u8>,
    /// Colour-bar chroma rows, twice the chroma width so they can scroll.
    u_row: Vec<u8>,
    v_row: Vec<u8>,
}

impl TestPattern {
    /// A pattern for frames of `width` x `height` (both at least 2).
    pub fn new(width: u32, height: u32) -> Self {
        let (width, height) = (width.max(2), height.max(2));
        let luma_row = (0..width as usize + RAMP)
            .map(|x| (40 + (x % RAMP) * 160 / RAMP) as u8)
            .collect();
        let cw = width.div_ceil(2) as usize;
        let bar = cw.div_ceil(BARS.len()).max(1);
        let (u_row, v_row) = (0..2 * cw)
            .map(|x| BARS[(x % cw) / bar % BARS.len()])
            .unzip();
        Self {
            width,
            height,
            luma_row,
            u_row,
            v_row,
        }
    }

    /// Frame width.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Frame height.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// A new frame showing `frame_number`, stamped with it and `capture_time_us`.
    pub fn render(&self, frame_number: u64, capture_time_us: u64) -> VideoFrame {
        let mut frame = VideoFrame::black(self.width, self.height);
        self.render_into(&mut frame, frame_number, capture_time_us);
        frame
    }

    /// Draws into an existing frame (resized if needed), reusing its buffer.
    pub fn render_into(&self, frame: &mut VideoFrame, frame_number: u64, capture_time_us: u64) {
        if frame.width != self.width || frame.height != self.height {
            *frame = VideoFrame::black(self.width, self.height);
        }
        frame.frame_number = frame_number;
        frame.capture_time_us = capture_time_us;
        let (w, h) = (self.width as usize, self.height as usize);
        let cw = frame.chroma_width() as usize;
        let ch = frame.chroma_height() as usize;
        let n = frame_number as usize;
        let (y, u, v) = frame.planes_mut();
        for (row, line) in y.chunks_exact_mut(w).enumerate() {
            let off = (n * 4 + row) % RAMP;
            line.copy_from_slice(&self.luma_row[off..off + w]);
        }
        let shift = (n * 2) % cw.max(1);
        for (uline, vline) in u.chunks_exact_mut(cw).zip(v.chunks_exact_mut(cw)) {
            uline.copy_from_slice(&self.u_row[shift..shift + cw]);
            vline.copy_from_slice(&self.v_row[shift..shift + cw]);
        }
        // A bouncing box below the stamp band.
        let band =
            stamp::block_size(self.width, self.height).map_or(0, |b| (b * stamp::ROWS) as usize);
        let size = (h / 5).max(2) & !1;
        if h > band + size + 2 && w > size + 2 {
            let bx = bounce(n * 6, w - size) & !1;
            let by = (band + bounce(n * 3, h - band - size)) & !1;
            for line in y.chunks_exact_mut(w).skip(by).take(size) {
                line[bx..bx + size].fill(210);
            }
            for row in by / 2..((by + size) / 2).min(ch) {
                u[row * cw + bx / 2..row * cw + (bx + size) / 2].fill(100);
                v[row * cw + bx / 2..row * cw + (bx + size) / 2].fill(220);
            }
        }
        stamp::draw(frame, Stamp::new(frame_number, capture_time_us));
    }
}

/// Position moving back and forth over `0..=span`.
fn bounce(travel: usize, span: usize) -> usize {
    if span == 0 {
        return 0;
    }
    let t = travel % (2 * span);
    if t <= span {
        t
    } else {
        2 * span - t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_move_and_carry_their_stamp() {
        let p = TestPattern::new(640, 480);
        let a = p.render(1, 1000);
        let b = p.render(2, 2000);
        assert_ne!(a.y(), b.y(), "the picture moves");
        assert_ne!(a.u(), b.u(), "the colour bars scroll");
        let s = stamp::read(&b).expect("stamp readable");
        assert_eq!((s.frame_number, s.capture_time_low_us), (2, 2000));
    }

    #[test]
    fn odd_and_tiny_sizes_do_not_panic() {
        for (w, h) in [(2, 2), (3, 5), (17, 9), (641, 479), (1280, 720)] {
            let f = TestPattern::new(w, h).render(7, 7);
            assert_eq!(f.data.len(), VideoFrame::byte_len(w, h));
        }
    }
}
