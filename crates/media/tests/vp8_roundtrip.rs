//! Test pattern → VP8 encode → decode: quality and every frame's stamp.

use peercall_media::source::stamp;
use peercall_media::{TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

/// Lowest mean luma PSNR accepted (dB).
const MEAN_PSNR_MIN: f64 = 36.0;
/// Lowest single-frame luma PSNR accepted (dB).
const FRAME_PSNR_MIN: f64 = 30.0;

fn roundtrip(width: u32, height: u32, kbps: u32, threads: u32, frames: u64) {
    let pattern = TestPattern::new(width, height);
    let mut cfg = Vp8Config::new(width, height);
    cfg.bitrate_kbps = kbps;
    cfg.threads = threads;
    let mut enc = Vp8Encoder::new(cfg).expect("vp8 encoder");
    let mut dec = Vp8Decoder::new(threads).expect("vp8 decoder");
    let (mut psnr_sum, mut psnr_min, mut bytes) = (0.0, f64::INFINITY, 0usize);
    for n in 0..frames {
        let t = 1_763_700_000_000_000 + n * 33_333;
        let src = pattern.render(n, t);
        let packets = enc.encode(&src, false).expect("vp8 encode");
        assert_eq!(packets.len(), 1, "one packet per frame (no frame dropping)");
        let p = &packets[0];
        assert_eq!(p.keyframe, n == 0, "only the first frame is a keyframe");
        bytes += p.data.len();
        let out = dec
            .decode(&p.data)
            .expect("vp8 decode")
            .expect("a picture per frame");
        assert_eq!((out.width, out.height), (width, height));
        let s = stamp::read(&out).unwrap_or_else(|| panic!("stamp unreadable at frame {n}"));
        assert_eq!(u64::from(s.frame_number), n);
        assert_eq!(s.capture_time_near(t + 50_000), t);
        // PSNR on every 5th frame keeps the debug-build test quick.
        if n % 5 == 0 {
            let psnr = src.psnr_y(&out);
            psnr_sum += psnr;
            psnr_min = psnr_min.min(psnr);
        }
    }
    let mean = psnr_sum / (frames / 5) as f64;
    let kbps_out = bytes as f64 * 8.0 * 30.0 / frames as f64 / 1000.0;
    eprintln!("{width}x{height} @ {kbps} kbps target: {kbps_out:.0} kbps out, PSNR mean {mean:.1} dB, min {psnr_min:.1} dB");
    assert!(mean >= MEAN_PSNR_MIN, "mean PSNR {mean:.1} dB");
    assert!(psnr_min >= FRAME_PSNR_MIN, "min PSNR {psnr_min:.1} dB");
    if frames >= 300 {
        // Over 10 s the first keyframe no longer dominates the average.
        assert!(
            kbps_out < f64::from(kbps) * 1.5,
            "bitrate respected: {kbps_out:.0} kbps"
        );
    }
}

#[test]
fn vga_300_frames_at_500_kbps() {
    roundtrip(640, 480, 500, 1, 300);
}

#[test]
fn hd_300_frames_at_1200_kbps() {
    roundtrip(1280, 720, 1200, 1, 300);
}

#[test]
fn hd_with_two_threads() {
    // libvpx threads spin while waiting; on a loaded 2-core runner keep this one short.
    roundtrip(1280, 720, 1200, 2, 30);
}

#[test]
fn bitrate_change_and_keyframe_request_take_effect() {
    let pattern = TestPattern::new(320, 240);
    let mut cfg = Vp8Config::new(320, 240);
    cfg.bitrate_kbps = 800;
    let mut enc = Vp8Encoder::new(cfg).unwrap();
    let mut sizes = Vec::new();
    for n in 0..60u64 {
        if n == 30 {
            enc.set_bitrate(60).unwrap();
        }
        if n == 45 {
            enc.request_keyframe();
        }
        let p = enc.encode(&pattern.render(n, n * 33_333), false).unwrap();
        assert_eq!(p[0].keyframe, n == 0 || n == 45, "frame {n}");
        sizes.push(p.iter().map(|p| p.data.len()).sum::<usize>());
    }
    let before: usize = sizes[20..30].iter().sum();
    let after: usize = sizes[35..45].iter().sum();
    assert!(
        after * 2 < before,
        "lower bitrate, smaller frames: {before} → {after}"
    );
    assert_eq!(enc.config().bitrate_kbps, 60);
}

#[test]
fn frame_dropping_when_allowed_keeps_a_starved_stream_near_its_target() {
    let (w, h, kbps) = (640, 480, 150);
    let pattern = TestPattern::new(w, h);
    let mut cfg = Vp8Config::new(w, h);
    cfg.bitrate_kbps = kbps;
    cfg.frame_drop_threshold = 30;
    let mut enc = Vp8Encoder::new(cfg).unwrap();
    let mut dec = Vp8Decoder::new(1).unwrap();
    let (mut bytes, mut sent) = (0usize, 0u32);
    for n in 0..150u64 {
        for p in enc.encode(&pattern.render(n, n * 33_333), false).unwrap() {
            if n >= 30 {
                bytes += p.data.len();
            }
            sent += 1;
            // A skipped frame is not a loss: what is sent still decodes in order.
            let out = dec.decode(&p.data).unwrap().expect("picture");
            assert_eq!(u64::from(stamp::read(&out).unwrap().frame_number), n);
        }
    }
    let out_kbps = bytes * 8 / 4 / 1000;
    eprintln!("{w}x{h} @ {kbps} kbps with frame dropping: {sent}/150 frames sent, {out_kbps} kbps");
    assert!(sent < 150, "some frames were skipped");
    assert!(out_kbps as u32 <= kbps * 13 / 10, "{out_kbps} kbps");
}

#[test]
fn a_new_frame_size_restarts_with_a_keyframe() {
    let mut enc = Vp8Encoder::new(Vp8Config::new(320, 240)).unwrap();
    let mut dec = Vp8Decoder::new(1).unwrap();
    let a = enc
        .encode(&TestPattern::new(320, 240).render(0, 0), false)
        .unwrap();
    let b = enc
        .encode(&TestPattern::new(640, 360).render(1, 1), false)
        .unwrap();
    assert!(b[0].keyframe);
    assert_eq!(dec.decode(&a[0].data).unwrap().unwrap().width, 320);
    assert_eq!(dec.decode(&b[0].data).unwrap().unwrap().width, 640);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let mut dec = Vp8Decoder::new(1).unwrap();
    // Looks like a keyframe (bit 0 clear) but is not VP8.
    let junk: Vec<u8> = (0..500u32).map(|i| (i * 7 + 2) as u8 & 0xFE).collect();
    assert!(dec.decode(&junk).is_err() || dec.needs_keyframe());
    assert!(Vp8Encoder::new(Vp8Config::new(0, 10)).is_err());
}

#[test]
fn stamps_survive_starved_bitrates() {
    // Far below what the picture needs: quality drops, the stamp must still read.
    for (w, h, kbps) in [(320, 240, 80), (640, 480, 150), (1280, 720, 300)] {
        let pattern = TestPattern::new(w, h);
        let mut cfg = Vp8Config::new(w, h);
        cfg.bitrate_kbps = kbps;
        let mut enc = Vp8Encoder::new(cfg).unwrap();
        let mut dec = Vp8Decoder::new(1).unwrap();
        let mut bytes = 0;
        for n in 0..90u64 {
            let p = enc.encode(&pattern.render(n, n * 33_333), false).unwrap();
            if n >= 30 {
                bytes += p[0].data.len();
            }
            let out = dec.decode(&p[0].data).unwrap().unwrap();
            let s = stamp::read(&out).unwrap_or_else(|| panic!("{w}x{h} @ {kbps}: frame {n}"));
            assert_eq!(u64::from(s.frame_number), n);
        }
        eprintln!(
            "{w}x{h} @ {kbps} kbps: {} kbps out, all 90 stamps read",
            bytes * 8 / 3 / 1000
        );
    }
}

#[test]
fn odd_frame_sizes_round_trip() {
    let (w, h) = (321, 241);
    let pattern = TestPattern::new(w, h);
    let mut enc = Vp8Encoder::new(Vp8Config::new(w, h)).unwrap();
    let mut dec = Vp8Decoder::new(1).unwrap();
    for n in 0..10u64 {
        let src = pattern.render(n, n);
        let p = enc.encode(&src, false).unwrap();
        let out = dec.decode(&p[0].data).unwrap().unwrap();
        assert_eq!((out.width, out.height), (w, h));
        assert_eq!(out.data.len(), src.data.len());
        assert_eq!(u64::from(stamp::read(&out).unwrap().frame_number), n);
        assert!(src.psnr_y(&out) > 30.0);
    }
}
