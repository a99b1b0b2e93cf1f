//! VP8 with 5% of frames lost before the decoder: the decoder asks for a keyframe, the
//! encoder sends one, and the picture recovers with every shown frame intact.

mod common;

use peercall_media::source::stamp;
use peercall_media::{TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

fn lossy(width: u32, height: u32, kbps: u32, seed: u64) {
    let pattern = TestPattern::new(width, height);
    let mut cfg = Vp8Config::new(width, height);
    cfg.bitrate_kbps = kbps;
    let mut enc = Vp8Encoder::new(cfg).expect("vp8 encoder");
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    let mut rng = common::Rng::new(seed);
    let (mut lost, mut shown, mut keyframes) = (0u32, 0u32, 0u32);
    let mut waiting_since: Option<u64> = None;
    let mut longest_freeze = 0u64;
    for n in 0..300u64 {
        // The receiver's PLI reaches the sender before the next frame is encoded.
        if dec.needs_keyframe() && n > 0 {
            enc.request_keyframe();
        }
        let src = pattern.render(n, n * 33_333);
        let p = enc.encode(&src, false).expect("vp8 encode").remove(0);
        keyframes += u32::from(p.keyframe);
        if n > 0 && rng.chance(0.05) {
            lost += 1;
            dec.report_loss();
            waiting_since.get_or_insert(n);
            continue;
        }
        match dec.decode(&p.data).expect("vp8 decode") {
            Some(out) => {
                shown += 1;
                let s = stamp::read(&out).expect("every shown frame has a readable stamp");
                assert_eq!(u64::from(s.frame_number), n, "no stale or repeated frame");
                // Quality right after each recovery, and on every 5th frame.
                if waiting_since.is_some() || n % 5 == 0 {
                    let psnr = src.psnr_y(&out);
                    assert!(psnr > 24.0, "frame {n} is clean: {psnr:.1} dB");
                }
                if let Some(since) = waiting_since.take() {
                    longest_freeze = longest_freeze.max(n - since);
                }
            }
            None => assert!(dec.needs_keyframe(), "only skipped while waiting"),
        }
    }
    eprintln!("{width}x{height}: lost {lost}, shown {shown}, keyframes {keyframes}, longest freeze {longest_freeze} frames");
    assert!((5..=30).contains(&lost), "about 5% lost: {lost}");
    assert!(keyframes > lost / 2, "keyframes were sent on request");
    assert!(
        longest_freeze <= 2,
        "recovered at the next frame after a PLI"
    );
    assert!(
        shown + 2 * lost >= 300,
        "every frame except lost ones and one per loss shown"
    );
}

#[test]
fn vga_recovers_from_5_percent_loss() {
    lossy(640, 480, 500, 7);
}

#[test]
fn hd_recovers_from_5_percent_loss() {
    lossy(1280, 720, 1200, 11);
}
