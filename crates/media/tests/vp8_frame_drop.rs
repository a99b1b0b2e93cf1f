//! VP8 rate control under a bitrate far below what the picture needs: with libvpx frame
//! dropping on, frames are skipped rather than the budget overshot, a frame still comes
//! out at least every 2 s, a requested keyframe comes out, QP is reported on the 0–127
//! scale, and a size change mid-stream decodes without a hitch.

use peercall_media::{TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

const FRAME_US: u64 = 33_333;

fn encoder(width: u32, height: u32, kbps: u32, drop: u32) -> Vp8Encoder {
    let mut cfg = Vp8Config::new(width, height);
    cfg.bitrate_kbps = kbps;
    cfg.frame_drop_threshold = drop;
    Vp8Encoder::new(cfg).expect("vp8 encoder")
}

#[test]
fn tiny_bitrate_drops_frames_and_forces_one_every_two_seconds() {
    let (w, h) = (640, 480);
    let pattern = TestPattern::new(w, h);
    let mut enc = encoder(w, h, 20, 30);
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    let (mut out_frames, mut bytes, mut longest_gap, mut last_out) = (0u32, 0usize, 0u64, 0u64);
    let mut keyframe_asked_at = None;
    let mut keyframe_seen_after_ask = false;
    for n in 0..300u64 {
        let t = n * FRAME_US;
        if n == 200 {
            enc.request_keyframe();
            keyframe_asked_at = Some(n);
        }
        let packets = enc.encode(&pattern.render(n, t), false).expect("encode");
        for p in &packets {
            out_frames += 1;
            bytes += p.data.len();
            longest_gap = longest_gap.max(t - last_out);
            last_out = t;
            if keyframe_asked_at.is_some() && p.keyframe {
                keyframe_seen_after_ask = true;
                assert_eq!(
                    keyframe_asked_at,
                    Some(n),
                    "a requested keyframe is never dropped"
                );
            }
            dec.decode(&p.data).expect("decodes");
            assert!(enc.last_qp().is_some_and(|q| q <= 127));
        }
    }
    let dropped = enc.frames_dropped();
    eprintln!(
        "640x480 at 20 kbps: {out_frames} of 300 frames encoded, {dropped} dropped, \
         longest gap {} ms, {} kbit/s out, last QP {:?}",
        longest_gap / 1000,
        bytes * 8 * 30 / 300 / 1000,
        enc.last_qp()
    );
    assert!(dropped >= 30, "rate control dropped frames: {dropped}");
    assert_eq!(u64::from(out_frames) + dropped, 300);
    assert!(
        longest_gap <= 2_000_000 + 2 * FRAME_US,
        "a frame at least every 2 s (longest gap {longest_gap} µs)"
    );
    assert!(keyframe_seen_after_ask, "the requested keyframe came out");
}

#[test]
fn without_a_threshold_nothing_is_dropped() {
    let (w, h) = (320, 240);
    let pattern = TestPattern::new(w, h);
    let mut enc = encoder(w, h, 20, 0);
    for n in 0..60u64 {
        let packets = enc.encode(&pattern.render(n, n * FRAME_US), false).unwrap();
        assert_eq!(packets.len(), 1);
    }
    assert_eq!(enc.frames_dropped(), 0);
}

#[test]
fn qp_is_low_with_plenty_of_bits_and_high_with_few() {
    let qp_at = |kbps: u32| {
        let pattern = TestPattern::new(320, 240);
        let mut enc = encoder(320, 240, kbps, 0);
        let mut sum = 0u32;
        for n in 0..90u64 {
            enc.encode(&pattern.render(n, n * FRAME_US), false).unwrap();
            if n >= 30 {
                sum += u32::from(enc.last_qp().unwrap());
            }
        }
        sum / 60
    };
    let (rich, poor) = (qp_at(2_000), qp_at(30));
    eprintln!("320x240 test pattern: mean QP {rich} at 2000 kbps, {poor} at 30 kbps");
    assert!(rich < poor, "QP {rich} (2000 kbps) < {poor} (30 kbps)");
    assert!(poor > 63, "the 0-127 scale, not 0-63: {poor}");
}

#[test]
fn size_change_mid_stream_starts_with_a_keyframe_the_decoder_follows() {
    let mut enc = encoder(640, 480, 600, 30);
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    let sizes = [(640, 480), (480, 360), (320, 240), (480, 360), (640, 480)];
    let mut n = 0u64;
    for (w, h) in sizes {
        let pattern = TestPattern::new(w, h);
        for k in 0..15 {
            let packets = enc.encode(&pattern.render(n, n * FRAME_US), false).unwrap();
            for p in packets {
                assert_eq!(p.keyframe, k == 0, "keyframe exactly at the size change");
                let pic = dec.decode(&p.data).unwrap().expect("a picture");
                assert_eq!((pic.width, pic.height), (w, h));
            }
            n += 1;
        }
    }
}
