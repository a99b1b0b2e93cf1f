use super::*;

const L480: Level = Level {
    width: 640,
    height: 480,
    fps: 30,
};
const L360: Level = Level {
    width: 480,
    height: 360,
    fps: 30,
};
const L240: Level = Level {
    width: 320,
    height: 240,
    fps: 30,
};

#[test]
fn ladders_step_by_about_three_fifths_with_even_sizes() {
    let l = ladder(640, 480, 30);
    let sizes: Vec<_> = l.iter().map(|l| (l.width, l.height, l.fps)).collect();
    assert_eq!(
        sizes,
        [
            (640, 480, 30),
            (480, 360, 30),
            (320, 240, 30),
            (240, 180, 30),
            (160, 120, 30),
            (160, 120, 15),
            (160, 120, 10)
        ]
    );
    let hd: Vec<_> = ladder(1280, 720, 30)
        .iter()
        .map(|l| (l.width, l.height, l.fps))
        .collect();
    assert_eq!(
        hd,
        [
            (1280, 720, 30),
            (960, 540, 30),
            (640, 360, 30),
            (480, 270, 30),
            (320, 180, 30),
            (240, 134, 30),
            (160, 90, 30),
            (160, 90, 15),
            (160, 90, 10)
        ]
    );
    for l in ladder(1280, 720, 30).iter().chain(&ladder(640, 480, 30)) {
        assert!(l.width % 2 == 0 && l.height % 2 == 0);
    }
    // A 15 fps camera has no reduced-rate rung but still the 10 fps floor.
    assert_eq!(
        ladder(640, 480, 15).iter().filter(|l| l.fps == 15).count(),
        5
    );
    // Each level needs less than the one before.
    for w in ladder(1280, 720, 30).windows(2) {
        assert!(min_kbps(w[1]) < min_kbps(w[0]), "{w:?}");
    }
    assert_eq!(
        (min_kbps(L480), min_kbps(L360), min_kbps(L240)),
        (302, 191, 100)
    );
}

/// A crude encoder: QP rises as the target falls below what the level needs.
fn model_qp(level: Level, target: u32) -> u8 {
    (60.0 * f64::from(min_kbps(level)) / f64::from(target.max(1))).min(127.0) as u8
}

/// Runs a target profile (kbit/s per 100 ms tick) at 30 fps; returns the steps with the
/// second they happened at.
fn run(profile: &[(u32, u32)], qp: impl Fn(Level, u32) -> u8) -> (Vec<(f64, Step)>, Adapter) {
    let t0 = Instant::now();
    let mut a = Adapter::new(AdaptConfig::default(), 640, 480, 30, profile[0].1, t0);
    let mut steps = Vec::new();
    let mut frame = 0u64;
    let mut elapsed = 0u32; // seconds
    for &(secs, target) in profile {
        for _ in 0..secs * 30 {
            let now = t0 + Duration::from_micros(frame * 33_333);
            if let Some(s) = a.update(now, target) {
                steps.push((frame as f64 / 30.0, s));
            }
            if a.keep_frame(frame * 33_333, 30) {
                a.on_encoded(qp(a.level(), target));
            }
            frame += 1;
        }
        elapsed += secs;
    }
    let _ = elapsed;
    (steps, a)
}

fn sizes(steps: &[(f64, Step)]) -> Vec<(u32, u32, u32, Reason)> {
    steps
        .iter()
        .map(|(_, s)| (s.to.width, s.to.height, s.to.fps, s.reason))
        .collect()
}

#[test]
fn a_falling_then_recovering_target_steps_down_then_back_up() {
    // (seconds, kbit/s): plenty, a 500 kbit/s link's share, a crash, the link frees.
    let (steps, a) = run(&[(10, 833), (20, 350), (20, 150), (30, 900)], model_qp);
    for (t, s) in &steps {
        eprintln!(
            "{t:5.1} s  {}x{}@{} → {}x{}@{}  {:?}",
            s.from.width, s.from.height, s.from.fps, s.to.width, s.to.height, s.to.fps, s.reason
        );
    }
    assert_eq!(
        sizes(&steps),
        [
            (320, 240, 30, Reason::Bitrate),
            (480, 360, 30, Reason::Up),
            (640, 480, 30, Reason::Up)
        ]
    );
    // Down within ~1 s of the crash (t = 30 s); back at full size within 10 s of the
    // link freeing (t = 50 s).
    assert!(steps[0].0 > 30.0 && steps[0].0 < 31.5, "{}", steps[0].0);
    assert!(steps[2].0 < 60.0, "{}", steps[2].0);
    assert_eq!(a.level(), L480);
}

#[test]
fn a_500_kbit_sawtooth_settles_one_step_down_without_oscillating() {
    // GCC's sawtooth on a 500 kbit/s link, 3 s period, 250..400 kbit/s left for video.
    let mut profile = vec![(5, 833)];
    for _ in 0..20 {
        profile.extend([(1, 400), (1, 300), (1, 250)]);
    }
    let (steps, a) = run(&profile, model_qp);
    assert_eq!(sizes(&steps), [(480, 360, 30, Reason::Bitrate)]);
    assert_eq!(a.level(), L360);
}

#[test]
fn very_low_rates_shrink_the_picture_and_keep_the_frame_rate() {
    let (steps, a) = run(&[(5, 833), (10, 80), (10, 50)], model_qp);
    assert_eq!(
        sizes(&steps),
        [
            (240, 180, 30, Reason::Bitrate),
            (160, 120, 30, Reason::Bitrate)
        ]
    );
    assert_eq!(a.level().fps, 30);
    let (steps, _) = run(&[(5, 833), (10, 10)], model_qp);
    assert_eq!(
        steps.last().map(|s| s.1.to.fps),
        Some(10),
        "only the smallest size slows down, never below 10 fps"
    );
    assert!(steps
        .iter()
        .all(|s| s.1.to.fps == 30 || s.1.to.pixels() == 160 * 120));
}

#[test]
fn high_qp_steps_down_every_check_first_2_s_then_5_s() {
    // Plenty of bitrate but QP stuck high (hard content): one step per window.
    let (steps, _) = run(&[(13, 2_000)], |_, _| 100);
    let times: Vec<f64> = steps.iter().map(|s| s.0).collect();
    assert_eq!(sizes(&steps)[0], (480, 360, 30, Reason::QpHigh));
    assert!(
        (times[0] - 2.0).abs() < 0.1
            && (times[1] - 7.0).abs() < 0.1
            && (times[2] - 12.0).abs() < 0.1,
        "{times:?}"
    );
}

#[test]
fn high_qp_while_the_target_climbs_waits_for_the_encoder_to_catch_up() {
    // The start of a call: the estimate climbs from 300 kbit/s; the encoder's QP lags it
    // and is high for the first seconds, then falls as the bits arrive.
    let climb: Vec<(u32, u32)> = (0..4)
        .map(|s| (1, 300 + s * 180))
        .chain([(10, 900)])
        .collect();
    let (steps, a) = run(&climb, |l, t| if t < 800 { 100 } else { model_qp(l, t) });
    assert!(
        steps.iter().all(|s| s.1.reason != Reason::QpHigh),
        "shrank while the target climbed: {:?}",
        sizes(&steps)
    );
    assert_eq!(a.level(), L480, "{:?}", sizes(&steps));
    // The same QP at a flat target is a reason.
    let (steps, _) = run(&[(3, 480)], |_, _| 100);
    assert_eq!(steps.first().map(|s| s.1.reason), Some(Reason::QpHigh));
}

#[test]
fn qp_flip_flop_backs_off_instead_of_oscillating() {
    // Full size always gives QP 100 (too high), one step down gives QP 20 (low).
    let (steps, a) = run(&[(180, 2_000)], |l, _| if l == L480 { 100 } else { 20 });
    let ups = steps.iter().filter(|s| s.1.reason == Reason::Up).count();
    for (t, s) in &steps {
        eprintln!(
            "{t:6.1} s  → {}x{}  {:?}",
            s.to.width, s.to.height, s.reason
        );
    }
    // Without back-off it would go up and down every ~7 s (≈ 25 times in 3 min).
    assert!(ups <= 5, "{ups} steps up in 3 minutes");
    let gaps: Vec<f64> = steps
        .windows(2)
        .filter(|w| w[1].1.reason == Reason::Up)
        .map(|w| w[1].0 - w[0].0)
        .collect();
    assert!(
        gaps.windows(2).all(|g| g[1] >= g[0]),
        "waits grow: {gaps:?}"
    );
    assert!(a.level() == L480 || a.level() == L360);
}

#[test]
fn middling_qp_after_a_bitrate_step_still_comes_back_but_not_after_a_qp_step() {
    // QP 50 everywhere: neither low nor high.
    let (steps, a) = run(&[(5, 833), (5, 150), (10, 900)], |_, _| 50);
    assert_eq!(steps.last().map(|s| s.1.reason), Some(Reason::Up));
    assert_eq!(a.level(), L480);
    // After a QP step down, QP 50 is not low enough to go back up.
    let (steps, a) = run(&[(2, 2_000), (1, 2_000), (20, 2_000)], |l, _| {
        if l == L480 {
            100
        } else {
            50
        }
    });
    assert_eq!(sizes(&steps), [(480, 360, 30, Reason::QpHigh)]);
    assert_eq!(a.level(), L360);
}

#[test]
fn encoder_dropping_most_frames_steps_down() {
    let t0 = Instant::now();
    let mut a = Adapter::new(AdaptConfig::default(), 640, 480, 30, 2_000, t0);
    let mut step = None;
    for f in 0..90u64 {
        let now = t0 + Duration::from_micros(f * 33_333);
        step = step.or(a.update(now, 2_000));
        if f % 3 == 0 {
            a.on_encoded(40);
        } else {
            a.on_dropped();
        }
    }
    assert_eq!(
        step.map(|s| (s.to, s.reason)),
        Some((L360, Reason::FramesDropped))
    );
}

#[test]
fn starts_at_the_level_the_initial_target_allows() {
    let t0 = Instant::now();
    assert_eq!(
        Adapter::new(AdaptConfig::default(), 640, 480, 30, 833, t0).level(),
        L480
    );
    assert_eq!(
        Adapter::new(AdaptConfig::default(), 640, 480, 30, 200, t0).level(),
        L360
    );
    assert_eq!(
        Adapter::new(AdaptConfig::default(), 640, 480, 30, 120, t0).level(),
        L240
    );
}

#[test]
fn frame_rate_decimation_keeps_an_even_cadence() {
    let t0 = Instant::now();
    let mut a = Adapter::new(AdaptConfig::default(), 640, 480, 30, 22, t0);
    assert_eq!(a.level().fps, 15);
    // 30 fps with ±3 ms jitter → 15 kept per second, none two in a row.
    let kept: Vec<bool> = (0..60u64)
        .map(|n| a.keep_frame(n * 33_333 + [0, 3_000, 0, 1_000][n as usize % 4], 30))
        .collect();
    assert_eq!(kept.iter().filter(|&&k| k).count(), 30);
    assert!(kept.windows(2).all(|w| !(w[0] && w[1])));
    // After a 2 s gap (camera off) the next frame is kept at once.
    assert!(a.keep_frame(60 * 33_333 + 2_000_000, 30));
    // At the full rate everything is kept.
    let mut full = Adapter::new(AdaptConfig::default(), 640, 480, 30, 833, t0);
    assert!((0..30u64).all(|n| full.keep_frame(n * 33_333, 30)));
}

#[test]
fn a_pause_restarts_the_holds_and_the_window() {
    let t0 = Instant::now();
    let mut a = Adapter::new(AdaptConfig::default(), 640, 480, 30, 833, t0);
    let at = |ms| t0 + Duration::from_millis(ms);
    assert_eq!(a.update(at(0), 200), None);
    // Camera off for 10 s: the low target seen before does not count as held.
    assert_eq!(a.update(at(10_000), 200), None);
    assert_eq!(a.update(at(10_500), 200), None);
    let step = a
        .update(at(11_000), 200)
        .expect("held for 1 s after the pause");
    assert_eq!((step.to, step.reason), (L360, Reason::Bitrate));
}

#[test]
fn keyframe_requests_are_honoured_at_most_every_300_ms() {
    let t0 = Instant::now();
    let mut g = KeyframeGate::default();
    let at = |ms| t0 + Duration::from_millis(ms);
    let honoured: Vec<u64> = [0, 100, 250, 300, 350, 700, 1_000, 1_001]
        .into_iter()
        .filter(|&ms| g.allow(at(ms)))
        .collect();
    assert_eq!(honoured, [0, 300, 700, 1_000]);
}

#[test]
fn a_keyframe_sent_before_the_peer_was_heard_from_does_not_hold_back_its_request() {
    let t0 = Instant::now();
    let mut g = KeyframeGate::default();
    let at = |ms| t0 + Duration::from_millis(ms);
    assert!(
        g.allow(at(0)),
        "the first keyframe, into the peer's SRTP gap"
    );
    assert!(!g.allow(at(50)));
    g.forget(); // the peer's first RTCP
    assert!(
        g.allow(at(60)),
        "the peer's request right after it is honoured"
    );
    assert!(!g.allow(at(100)), "and the gate holds again from there");
}
