//! I420 scaling for send-side adaptation: the camera keeps capturing at the configured
//! size and each frame is scaled to the size the adapter picked before it is encoded.
//!
//! An area-averaging ("box") filter, separable, in 14-bit fixed point: every output pixel
//! is the exact mean of the source area it covers, which is what libyuv's `kFilterBox` does
//! for WebRTC's downscales and what keeps 1/4-size pictures from aliasing (bilinear samples
//! only 2×2 pixels whatever the ratio). The vertical pass runs first over whole rows, so the
//! compiler vectorises it; the horizontal pass then touches only the output height.
//!
//! Why not a crate: `yuvutils-rs` (already a dependency) converts between layouts but does
//! not resize. `pic-scale` and `fast_image_resize` resize single 8-bit planes well with
//! SIMD, but they are general resamplers (convolution kernels, their own image types,
//! thread pools in pic-scale) in a large dependency for one job; libyuv bindings
//! (`shiguredo_libyuv`) need a C++ build of libyuv. The ratios used here are few and
//! fixed (3/4, 1/2, 3/8, 1/4, …) and this filter costs 0.13 ms for 640x480 → 320x240 and
//! 0.8 ms for 1280x720 → 960x540 on the project's 2-core machine (release build, `cargo
//! bench -p peercall-media --bench media -- scale`), far below an encode, so a hundred
//! lines of plain Rust win.

use crate::frame::VideoFrame;

/// Fixed-point precision of the horizontal weights.
const WEIGHT_BITS: u32 = 14;
/// Precision of the vertical weights: 7 bits keep the vertical sums in u16 (255 × 128 fits),
/// which SSE2 multiplies 8 lanes at a time; the sums then carry 7 extra bits into the
/// horizontal pass.
const V_BITS: u32 = 7;

/// The taps of a box filter along one axis: for output `i`, `weights[i * taps..][..taps]`
/// applied to source samples `start[i]..start[i] + taps`; the weights of one output sum to
/// `1 << bits`.
struct Taps {
    taps: usize,
    start: Vec<usize>,
    weights: Vec<u16>,
}

impl Taps {
    fn new(src: usize, dst: usize, bits: u32) -> Self {
        let one = 1u32 << bits;
        // Output i covers [i * src / dst, (i + 1) * src / dst) of the source, measured in
        // units of 1/dst source pixels so everything stays integral.
        let mut spans = Vec::with_capacity(dst);
        let mut taps = 1;
        for i in 0..dst {
            let (lo, hi) = (i * src, (i + 1) * src); // in 1/dst pixel units
            let (first, last) = (lo / dst, (hi - 1) / dst);
            taps = taps.max(last - first + 1);
            spans.push((first, last, lo, hi));
        }
        let taps = taps.min(src);
        let mut start = Vec::with_capacity(dst);
        let mut weights = vec![0u16; dst * taps];
        for (i, &(first, last, lo, hi)) in spans.iter().enumerate() {
            // Keep the window inside the source; the extra taps get weight 0.
            let s = first.min(src - taps);
            start.push(s);
            let w = &mut weights[i * taps..(i + 1) * taps];
            let width = (hi - lo) as u64;
            let mut sum = 0u32;
            let (mut big, mut big_w) = (0, 0);
            for p in first..=last {
                let cover = ((p + 1) * dst).min(hi) - (p * dst).max(lo);
                let wt = ((cover as u64 * u64::from(one) + width / 2) / width) as u32;
                w[p - s] = wt as u16;
                sum += wt;
                if wt > big_w {
                    (big, big_w) = (p - s, wt);
                }
            }
            // Rounding leftovers go to the largest tap so the weights sum to exactly `1 << bits`.
            w[big] = (i64::from(w[big]) + i64::from(one) - i64::from(sum)) as u16;
        }
        Self {
            taps,
            start,
            weights,
        }
    }
}

/// Scales one tightly packed 8-bit plane.
fn scale_plane(src: &[u8], sw: usize, sh: usize, dst: &mut [u8], dw: usize, dh: usize) {
    if sw == dw && sh == dh {
        dst[..dw * dh].copy_from_slice(&src[..sw * sh]);
        return;
    }
    let (h, v) = (Taps::new(sw, dw, WEIGHT_BITS), Taps::new(sh, dh, V_BITS));
    let mut mid = vec![0u16; sw];
    for (y, out) in dst.chunks_exact_mut(dw).take(dh).enumerate() {
        // Vertical: weighted sum of the source rows this output row covers.
        mid.fill(0);
        let ws = &v.weights[y * v.taps..(y + 1) * v.taps];
        for (k, &w) in ws.iter().enumerate() {
            if w == 0 {
                continue;
            }
            let row = &src[(v.start[y] + k) * sw..][..sw];
            for (m, &p) in mid.iter_mut().zip(row) {
                *m += w * u16::from(p);
            }
        }
        // Horizontal, unrolled for the usual tap counts.
        match h.taps {
            1 => horizontal::<1>(&mid, &h, out),
            2 => horizontal::<2>(&mid, &h, out),
            3 => horizontal::<3>(&mid, &h, out),
            4 => horizontal::<4>(&mid, &h, out),
            5 => horizontal::<5>(&mid, &h, out),
            _ => horizontal_any(&mid, &h, out),
        }
    }
}

const SHIFT: u32 = WEIGHT_BITS + V_BITS;
const ROUND: u32 = 1 << (SHIFT - 1);

fn horizontal<const N: usize>(mid: &[u16], h: &Taps, out: &mut [u8]) {
    for ((o, ws), &s) in out.iter_mut().zip(h.weights.chunks_exact(N)).zip(&h.start) {
        let ps: &[u16; N] = mid[s..s + N].try_into().expect("N taps");
        let mut sum = ROUND;
        for k in 0..N {
            sum += u32::from(ws[k]) * u32::from(ps[k]);
        }
        *o = (sum >> SHIFT) as u8;
    }
}

fn horizontal_any(mid: &[u16], h: &Taps, out: &mut [u8]) {
    for ((o, ws), &s) in out
        .iter_mut()
        .zip(h.weights.chunks_exact(h.taps))
        .zip(&h.start)
    {
        let sum: u32 = ws
            .iter()
            .zip(&mid[s..s + h.taps])
            .map(|(&w, &p)| u32::from(w) * u32::from(p))
            .sum();
        *o = ((sum + ROUND) >> SHIFT) as u8;
    }
}

/// `src` scaled to `width` x `height` (any sizes ≥ 1; the adapter asks for even ones).
/// The frame number and capture time are kept.
pub fn scale_i420(src: &VideoFrame, width: u32, height: u32) -> VideoFrame {
    let mut out = VideoFrame::black(width.max(1), height.max(1));
    scale_i420_into(src, &mut out);
    out
}

/// Scales `src` to `out`'s size, reusing `out`'s buffer.
pub fn scale_i420_into(src: &VideoFrame, out: &mut VideoFrame) {
    out.frame_number = src.frame_number;
    out.capture_time_us = src.capture_time_us;
    let (sw, sh) = (src.width as usize, src.height as usize);
    let (dw, dh) = (out.width as usize, out.height as usize);
    let (scw, sch) = (src.chroma_width() as usize, src.chroma_height() as usize);
    let (dcw, dch) = (out.chroma_width() as usize, out.chroma_height() as usize);
    let (y, u, v) = out.planes_mut();
    scale_plane(src.y(), sw, sh, y, dw, dh);
    scale_plane(src.u(), scw, sch, u, dcw, dch);
    scale_plane(src.v(), scw, sch, v, dcw, dch);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::TestPattern;

    const ONE: u32 = 1 << WEIGHT_BITS;

    fn plane(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect()
    }

    #[test]
    fn weights_sum_to_one_and_cover_the_span() {
        for (src, dst) in [
            (640, 320),
            (640, 480),
            (480, 180),
            (720, 540),
            (7, 3),
            (3, 7),
            (5, 5),
        ] {
            let t = Taps::new(src, dst, WEIGHT_BITS);
            assert_eq!(t.start.len(), dst);
            for i in 0..dst {
                let w = &t.weights[i * t.taps..(i + 1) * t.taps];
                assert_eq!(
                    w.iter().map(|&w| u32::from(w)).sum::<u32>(),
                    ONE,
                    "{src}->{dst} #{i}"
                );
                assert!(t.start[i] + t.taps <= src);
            }
        }
        assert_eq!(
            Taps::new(640, 320, WEIGHT_BITS).taps,
            2,
            "exact halving reads 2 pixels"
        );
    }

    #[test]
    fn halving_averages_each_2x2_block() {
        let src = plane(8, 4, |x, y| (x * 10 + y * 3) as u8);
        let mut dst = vec![0; 4 * 2];
        scale_plane(&src, 8, 4, &mut dst, 4, 2);
        for (i, &d) in dst.iter().enumerate() {
            let (x, y) = (i % 4 * 2, i / 4 * 2);
            let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                .iter()
                .map(|&(dx, dy)| u32::from(src[(y + dy) * 8 + x + dx]))
                .sum();
            assert_eq!(u32::from(d), (sum + 2) / 4);
        }
    }

    #[test]
    fn flat_stays_flat_and_ramps_stay_monotonic_at_any_ratio() {
        for (sw, sh, dw, dh) in [
            (640, 480, 480, 360),
            (640, 480, 240, 180),
            (1280, 720, 960, 540),
            (1280, 720, 320, 180),
        ] {
            let flat = vec![77u8; sw * sh];
            let mut out = vec![0; dw * dh];
            scale_plane(&flat, sw, sh, &mut out, dw, dh);
            assert!(out.iter().all(|&p| p == 77), "{sw}x{sh}->{dw}x{dh}");
            let ramp = plane(sw, sh, |x, _| (x * 255 / (sw - 1)) as u8);
            scale_plane(&ramp, sw, sh, &mut out, dw, dh);
            for row in out.chunks(dw) {
                assert!(row.windows(2).all(|p| p[0] <= p[1]));
                assert!(
                    row[0] <= 2 && row[dw - 1] >= 253,
                    "ends kept: {} {}",
                    row[0],
                    row[dw - 1]
                );
            }
        }
    }

    #[test]
    fn i420_keeps_metadata_and_picture() {
        let mut src = TestPattern::new(640, 480).render(42, 1_234_567);
        src.frame_number = 42;
        let small = scale_i420(&src, 320, 240);
        assert_eq!(
            (
                small.width,
                small.height,
                small.frame_number,
                small.capture_time_us
            ),
            (320, 240, 42, 1_234_567)
        );
        assert_eq!(small.data.len(), VideoFrame::byte_len(320, 240));
        // Back up by pixel doubling: close to the original wherever the picture is smooth.
        let back = scale_i420(&small, 640, 480);
        assert!(src.psnr_y(&back) > 20.0, "psnr {}", src.psnr_y(&back));
        let same = scale_i420(&src, 640, 480);
        assert_eq!(same.data, src.data);
    }
}
