use super::*;
use crate::{TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

/// `frames` frames of the moving test pattern, encoded at 320x240.
fn encode(frames: u64, discardable_frames: bool) -> Vec<Vec<u8>> {
    let pattern = TestPattern::new(320, 240);
    let mut enc = Vp8Encoder::new(Vp8Config {
        discardable_frames,
        ..Vp8Config::new(320, 240)
    })
    .expect("vp8 encoder");
    (0..frames)
        .flat_map(|n| {
            enc.encode(&pattern.render(n, n * 33_333), false)
                .expect("vp8 encode")
        })
        .map(|f| f.data)
        .collect()
}

fn headers(frames: &[Vec<u8>]) -> Vec<Vp8Header> {
    frames
        .iter()
        .map(|f| vp8_header(f).expect("a whole frame parses"))
        .collect()
}

#[test]
fn references_and_skippable_frames_alternate() {
    let h = headers(&encode(90, true));
    assert_eq!(h.len(), 90);
    assert!(h[0].keyframe);
    for n in 1..89 {
        assert!(!h[n].keyframe, "frame {n}");
        assert_eq!(h[n].updates_references, n % 2 == 0, "frame {n}");
        assert_eq!(h[n].skippable_before(&h[n + 1]), n % 2 == 1, "frame {n}");
    }
}

#[test]
fn without_the_pattern_no_frame_is_skippable() {
    let h = headers(&encode(30, false));
    for n in 1..29 {
        assert!(h[n].updates_references, "frame {n}");
        assert!(!h[n].skippable_before(&h[n + 1]), "frame {n}");
    }
}

#[test]
fn skipping_the_skippable_frames_leaves_the_others_exactly_as_they_were() {
    let frames = encode(90, true);
    let h = headers(&frames);
    let mut all = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut skipping = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut compared = 0;
    for (n, f) in frames.iter().enumerate() {
        let full = all.decode(f).expect("decode").expect("a picture");
        if h.get(n + 1).is_some_and(|next| h[n].skippable_before(next)) {
            continue;
        }
        let kept = skipping.decode(f).expect("decode").expect("a picture");
        assert!(
            full.data == kept.data,
            "frame {n} differs once others are skipped"
        );
        compared += 1;
    }
    assert_eq!(compared, 46);
}

#[test]
fn a_frame_that_changes_segmentation_is_skippable_only_before_one_that_rewrites_it() {
    let frame = |segmentation| Vp8Header {
        keyframe: false,
        updates_references: false,
        segmentation,
    };
    let key = Vp8Header {
        keyframe: true,
        updates_references: true,
        segmentation: Segmentation::Off,
    };
    use Segmentation::{Kept, Off, Partial, Rewritten};
    // (this frame, the next, skippable)
    for (this, next, ok) in [
        (Kept, Kept, true),
        (Kept, Off, true),
        (Rewritten, Rewritten, true),
        (Partial, Rewritten, true),
        (Off, Rewritten, true),
        (Rewritten, Kept, false),
        (Rewritten, Partial, false),
        (Rewritten, Off, false),
        (Partial, Kept, false),
        (Off, Kept, false),
    ] {
        assert_eq!(
            frame(this).skippable_before(&frame(next)),
            ok,
            "{this:?} {next:?}"
        );
        assert!(
            frame(this).skippable_before(&key),
            "{this:?} before a keyframe"
        );
    }
    let reference = Vp8Header {
        updates_references: true,
        ..frame(Kept)
    };
    assert!(!reference.skippable_before(&frame(Rewritten)));
    assert!(!key.skippable_before(&frame(Rewritten)));
}

#[test]
fn the_first_packet_of_a_frame_is_enough() {
    for f in encode(10, true).iter().skip(1) {
        let whole = vp8_header(f).expect("parses");
        // An RTP packet holds ~1200 bytes; the fields sit in the first few.
        assert_eq!(vp8_header(&f[..f.len().min(40)]), Some(whole));
    }
}

#[test]
fn short_or_garbled_input_is_no_answer_or_an_answer_never_a_panic() {
    assert_eq!(vp8_header(&[]), None);
    assert_eq!(vp8_header(&[1, 2]), None);
    // An interframe tag with nothing after it.
    assert_eq!(vp8_header(&[1, 0, 0]), None);
    let mut x = 0x9e37_79b9_u32;
    for len in 0..200 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = vp8_header(&bytes);
    }
}

#[test]
fn skipping_a_reference_frame_instead_shows() {
    // The control for the test above: the comparison does catch a frame that mattered.
    let frames = encode(10, true);
    let mut all = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut skipping = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut differs = false;
    for (n, f) in frames.iter().enumerate() {
        let full = all.decode(f).expect("decode").expect("a picture");
        if n == 2 {
            continue; // a reference
        }
        if let Some(kept) = skipping.decode(f).expect("decode") {
            differs |= n > 2 && full.data != kept.data;
        }
    }
    assert!(differs);
}

#[test]
fn skipping_at_random_at_a_call_s_settings_never_breaks_decoding() {
    let pattern = TestPattern::new(640, 480);
    let mut enc = Vp8Encoder::new(Vp8Config {
        bitrate_kbps: 833,
        frame_drop_threshold: 30,
        discardable_frames: true,
        ..Vp8Config::new(640, 480)
    })
    .expect("vp8 encoder");
    let frames: Vec<Vec<u8>> = (0..300u64)
        .flat_map(|n| {
            enc.encode(&pattern.render(n, n * 33_333), false)
                .expect("vp8 encode")
        })
        .map(|f| f.data)
        .collect();
    let h = headers(&frames);
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut x = 12_345u32;
    let mut skipped = 0;
    for (n, f) in frames.iter().enumerate() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if x.is_multiple_of(3) && h.get(n + 1).is_some_and(|next| h[n].skippable_before(next)) {
            skipped += 1;
            continue;
        }
        let out = dec.decode(f).expect("vp8 decode");
        assert!(out.is_some(), "frame {n} after {skipped} skipped");
    }
    assert!(skipped > 30, "{skipped}");
}

#[test]
fn a_starved_encoder_stays_decodable_dropping_frames_only_without_the_pattern() {
    // 150 kbit/s is starved at 640x480; a size change re-creates the encoder. libvpx's
    // rate control drops frames only without discardable frames (see `Vp8Config`): with
    // them, dropping one left the next frame undecodable.
    for discardable_frames in [true, false] {
        let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
        let mut n = 0u64;
        let mut dropped = 0;
        for (w, h, kbps) in [(640u32, 480u32, 150u32), (480, 360, 150), (640, 480, 833)] {
            let pattern = TestPattern::new(w, h);
            let mut enc = Vp8Encoder::new(Vp8Config {
                bitrate_kbps: kbps,
                frame_drop_threshold: 30,
                discardable_frames,
                ..Vp8Config::new(w, h)
            })
            .expect("vp8 encoder");
            for _ in 0..60 {
                n += 1;
                let src = pattern.render(n, n * 33_333);
                for f in enc.encode(&src, false).expect("vp8 encode") {
                    let out = dec.decode(&f.data).expect("vp8 decode");
                    assert!(
                        out.is_some(),
                        "{w}x{h} frame {n}: {:?}",
                        vp8_header(&f.data)
                    );
                }
            }
            dropped += enc.frames_dropped();
        }
        assert_eq!(dropped > 0, !discardable_frames, "{dropped} dropped");
    }
}

#[test]
fn turning_the_pattern_on_and_off_while_starved_stays_decodable() {
    let pattern = TestPattern::new(640, 480);
    let mut enc = Vp8Encoder::new(Vp8Config {
        bitrate_kbps: 150,
        frame_drop_threshold: 30,
        ..Vp8Config::new(640, 480)
    })
    .expect("vp8 encoder");
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut skippable = 0;
    let mut previous: Option<Vp8Header> = None;
    for n in 0..240u64 {
        enc.set_discardable_frames((n / 20) % 2 == 1)
            .expect("switch");
        for f in enc
            .encode(&pattern.render(n, n * 33_333), false)
            .expect("vp8 encode")
        {
            let h = vp8_header(&f.data).expect("parses");
            skippable += usize::from(previous.is_some_and(|p| p.skippable_before(&h)));
            previous = Some(h);
            let out = dec.decode(&f.data).expect("vp8 decode");
            assert!(out.is_some(), "frame {n}: {h:?}");
        }
    }
    assert!(enc.frames_dropped() > 0);
    assert!(skippable > 20, "{skippable}");
}
