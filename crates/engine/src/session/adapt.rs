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
//!   180p → 120p. The frame rate is kept all the way down (Chromium's default for a
//!   camera, maintain-framerate: motion stays smooth and only the picture shrinks); only
//!   the smallest size may go to 15, then 10 fps. An earlier ladder halved the rate at
//!   QVGA, which held a 500 kbit/s link and a 20 % lossy one to 15 fps.
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
    /// A window whose target rose by more than this factor does not step down for QP:
    /// the encoder's QP lags its target, so high QP while the estimate is still climbing
    /// (the start of a call) says little about the size.
    pub qp_rising_target: f64,
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
            qp_rising_target: 1.2,
            max_up_backoff: Duration::from_secs(60),
        }
    }
}

/// Smallest picture (libwebrtc's floor, `video_encoder.h:39`).
const MIN_PIXELS: u32 = 160 * 90;
/// The smallest size's reduced frame rate, and the floor.
const REDUCED_FPS: u32 = 15;
const MIN_FPS: u32 = 10;

/// Lowest target (kbit/s) a level is kept at: VP8 bits per pixel that still look right,
/// growing less than linearly with the pixels (as libwebrtc's resolution limits:
/// 640x360 ≈ 240, 640x480 ≈ 300, 1280x720 ≈ 730 at 30 fps) and with the frame rate
/// (a frame of a 15 fps stream costs more than one of 30: references are older).
/// 320x240 at 30 fps needs 100, GCC's floor.
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
    let mut levels: Vec<Level> = sizes
        .iter()
        .map(|&(width, height)| Level { width, height, fps })
        .collect();
    if let Some(&last) = levels.last() {
        for reduced in [REDUCED_FPS, MIN_FPS] {
            if reduced < levels.last().map_or(fps, |l| l.fps) {
                levels.push(Level {
                    fps: reduced,
                    ..last
                });
            }
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
    /// The lowest target seen in the window, kbit/s.
    window_min_target: Option<u32>,
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
            window_min_target: None,
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
        self.window_min_target = Some(
            self.window_min_target
                .map_or(target_kbps, |t| t.min(target_kbps)),
        );
        let step = self
            .bitrate_down(now, target_kbps)
            .or_else(|| self.quality_check(now, target_kbps))
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

    fn quality_check(&mut self, now: Instant, target: u32) -> Option<Step> {
        let window = if self.downscaled {
            self.cfg.check
        } else {
            self.cfg.first_check
        };
        if now.duration_since(self.window_start) < window {
            return None;
        }
        let (qp_frames, qp_sum, frames_in, dropped, low) = (
            self.qp_frames,
            self.qp_sum,
            self.frames_in,
            self.frames_dropped,
            self.window_min_target.unwrap_or(target),
        );
        let climbing = f64::from(target) > self.cfg.qp_rising_target * f64::from(low.max(1));
        self.reset_window(now);
        tracing::debug!(
            target: "peercall::adapt",
            "window at {}x{}@{}: {frames_in} frames in, {dropped} dropped, average QP {:.0} \
             over {qp_frames}, smoothed {:.0}",
            self.level().width,
            self.level().height,
            self.level().fps,
            qp_sum as f64 / f64::from(qp_frames.max(1)),
            self.qp_smooth.unwrap_or(0.0),
        );
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
            if climbing {
                tracing::debug!(
                    target: "peercall::adapt",
                    "QP high, but the target climbed {low} → {target} kbit/s: not a reason to shrink"
                );
                return None;
            }
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
        self.window_min_target = None;
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

    /// Forgets the last keyframe: the next request is honoured at once.
    pub fn forget(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests;
