//! Shrinking a frame for a page that shows it small (the self-view, the settings preview):
//! the page says how many device pixels it will draw into (`ready <w>x<h>`), and the bridge
//! sends the frame shrunk by the largest power of two that still covers that box, so a 720p
//! camera in a 240-pixel self-view moves a sixteenth of the bytes and the webview uploads and
//! samples a sixteenth of the texels. Pure functions, no I/O.

use bytes::Bytes;

use crate::server::Frame;
use crate::server::READY;
use crate::wire::FrameHeader;

/// The largest factor [`shrink_factor`] uses.
pub const MAX_SHRINK: u32 = 16;

/// What a page's text message asks for: `Some(None)` for a frame at full size (`ready`),
/// `Some(Some((w, h)))` for one that covers `w`x`h` device pixels (`ready <w>x<h>`), `None`
/// for anything else.
pub fn parse_ready(text: &str) -> Option<Option<(u32, u32)>> {
    let rest = text.strip_prefix(READY)?;
    if rest.is_empty() {
        return Some(None);
    }
    let (w, h) = rest.strip_prefix(' ')?.split_once('x')?;
    Some(Some((w.parse().ok()?, h.parse().ok()?)))
}

/// The power of two (1 to [`MAX_SHRINK`]) to divide `width`x`height` by so the result still
/// covers `want` in both dimensions; only factors that divide both sides exactly, so the page
/// can tell the source size. No `want`, or an empty one, means full size.
pub fn shrink_factor(width: u32, height: u32, want: Option<(u32, u32)>) -> u32 {
    let Some((want_w, want_h)) = want else {
        return 1;
    };
    if want_w == 0 || want_h == 0 {
        return 1;
    }
    let mut factor = 1;
    while factor < MAX_SHRINK {
        let next = factor * 2;
        let fits = width.is_multiple_of(next)
            && height.is_multiple_of(next)
            && width / next >= want_w
            && height / next >= want_h;
        if !fits {
            break;
        }
        factor = next;
    }
    factor
}

/// `frame` as it should go to a page that asked for `want`: the same planes (shared, not
/// copied) at full size, else new shrunk planes and a header that says by how much.
pub(crate) fn shrink_frame(frame: &Frame, want: Option<(u32, u32)>) -> Frame {
    let header = frame.header;
    let factor = shrink_factor(header.width, header.height, want);
    if factor == 1 {
        return frame.clone();
    }
    let small = FrameHeader {
        width: header.width / factor,
        height: header.height / factor,
        shrink: factor as u8,
        ..header
    };
    match shrink_i420(&frame.planes, header.width, header.height, factor) {
        Some(planes) if planes.len() == small.payload_len() => Frame {
            header: small,
            planes: Bytes::from(planes),
        },
        _ => frame.clone(),
    }
}

/// `i420` (packed planes of a `width`x`height` frame) shrunk by `factor` in each dimension,
/// each output sample the mean of the block it covers; `None` if `i420` has the wrong length
/// or `factor` does not divide both sides.
pub fn shrink_i420(i420: &[u8], width: u32, height: u32, factor: u32) -> Option<Vec<u8>> {
    let (w, h, f) = (width as usize, height as usize, factor as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let len = w
        .checked_mul(h)
        .and_then(|luma| luma.checked_add(cw.checked_mul(ch)?.checked_mul(2)?));
    if f == 0 || !w.is_multiple_of(f) || !h.is_multiple_of(f) || Some(i420.len()) != len {
        return None;
    }
    if w == 0 || h == 0 {
        // Nothing to shrink; the other side could still be billions of empty rows.
        return Some(Vec::new());
    }
    let (ow, oh) = (w / f, h / f);
    let (ocw, och) = (ow.div_ceil(2), oh.div_ceil(2));
    let mut out = Vec::with_capacity(ow * oh + 2 * ocw * och);
    let (y, chroma) = i420.split_at(w * h);
    let (u, v) = chroma.split_at(cw * ch);
    shrink_plane(y, w, h, ow, oh, f, &mut out);
    shrink_plane(u, cw, ch, ocw, och, f, &mut out);
    shrink_plane(v, cw, ch, ocw, och, f, &mut out);
    Some(out)
}

/// Appends the `ow`x`oh` block means of `plane` (`w`x`h`); blocks past the edge are clipped.
fn shrink_plane(
    plane: &[u8],
    w: usize,
    h: usize,
    ow: usize,
    oh: usize,
    f: usize,
    out: &mut Vec<u8>,
) {
    let mut sums = vec![0u32; ow];
    for oy in 0..oh {
        sums.fill(0);
        let rows = (oy * f)..((oy + 1) * f).min(h);
        let row_count = rows.len();
        for row in rows {
            let line = &plane[row * w..(row + 1) * w];
            for (ox, sum) in sums.iter_mut().enumerate() {
                let start = (ox * f).min(w);
                *sum += line[start..((ox + 1) * f).min(w)]
                    .iter()
                    .map(|&p| u32::from(p))
                    .sum::<u32>();
            }
        }
        for (ox, sum) in sums.iter().enumerate() {
            let cols = ((ox + 1) * f).min(w).saturating_sub(ox * f);
            let n = (cols * row_count).max(1) as u32;
            out.push(((sum + n / 2) / n) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found writing the `bridge_frame` fuzz target's check: sizes whose plane length
    /// overflows a `usize` panicked (debug) or wrapped (release) instead of being refused.
    #[test]
    fn planes_claimed_too_large_for_memory_are_refused() {
        assert_eq!(shrink_i420(b"abc", u32::MAX, u32::MAX, 1), None);
        assert_eq!(shrink_i420(b"abc", u32::MAX, u32::MAX, 2), None);
    }

    /// Found by the `bridge_frame` fuzz target: a frame 0 pixels wide and 1.9 billion
    /// high has no bytes, so it passed the length check, and shrinking it walked every
    /// empty row (over a minute); 0 high and 4 billion wide allocated 8 GB of sums. The
    /// shrink runs on a thread so that a walk fails the test at the deadline (a guard
    /// against a hang, generous for any machine) instead of stalling it.
    #[test]
    fn an_empty_frame_shrinks_to_nothing_without_walking_its_rows() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send((
                shrink_i420(&[], 0, 0x7200_0000, 0x72),
                shrink_i420(&[], 0xffff_fffe, 0, 2),
            ));
        });
        let shrunk = rx.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(shrunk, Ok((Some(Vec::new()), Some(Vec::new()))));
    }

    /// A page's text and what it asks for.
    type ReadyCase = (&'static str, Option<Option<(u32, u32)>>);

    #[test]
    fn parses_ready_messages() {
        let cases: &[ReadyCase] = &[
            ("ready", Some(None)),
            ("ready 320x180", Some(Some((320, 180)))),
            ("ready 0x0", Some(Some((0, 0)))),
            ("ready320x180", None),
            ("ready 320", None),
            ("ready 320x", None),
            ("ready -1x5", None),
            ("ready 1x2x3", None),
            ("steady", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_ready(text), *want, "{text:?}");
        }
    }

    #[test]
    fn picks_the_largest_power_of_two_that_still_covers_the_box() {
        let cases = [
            // (frame, want, factor)
            ((1280, 720), None, 1),
            ((1280, 720), Some((0, 0)), 1),
            ((1280, 720), Some((1280, 720)), 1),
            ((1280, 720), Some((1100, 620)), 1),
            ((1280, 720), Some((640, 360)), 2),
            ((1280, 720), Some((641, 360)), 1),
            ((1280, 720), Some((372, 209)), 2), // 320x180 would not cover 372x209
            ((1280, 720), Some((242, 136)), 4),
            ((1280, 720), Some((80, 45)), 16),
            ((1280, 720), Some((1, 1)), 16), // capped
            ((640, 480), Some((242, 136)), 2),
            ((960, 540), Some((100, 60)), 4), // 540 / 8 is not whole
            ((642, 362), Some((10, 10)), 2),
            ((641, 360), Some((10, 10)), 1), // odd width: never shrunk
        ];
        for ((w, h), want, factor) in cases {
            assert_eq!(shrink_factor(w, h, want), factor, "{w}x{h} for {want:?}");
        }
    }

    fn frame(w: usize, h: usize, pixel: impl Fn(usize, usize, usize) -> u8) -> Vec<u8> {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let mut out = Vec::new();
        for (plane, pw, ph) in [(0, w, h), (1, cw, ch), (2, cw, ch)] {
            for y in 0..ph {
                for x in 0..pw {
                    out.push(pixel(plane, x, y));
                }
            }
        }
        out
    }

    #[test]
    fn averages_blocks_in_every_plane() {
        // 4x4 luma with 2x2 blocks of 0/100/200/50 shrunk by 2; chroma 2x2 -> 1x1.
        let src = frame(4, 4, |plane, x, y| match plane {
            0 => [[0, 100], [200, 50]][y / 2][x / 2],
            1 => [[10, 20], [30, 40]][y][x],
            _ => 255,
        });
        let out = shrink_i420(&src, 4, 4, 2).unwrap();
        assert_eq!(out, vec![0, 100, 200, 50, 25, 255]);
    }

    #[test]
    fn odd_output_sizes_clip_the_last_chroma_block() {
        // 6x2 by 2 -> 3x1 luma, chroma 3x1 -> 2x1 (the second block has one column).
        let src = frame(6, 2, |plane, x, _| match plane {
            0 => x as u8,
            1 => [10, 20, 90][x],
            _ => 7,
        });
        let out = shrink_i420(&src, 6, 2, 2).unwrap();
        assert_eq!(out, vec![1, 3, 5, 15, 90, 7, 7]); // 0.5 rounds up: (0+1)/2 -> 1
        assert_eq!(out.len(), 3 + 2 * 2);
    }

    #[test]
    fn frames_are_shrunk_only_when_the_page_shows_them_small() {
        use crate::wire::StreamId;
        let header = FrameHeader {
            stream: StreamId::LocalPreview,
            mirrored: true,
            width: 8,
            height: 4,
            shrink: 1,
            frame_number: 9,
            capture_time_us: 5,
            sent_time_us: 0,
        };
        let full = Frame {
            header,
            planes: Bytes::from(frame(8, 4, |_, _, _| 77)),
        };
        for want in [None, Some((8, 4)), Some((5, 3))] {
            let same = shrink_frame(&full, want);
            assert_eq!(same.header, header, "{want:?}");
            // Full size goes on as the very same planes, not a copy.
            assert_eq!(same.planes.as_ptr(), full.planes.as_ptr(), "{want:?}");
        }
        let small = shrink_frame(&full, Some((2, 1)));
        let expected = FrameHeader {
            width: 2,
            height: 1,
            shrink: 4,
            ..header
        };
        assert_eq!(small.header, expected);
        assert_eq!(small.planes.len(), expected.payload_len());
        assert!(small.planes.iter().all(|&p| p == 77));
    }

    #[test]
    fn factor_one_is_a_copy_and_bad_input_is_refused() {
        let src = frame(4, 2, |_, x, y| (x * 10 + y) as u8);
        assert_eq!(shrink_i420(&src, 4, 2, 1).unwrap(), src);
        assert!(shrink_i420(&src, 4, 2, 3).is_none());
        assert!(shrink_i420(&src, 4, 2, 0).is_none());
        assert!(shrink_i420(&src[1..], 4, 2, 2).is_none());
    }
}
