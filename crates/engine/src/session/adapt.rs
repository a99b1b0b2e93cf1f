//! Send-side adaptation, the pure core: the bandwidth estimate and the encoder's quantizer
//! in, the size and frame rate to encode at out. No clocks of its own (every call takes
//! `now`), no sockets; the video sender thread drives it.
//!
//! Modelled on libwebrtc (design note `MEDIA-ROBUSTNESS.md` §6):
//! - **Bitrate first.** The encoder always gets the whole target; the size only changes
//!   when bits per pixel fall too low for it, or QP says so.
//! - **Ladder.** Sizes are libwebrtc's `VideoAdapter` fractions of the capture size
//!   (1, 3/4, 1/2, 3/8, 1/4, …: each step about 3/5 of the pixels, even dimensions, aspect
//!   kept, floor 160x90), so 720p → 540p → 360p → 270p → 180p and 480p → 360p → 240p →
//!   180p → 120p. Once at QVGA or below the frame rate halves to 15 fps before the next
//!   size step, and the smallest size may go to 10 fps: balanced degradation, at very low
//!   rates only.
//! - **Minimum bitrate per level** ([`min_kbps`]), in the spirit of libwebrtc's
//!   `BitrateConstraint` / singlecast resolution bitrate limits (640x360: 300 kbit/s to
//!   start, 1280x720: 900): below it for [`AdaptConfig::bitrate_hold`] and the level drops
//!   straight to the largest that fits. Going up needs [`AdaptConfig::up_margin`] × the next
//!   level's minimum for [`AdaptConfig::up_hold`]: the gap between the two thresholds is the
//!   hysteresis.
//! - **Quality scaler.** Average QP (0–127, `VP8E_GET_LAST_QUANTIZER`) over a window:
//!   above 95 → one step down; at or below 29 (libwebrtc's VP8 thresholds) the next size up
//!   is allowed if the bitrate is there. ≥ 60 % of frames dropped by the encoder in a window
//!   also steps down. Windows are 2 s until the first downscale, then 5 s.
//! - **No oscillation.** After a step down, going up waits [`AdaptConfig::up_backoff`];
//!   a step down within [`AdaptConfig::flip_flop_window`] of a step up doubles that wait
//!   (up to [`AdaptConfig::max_up_backoff`]). After a step down caused by the bitrate alone
//!   a middling QP (≤ (low + high) / 2) is enough to come back, so a link that frees up is
//!   followed within seconds; after a QP-caused step, QP must be low.
//!
//! [`KeyframeGate`] honours a keyframe request at most once per 300 ms (libwebrtc's
//! `EncoderRtcpFeedback` minimum keyframe send interval), dropping requests in between.

use std::time::{Duration, Instant};

/// One rung of the ladder: what to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Encoded width (even).
    pub width: u32,
    /// Encoded height (even).
    pub height: u32,
    /// Frames per second to encode.
    pub fps: u32,
}

impl Level {
    /// Pixels per frame.
    #[must_use]
    pub fn pixels(&self) -> u32 {
        self.width * self.height
    }
}

/// Why the level changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The target bitrate is below the level's minimum.
    Bitrate,
    /// Average QP above the high threshold.
    QpHigh,
    /// The encoder dropped most frames of a window.
    FramesDropped,
    /// The bitrate allows the next level up and QP is not high.
    Up,
}

/// A change of level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Level before.
    pub from: Level,
    /// Level after.
    pub to: Level,
    /// Why.
    pub reason: Reason,
}

/// Tunables (defaults follow libwebrtc where it has a number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptConfig {
    /// QP (0–127) at or below which the picture has quality to spare (libwebrtc VP8: 29).
    pub qp_low: u8,
    /// QP above which the size steps down (libwebrtc VP8: 95).
    pub qp_high: u8,
    /// Quality-scaler window until the first downscale (libwebrtc: 2 s).
    pub first_check: Duration,
    /// Window after it (libwebrtc: 5 s).
    pub check: Duration,
    /// Frames a window needs before its QP counts (libwebrtc: 60; fewer here so 15 fps
    /// windows count too).
    pub min_qp_frames: u32,
    /// Share of frames dropped by the encoder that steps down (libwebrtc: 60 %).
    pub drop_ratio_down: f64,
    /// The target must stay below a level's minimum this long to step down.
    pub bitrate_hold: Duration,
    /// Stepping up needs this multiple of the next level's minimum bitrate.
    pub up_margin: f64,
    /// ... held this long.
    pub up_hold: Duration,
    /// No step up sooner than this after a step down.
    pub up_backoff: Duration,
    /// A step down this soon after a step up doubles the back-off.
    pub flip_flop_window: Duration,
    /// Longest back-off.
    pub max_up_backoff: Duration,
}

impl Default for AdaptConfig {
    fn default() -> Self {
        Self {
            qp_low: 29,
            qp_high: 95,
            first_check: Duration::from_secs(2),
            check: Duration::from_secs(5),
            min_qp_frames: 30,
            drop_ratio_down: 0.6,
            bitrate_hold: Duration::from_secs(1),
            up_margin: 1.3,
            up_hold: Duration::from_secs(2),
            up_backoff: Duration::from_secs(3),
            flip_flop_window: Duration::from_secs(15),
            max_up_backoff: Duration::from_secs(60),
        }
    }
}

/// Smallest picture (libwebrtc's floor, `video_encoder.h:39`).
const MIN_PIXELS: u32 = 160 * 90;
/// At or below this many pixels the frame rate goes down before the size does.
const LOW_RES_PIXELS: u32 = 320 * 240;
/// Reduced frame rate, and the floor.
const REDUCED_FPS: u32 = 15;
const MIN_FPS: u32 = 10;

/// Lowest target (kbit/s) a level is kept at: VP8 bits per pixel that still look right,
/// growing less than linearly with the pixels (as libwebrtc's resolution limits:
/// 640x360 ≈ 240, 640x480 ≈ 300, 1280x720 ≈ 730 at 30 fps) and with the frame rate
/// (a frame of a 15 fps stream costs more than one of 30: references are older).
/// 320x240 at 30 fps needs 100, GCC's floor, so the floor alone never halves the rate.
#[must_use]
pub fn min_kbps(level: Level) -> u32 {
    let pixels = f64::from(level.pixels()) / (640.0 * 360.0);
    let fps = f64::from(level.fps.max(1)) / 30.0;
    (240.0 * pixels.powf(0.8) * fps.powf(0.6)).round() as u32
}

/// The ladder for a capture size and frame rate, best level first.
#[must_use]
pub fn ladder(width: u32, height: u32, fps: u32) -> Vec<Level> {
    let fps = fps.max(1);
    let even = |v: u32| (v & !1).max(2);
    let mut sizes: Vec<(u32, u32)> = Vec::new();
    for (n, d) in [
        (1, 1),
        (3, 4),
        (1, 2),
        (3, 8),
        (1, 4),
        (3, 16),
        (1, 8),
        (3, 32),
        (1, 16),
    ] {
        let size = (even(width * n / d), even(height * n / d));
        if size.0 * size.1 < MIN_PIXELS && !sizes.is_empty() {
            break;
        }
        if sizes.last() != Some(&size) {
            sizes.push(size);
        }
    }
    let mut levels = Vec::new();
    let mut reduced = false;
    for &(w, h) in &sizes {
        if !reduced && w * h <= LOW_RES_PIXELS && fps > REDUCED_FPS {
            levels.push(Level {
                width: w,
                height: h,
                fps,
            });
            reduced = true;
        }
        let f = if reduced { REDUCED_FPS } else { fps };
        levels.push(Level {
            width: w,
            height: h,
            fps: f,
        });
    }
    if let Some(&last) = levels.last() {
        if last.fps > MIN_FPS {
            levels.push(Level {
                fps: MIN_FPS,
                ..last
            });
        }
    }
    levels
}

/// The adapter: holds the current level and decides the next.
#[derive(Debug)]
pub struct Adapter {
    cfg: AdaptConfig,
    ladder: Vec<Level>,
    index: usize,
    // Quality-scaler window.
    window_start: Instant,
    qp_sum: u64,
    qp_frames: u32,
    frames_in: u32,
    frames_dropped: u32,
    downscaled: bool,
    /// QP smoothed over about 20 frames, for the up decision between windows.
    qp_smooth: Option<f64>,
    /// The last window's verdict: QP at or below `qp_low`.
    qp_low_seen: bool,
    // Bitrate rules.
    below_since: Option<Instant>,
    above_since: Option<Instant>,
    last_down: Option<(Instant, Reason)>,
    last_up: Option<Instant>,
    up_backoff: Duration,
    // Frame-rate decimation.
    next_due_us: Option<u64>,
    last_update: Option<Instant>,
}

impl Adapter {
    /// An adapter for frames captured at `width` x `height` and `fps`, starting at the best
    /// level the initial target (kbit/s) allows.
    #[must_use]
    pub fn new(
        cfg: AdaptConfig,
        width: u32,
        height: u32,
        fps: u32,
        target_kbps: u32,
        now: Instant,
    ) -> Self {
        let ladder = ladder(width, height, fps);
        let index = fitting(&ladder, 0, target_kbps);
        Self {
            cfg,
            ladder,
            index,
            window_start: now,
            qp_sum: 0,
            qp_frames: 0,
            frames_in: 0,
            frames_dropped: 0,
            downscaled: index > 0,
            qp_smooth: None,
            qp_low_seen: false,
            below_since: None,
            above_since: None,
            last_down: None,
            last_up: None,
            up_backoff: cfg.up_backoff,
            next_due_us: None,
            last_update: None,
        }
    }

    /// What to encode now.
    #[must_use]
    pub fn level(&self) -> Level {
        self.ladder[self.index]
    }

    /// An encoded frame's QP (0–127).
    pub fn on_encoded(&mut self, qp: u8) {
        self.frames_in += 1;
        self.qp_sum += u64::from(qp);
        self.qp_frames += 1;
        let q = f64::from(qp);
        self.qp_smooth = Some(self.qp_smooth.map_or(q, |s| s + 0.05 * (q - s)));
    }

    /// A frame the encoder's rate control dropped.
    pub fn on_dropped(&mut self) {
        self.frames_in += 1;
        self.frames_dropped += 1;
    }

    /// Whether a frame captured at `capture_us` should be encoded at the current frame
    /// rate (frames in between are skipped, keeping an even cadence).
    pub fn keep_frame(&mut self, capture_us: u64, source_fps: u32) -> bool {
        let fps = self.level().fps;
        if fps >= source_fps {
            self.next_due_us = None;
            return true;
        }
        let interval = 1_000_000 / u64::from(fps.max(1));
        // Accept a frame up to a quarter interval early: camera timestamps jitter.
        let slack = interval / 4;
        match self.next_due_us {
            Some(due) if capture_us + slack < due => false,
            Some(due) if capture_us <= due + interval => {
                self.next_due_us = Some(due + interval);
                true
            }
            _ => {
                self.next_due_us = Some(capture_us + interval);
                true
            }
        }
    }

    /// Re-evaluates with the current target (kbit/s available to video). Call once per
    /// captured frame; returns the step taken, if any.
    pub fn update(&mut self, now: Instant, target_kbps: u32) -> Option<Step> {
        // After a pause (camera off) the held timers and the window describe another time.
        if self
            .last_update
            .is_some_and(|t| now.duration_since(t) > Duration::from_secs(1))
        {
            self.below_since = None;
            self.above_since = None;
            self.reset_window(now);
        }
        self.last_update = Some(now);
        let step = self
            .bitrate_down(now, target_kbps)
            .or_else(|| self.quality_check(now))
            .or_else(|| self.up(now, target_kbps));
        if step.is_some() {
            self.below_since = None;
            self.above_since = None;
        }
        step
    }

    fn bitrate_down(&mut self, now: Instant, target: u32) -> Option<Step> {
        if target >= min_kbps(self.level()) || self.index + 1 == self.ladder.len() {
            self.below_since = None;
            return None;
        }
        let since = *self.below_since.get_or_insert(now);
        if now.duration_since(since) < self.cfg.bitrate_hold {
            return None;
        }
        let to = fitting(&self.ladder, self.index + 1, target);
        Some(self.go_down(now, to, Reason::Bitrate))
    }

    fn quality_check(&mut self, now: Instant) -> Option<Step> {
        let window = if self.downscaled {
            self.cfg.check
        } else {
            self.cfg.first_check
        };
        if now.duration_since(self.window_start) < window {
            return None;
        }
        let (qp_frames, qp_sum, frames_in, dropped) = (
            self.qp_frames,
            self.qp_sum,
            self.frames_in,
            self.frames_dropped,
        );
        self.reset_window(now);
        if frames_in >= self.cfg.min_qp_frames
            && f64::from(dropped) >= self.cfg.drop_ratio_down * f64::from(frames_in)
            && self.index + 1 < self.ladder.len()
        {
            return Some(self.go_down(now, self.index + 1, Reason::FramesDropped));
        }
        if qp_frames < self.cfg.min_qp_frames {
            return None;
        }
        let avg = qp_sum as f64 / f64::from(qp_frames);
        if avg > f64::from(self.cfg.qp_high) && self.index + 1 < self.ladder.len() {
            return Some(self.go_down(now, self.index + 1, Reason::QpHigh));
        }
        self.qp_low_seen = avg <= f64::from(self.cfg.qp_low);
        None
    }

    fn up(&mut self, now: Instant, target: u32) -> Option<Step> {
        if self.index == 0 {
            return None;
        }
        let next = self.ladder[self.index - 1];
        if f64::from(target) < self.cfg.up_margin * f64::from(min_kbps(next)) {
            self.above_since = None;
            return None;
        }
        let since = *self.above_since.get_or_insert(now);
        if now.duration_since(since) < self.cfg.up_hold {
            return None;
        }
        if let Some((at, _)) = self.last_down {
            if now.duration_since(at) < self.up_backoff {
                return None;
            }
        }
        // QP must leave room: low over a whole window after a quality step down, not high
        // after a bitrate one.
        let qp = self.qp_smooth.unwrap_or(0.0);
        let mid = (f64::from(self.cfg.qp_low) + f64::from(self.cfg.qp_high)) / 2.0;
        let qp_ok = match self.last_down {
            Some((_, Reason::Bitrate)) | None => qp <= mid,
            Some(_) => self.qp_low_seen,
        };
        if !qp_ok {
            return None;
        }
        let from = self.level();
        self.index -= 1;
        self.last_up = Some(now);
        self.after_change(now);
        Some(Step {
            from,
            to: self.level(),
            reason: Reason::Up,
        })
    }

    fn go_down(&mut self, now: Instant, to: usize, reason: Reason) -> Step {
        let from = self.level();
        let flip_flop = self
            .last_up
            .is_some_and(|up| now.duration_since(up) < self.cfg.flip_flop_window);
        self.up_backoff = if flip_flop {
            (self.up_backoff * 2).min(self.cfg.max_up_backoff)
        } else {
            self.cfg.up_backoff
        };
        self.index = to.min(self.ladder.len() - 1);
        self.downscaled = true;
        self.last_down = Some((now, reason));
        self.after_change(now);
        Step {
            from,
            to: self.level(),
            reason,
        }
    }

    fn after_change(&mut self, now: Instant) {
        self.reset_window(now);
        self.qp_smooth = None;
        self.qp_low_seen = false;
    }

    fn reset_window(&mut self, now: Instant) {
        self.window_start = now;
        self.qp_sum = 0;
        self.qp_frames = 0;
        self.frames_in = 0;
        self.frames_dropped = 0;
    }
}

/// The first level at or after `from` whose minimum bitrate `target` meets (else the last).
fn fitting(ladder: &[Level], from: usize, target: u32) -> usize {
    (from..ladder.len())
        .find(|&i| target >= min_kbps(ladder[i]))
        .unwrap_or(ladder.len() - 1)
}

/// Honours a keyframe request at most once per [`KeyframeGate::MIN_INTERVAL`]; requests in
/// between are dropped (the receiver asks again if it still needs one).
#[derive(Debug, Default)]
pub struct KeyframeGate {
    last: Option<Instant>,
}

impl KeyframeGate {
    /// libwebrtc's `kMinKeyframeSendInterval`.
    pub const MIN_INTERVAL: Duration = Duration::from_millis(300);

    /// Whether a request arriving at `now` is honoured.
    pub fn allow(&mut self, now: Instant) -> bool {
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Self::MIN_INTERVAL)
        {
            return false;
        }
        self.last = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
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
    const L240_15: Level = Level {
        width: 320,
        height: 240,
        fps: 15,
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
                (320, 240, 15),
                (240, 180, 15),
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
                (320, 180, 15),
                (240, 134, 15),
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
                s.from.width,
                s.from.height,
                s.from.fps,
                s.to.width,
                s.to.height,
                s.to.fps,
                s.reason
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
    fn very_low_rates_halve_the_frame_rate_before_the_next_size() {
        let (steps, a) = run(&[(5, 833), (10, 80), (10, 50)], model_qp);
        assert_eq!(
            sizes(&steps),
            [
                (320, 240, 15, Reason::Bitrate),
                (240, 180, 15, Reason::Bitrate)
            ]
        );
        assert_eq!(a.level().fps, 15);
        let (steps, _) = run(&[(5, 833), (10, 10)], model_qp);
        assert_eq!(
            steps.last().map(|s| s.1.to.fps),
            Some(10),
            "never below 10 fps"
        );
        let _ = L240_15;
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
        let mut a = Adapter::new(AdaptConfig::default(), 640, 480, 30, 60, t0);
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
}
