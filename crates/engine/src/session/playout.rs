//! When to show each received video frame: a pure core that maps RTP timestamps to local
//! render times with a playout delay that adapts to what the network does.
//!
//! A frame's *lateness* is how much later it became decodable than the earliest frame
//! of the last few seconds would predict (arrival − RTP time, less the window's
//! minimum). The playout delay is the larger of
//! - the jitter of frames that waited for nothing (their 95th percentile), so plain
//!   network jitter does not show as judder, and
//! - what keeps a slow repair from becoming a freeze: a frame that needed a
//!   retransmission (or two) is shown without a gap longer than
//!   [`PlayoutConfig::tolerated_gap`] if the delay is its lateness minus that gap
//!   (taken at the 98th percentile of all frames).
//!
//! On a clean path both are near 0 and frames are shown as they are decoded. The delay
//! rises at once when frames come later, and falls back slowly (so it does not
//! oscillate), within [`PlayoutConfig::max_delay`]. libwebrtc's `VCMTiming` does the
//! same job with a Kalman jitter estimate plus 0.9·RTT once NACKs happen
//! (`shared/design/MEDIA-ROBUSTNESS.md` §3); this keeps the clean-path latency at 0 and
//! spends delay only where it prevents a visible freeze.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Tuning of the playout delay.
#[derive(Debug, Clone, Copy)]
pub struct PlayoutConfig {
    /// How far back lateness is remembered.
    pub window: Duration,
    /// A gap between two shown frames that viewers do not read as a freeze (Chromium
    /// counts a freeze from max(3 × mean, mean + 150 ms); this leaves a margin).
    pub tolerated_gap: Duration,
    /// The delay never exceeds this.
    pub max_delay: Duration,
    /// How fast the delay falls back when less is needed, per second of video.
    pub decay_per_second: Duration,
}

impl Default for PlayoutConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(10),
            tolerated_gap: Duration::from_millis(110),
            max_delay: Duration::from_millis(250),
            decay_per_second: Duration::from_millis(20),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    /// Arrival minus RTP time, seconds (an arbitrary but fixed origin).
    offset: f64,
    waited: bool,
}

/// The playout clock of one video stream.
#[derive(Debug, Default)]
pub struct Playout {
    config: PlayoutConfig,
    samples: VecDeque<Sample>,
    origin: Option<Instant>,
    rtp_base: Option<(u32, i64)>,
    /// The window's least arrival-minus-media offset at the last frame, seconds.
    base: f64,
    delay: Duration,
    /// Added on top for lip sync (video waiting for audio), see `sync/`.
    sync_delay: Duration,
    last_frame: Option<Instant>,
}

impl Playout {
    /// A playout clock with this tuning.
    #[must_use]
    pub fn new(config: PlayoutConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The current playout delay.
    #[must_use]
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// Extra delay for lip sync: every frame is shown this much later (the sync core
    /// moves it in small steps, so the picture slows or hurries a little, never jumps).
    pub fn set_sync_delay(&mut self, d: Duration) {
        self.sync_delay = d;
    }

    /// A frame with RTP timestamp `rtp_ts` became decodable at `now`; `waited` says it
    /// sat behind a hole (a repair). Returns when to show it (never before `now`).
    pub fn on_frame(&mut self, rtp_ts: u32, now: Instant, waited: bool) -> Instant {
        let origin = *self.origin.get_or_insert(now);
        let media_s = self.unwrap_rtp(rtp_ts) as f64 / 90_000.0;
        let offset = now.saturating_duration_since(origin).as_secs_f64() - media_s;
        while self
            .samples
            .front()
            .is_some_and(|s| now.saturating_duration_since(s.at) > self.config.window)
        {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            at: now,
            offset,
            waited,
        });
        let base = self
            .samples
            .iter()
            .map(|s| s.offset)
            .fold(f64::INFINITY, f64::min);
        self.adapt(now, base);
        self.base = base;
        self.render_time(origin, media_s).max(now)
    }

    /// When a frame with RTP timestamp `rtp_ts` is to be shown by the delays as they are
    /// now (a frame not yet here, or a late one); `None` before the first frame.
    #[must_use]
    pub fn due(&self, rtp_ts: u32) -> Option<Instant> {
        let origin = self.origin?;
        let (ext, _) = extend(self.rtp_base?, rtp_ts);
        Some(self.render_time(origin, ext as f64 / 90_000.0))
    }

    fn render_time(&self, origin: Instant, media_s: f64) -> Instant {
        let due_s = self.base + media_s + (self.delay + self.sync_delay).as_secs_f64();
        origin + Duration::from_secs_f64(due_s.max(0.0))
    }

    fn adapt(&mut self, now: Instant, base: f64) {
        let mut clean: Vec<f64> = Vec::with_capacity(self.samples.len());
        let mut all: Vec<f64> = Vec::with_capacity(self.samples.len());
        for s in &self.samples {
            let late = s.offset - base;
            all.push(late);
            if !s.waited {
                clean.push(late);
            }
        }
        let jitter = percentile(&mut clean, 0.95);
        let repair = percentile(&mut all, 0.98) - self.config.tolerated_gap.as_secs_f64();
        let target =
            Duration::from_secs_f64(jitter.max(repair).max(0.0)).min(self.config.max_delay);
        if target >= self.delay {
            self.delay = target;
        } else {
            let elapsed = self
                .last_frame
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
            let step = self.config.decay_per_second.mul_f64(elapsed.as_secs_f64());
            self.delay = self.delay.saturating_sub(step).max(target);
        }
        self.last_frame = Some(now);
    }

    /// RTP timestamps as a signed count from the first one (they wrap and may step
    /// back a little on reordering, never far).
    fn unwrap_rtp(&mut self, ts: u32) -> i64 {
        let base = *self.rtp_base.get_or_insert((ts, 0));
        let (ext, newer) = extend(base, ts);
        if newer {
            self.rtp_base = Some((ts, ext));
        }
        ext
    }
}

/// `ts` as a signed count from the origin of `(last timestamp, its count)`, and whether it
/// is newer than that one.
fn extend((last, last_ext): (u32, i64), ts: u32) -> (i64, bool) {
    let ext = last_ext + i64::from(ts.wrapping_sub(last) as i32);
    (ext, ext > last_ext)
}

/// The `q` quantile (0..=1) by nearest rank; 0 for no values.
fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Duration = Duration::from_micros(33_333);

    /// Feeds 30 fps frames for `seconds`; `late(i)` gives each frame's extra lateness
    /// and whether it waited for a repair. Returns (render times, final delay).
    fn run(
        p: &mut Playout,
        seconds: u32,
        mut late: impl FnMut(u32) -> (Duration, bool),
    ) -> (Vec<Instant>, Duration) {
        let t0 = Instant::now();
        let mut shown = Vec::new();
        for i in 0..seconds * 30 {
            let (extra, waited) = late(i);
            let arrival = t0 + FRAME * i + extra;
            shown.push(p.on_frame(i * 3000, arrival, waited));
        }
        (shown, p.delay())
    }

    fn longest_gap(shown: &[Instant]) -> Duration {
        shown
            .windows(2)
            .map(|w| w[1].saturating_duration_since(w[0]))
            .max()
            .unwrap_or_default()
    }

    #[test]
    fn a_clean_path_shows_frames_as_they_come() {
        let mut p = Playout::default();
        let (shown, delay) = run(&mut p, 5, |_| (Duration::ZERO, false));
        assert!(delay < Duration::from_millis(1), "{delay:?}");
        assert!(longest_gap(&shown) <= FRAME + Duration::from_millis(1));
    }

    #[test]
    fn jitter_is_absorbed_so_frames_come_out_evenly() {
        let mut p = Playout::default();
        // ±15 ms of jitter, deterministic pattern.
        let jit = |i: u32| Duration::from_millis(u64::from((i * 7919) % 31));
        let (shown, delay) = run(&mut p, 20, |i| (jit(i), false));
        assert!(delay >= Duration::from_millis(25), "{delay:?}");
        assert!(delay <= Duration::from_millis(31), "{delay:?}");
        let tail = &shown[shown.len() - 300..];
        assert!(
            longest_gap(tail) <= FRAME + Duration::from_millis(2),
            "{:?}",
            longest_gap(tail)
        );
    }

    #[test]
    fn slow_repairs_get_just_enough_delay_to_not_freeze() {
        let mut p = Playout::default();
        // Every 20th frame needs two round trips (230 ms); the next few wait behind it.
        let (shown, delay) = run(&mut p, 30, |i| match i % 20 {
            0 if i > 0 => (Duration::from_millis(230), true),
            1 => (Duration::from_millis(197), true),
            2 => (Duration::from_millis(164), true),
            _ => (Duration::ZERO, false),
        });
        assert!(
            delay >= Duration::from_millis(110) && delay <= Duration::from_millis(130),
            "{delay:?}"
        );
        let tail = &shown[shown.len() - 300..];
        assert!(
            longest_gap(tail) < Duration::from_millis(183),
            "{:?}",
            longest_gap(tail)
        );
    }

    #[test]
    fn the_delay_falls_back_slowly_once_the_path_is_clean() {
        let config = PlayoutConfig {
            window: Duration::from_secs(2),
            ..PlayoutConfig::default()
        };
        let jitter_then_clean = |seconds: u32| {
            move |i: u32| {
                let jittery = i < 4 * 30 && seconds > 0;
                (
                    Duration::from_millis(u64::from(i % 2) * 40 * u64::from(jittery)),
                    false,
                )
            }
        };
        let (_, high) = run(&mut Playout::new(config), 4, jitter_then_clean(4));
        assert!(high >= Duration::from_millis(39), "{high:?}");
        let (_, soon) = run(&mut Playout::new(config), 7, jitter_then_clean(7));
        assert!(
            soon > Duration::ZERO && soon < high,
            "{soon:?} falls slowly from {high:?}"
        );
        let (_, low) = run(&mut Playout::new(config), 12, jitter_then_clean(12));
        assert!(low < Duration::from_millis(1), "{low:?}");
    }

    #[test]
    fn rtp_timestamps_wrap() {
        let mut p = Playout::default();
        let t0 = Instant::now();
        let a = p.on_frame(u32::MAX - 1499, t0, false);
        let b = p.on_frame(1500, t0 + FRAME, false);
        assert!(b > a);
    }

    #[test]
    fn due_tells_when_a_frame_not_yet_here_would_be_shown() {
        let mut p = Playout::default();
        assert!(p.due(0).is_none());
        // 20 ms of jitter on every other frame builds a delay.
        let (shown, delay) = run(&mut p, 5, |i| {
            (Duration::from_millis(u64::from(i % 2) * 20), false)
        });
        assert!(delay >= Duration::from_millis(19), "{delay:?}");
        let last = *shown.last().expect("frames");
        // The next frame's slot is one frame after the last one's.
        let next = p.due(150 * 3000).expect("due");
        let step = next.saturating_duration_since(last);
        assert!(step.abs_diff(FRAME) < Duration::from_millis(2), "{step:?}");
        // A frame further back was due earlier, whatever its lateness now.
        assert!(p.due(140 * 3000).expect("due") < last);
        // The lip-sync delay moves it later by as much.
        p.set_sync_delay(Duration::from_millis(40));
        let later = p.due(150 * 3000).expect("due");
        assert_eq!(
            later.saturating_duration_since(next),
            Duration::from_millis(40)
        );
    }
}
