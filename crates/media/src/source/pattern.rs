//! The test-pattern picture: moving diagonal luma ramps, scrolling colour (two variants:
//! rainbow bars or blue/cyan checks), a bouncing box, and the [`stamp`] band. Generated
//! directly in I420 by copying precomputed rows, so 1280x720 costs well under a
//! millisecond. [`variant_of`] tells the two variants apart in a received picture.

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

/// (U, V) of the checks: blue and cyan. Both have U well above V, the bars' average does
/// not, which is what [`variant_of`] looks at.
const CHECKS: [(u8, u8); 2] = [(240, 110), (166, 30)];
/// Mean `U - V` below the stamp band above which a picture is the checks variant: the
/// bars average about -12 (the box included), the checks +133.
const CHECKS_MIN_U_MINUS_V: i64 = 60;

/// Which of the two synthetic cameras a pattern is: the same motion and stamp, visibly
/// different colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PatternVariant {
    /// Eight rainbow colour bars scrolling sideways.
    #[default]
    Bars,
    /// A blue and cyan checkerboard scrolling sideways.
    Checks,
}

/// Renders test-pattern frames of one size.
#[derive(Clone, Debug)]
pub struct TestPattern {
    width: u32,
    height: u32,
    variant: PatternVariant,
    /// Luma ramp, `width + RAMP` long so any offset below `RAMP` has a full row.
    luma_row: Vec<u8>,
    /// Chroma rows, twice the chroma width so they can scroll; the second pair is used
    /// for every other band of `square` chroma rows (the same as the first for the bars).
    u_rows: [Vec<u8>; 2],
    v_rows: [Vec<u8>; 2],
    /// Height of a band of chroma rows, in chroma rows.
    square: usize,
}

impl TestPattern {
    /// A pattern for frames of `width` x `height` (both at least 2): the colour bars.
    pub fn new(width: u32, height: u32) -> Self {
        Self::with_variant(width, height, PatternVariant::Bars)
    }

    /// A pattern of this variant for frames of `width` x `height` (both at least 2).
    pub fn with_variant(width: u32, height: u32, variant: PatternVariant) -> Self {
        let (width, height) = (width.max(2), height.max(2));
        let luma_row = (0..width as usize + RAMP)
            .map(|x| (40 + (x % RAMP) * 160 / RAMP) as u8)
            .collect();
        let cw = width.div_ceil(2) as usize;
        let bar = cw.div_ceil(BARS.len()).max(1);
        let row = |colour: &dyn Fn(usize) -> (u8, u8)| -> (Vec<u8>, Vec<u8>) {
            (0..2 * cw).map(|x| colour(x % cw)).unzip()
        };
        let ((u0, v0), (u1, v1)) = match variant {
            PatternVariant::Bars => {
                let bars = row(&|x| BARS[x / bar % BARS.len()]);
                (bars.clone(), bars)
            }
            PatternVariant::Checks => (
                row(&|x| CHECKS[x / bar % 2]),
                row(&|x| CHECKS[(x / bar + 1) % 2]),
            ),
        };
        Self {
            width,
            height,
            variant,
            luma_row,
            u_rows: [u0, u1],
            v_rows: [v0, v1],
            square: bar,
        }
    }

    /// Which variant it draws.
    pub fn variant(&self) -> PatternVariant {
        self.variant
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
        let rows = u.chunks_exact_mut(cw).zip(v.chunks_exact_mut(cw));
        for (row, (uline, vline)) in rows.enumerate() {
            let band = row / self.square % 2;
            uline.copy_from_slice(&self.u_rows[band][shift..shift + cw]);
            vline.copy_from_slice(&self.v_rows[band][shift..shift + cw]);
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

/// Which variant a (decoded) test-pattern picture shows, from its mean chroma below the
/// stamp band: survives VP8 at any bitrate, since it looks at averages over the picture.
/// Meaningless for a picture that is not a test pattern.
pub fn variant_of(frame: &VideoFrame) -> PatternVariant {
    let cw = frame.chroma_width() as usize;
    let band = stamp::block_size(frame.width, frame.height).map_or(0, |b| b * stamp::ROWS);
    let skip = (band as usize).div_ceil(2) * cw;
    let (u, v) = (
        &frame.u()[skip.min(frame.u().len())..],
        &frame.v()[skip.min(frame.v().len())..],
    );
    let diff: i64 = u
        .iter()
        .zip(v)
        .map(|(&u, &v)| i64::from(u) - i64::from(v))
        .sum();
    let n = i64::try_from(u.len().max(1)).unwrap_or(i64::MAX);
    if diff / n > CHECKS_MIN_U_MINUS_V {
        PatternVariant::Checks
    } else {
        PatternVariant::Bars
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
        for variant in [PatternVariant::Bars, PatternVariant::Checks] {
            for (w, h) in [(2, 2), (3, 5), (17, 9), (641, 479), (1280, 720)] {
                let f = TestPattern::with_variant(w, h, variant).render(7, 7);
                assert_eq!(f.data.len(), VideoFrame::byte_len(w, h));
            }
        }
    }

    #[test]
    fn the_two_variants_differ_and_are_told_apart_in_every_frame() {
        for (w, h) in [(320, 240), (640, 480), (1280, 720)] {
            let bars = TestPattern::with_variant(w, h, PatternVariant::Bars);
            let checks = TestPattern::with_variant(w, h, PatternVariant::Checks);
            for n in [0, 1, 37, 500] {
                let (a, b) = (bars.render(n, n), checks.render(n, n));
                assert_eq!(a.y(), b.y(), "same motion and stamp");
                assert_ne!(a.u(), b.u(), "different colour");
                assert_eq!(variant_of(&a), PatternVariant::Bars, "{w}x{h} #{n}");
                assert_eq!(variant_of(&b), PatternVariant::Checks, "{w}x{h} #{n}");
            }
        }
    }

    #[test]
    fn the_checks_alternate_down_the_picture() {
        let f = TestPattern::with_variant(640, 480, PatternVariant::Checks).render(0, 0);
        let cw = f.chroma_width() as usize;
        let square = cw.div_ceil(BARS.len());
        let (row_a, row_b) = (100, 100 + square);
        let u = f.u();
        assert_ne!(
            u[row_a * cw..row_a * cw + cw],
            u[row_b * cw..row_b * cw + cw],
            "a checkerboard, not stripes"
        );
    }
}
