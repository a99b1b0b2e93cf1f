//! The target delay, after libwebrtc NetEQ's `DelayManager` (read, not copied): each
//! frame's arrival delay relative to the earliest arrival in a 2 s window (the reference
//! that also absorbs clock drift), measured once per frame at its first arrival (a RED
//! copy or the packet), feeds two histograms that forget:
//! - frames that arrive in order (newer than any before them) are the ones whose lateness
//!   runs the buffer dry: the largest of them in each 500 ms goes into the *underrun*
//!   histogram, and the target covers its 90th percentile (so stalls that come every few
//!   seconds are covered after the first; NetEQ's underrun optimiser), and the 97th
//!   percentile of a histogram of every in-order frame that forgets within ~2 s (so a
//!   path whose jitter jumps is followed within a second, not after ten intervals);
//! - a frame that arrives after a newer one cannot run the buffer dry, only be missing
//!   when due (then concealed, or played from its RED copy). Covering it is a trade: the
//!   target goes higher only while each millisecond more saves more than
//!   [`DelayConfig::late_cost_ms`] ⁄ 1 % of frames arriving too late (NetEQ's reorder
//!   optimiser). With RED distance 1 a frame whose packet is overtaken by the next one
//!   arrives in order anyway (as the copy); only frames overtaken by two count here.
//!
//! The target is a *playout delay*: how long after the reference arrival each sample is
//! played ([`DelayManager::playout_delay_ms`]), compared as such by the buffer (NetEQ's
//! "stable delay mode"), not a buffer level, whose relation to lateness depends on how
//! the newest packets happen to arrive (the old level target had to subtract the median
//! lateness to guess it). On top of the histograms: half a pull (a pull needs all of its
//! 10 ms here, and may end in the packet after the one it starts in) and a margin. While packets are lost and carry FEC, the target
//! holds at least one packet, so the packet after a loss is here in time to rebuild it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::histogram::Histogram;

/// The arrival reference window (NetEQ: 2 s).
const WINDOW: Duration = Duration::from_secs(2);
/// Interval whose largest in-order delay goes into the underrun histogram (NetEQ: 500 ms).
const SPIKE_INTERVAL: Duration = Duration::from_millis(500);
/// Forgetting per interval (NetEQ: 0.983, ≈ 30 s).
const SPIKE_FORGET: f64 = 0.983;
/// Forgetting per 20 ms of audio of the lateness histogram (≈ 7 s). Both per-frame
/// histograms forget by the audio a frame holds, so 10 ms packets forget as fast in
/// time as 20 ms ones.
const LATE_FORGET: f64 = 0.998;
/// The playout clock's step, ms. A pull needs all of its 10 ms here: when it ends in the
/// packet after the one it starts in, that packet is due up to a pull earlier than the
/// pull's first sample. Half a pull covers that on average over how pulls fall against
/// packets (the margin covers the rest).
const PULL_MS: f64 = 10.0;
/// Forgetting per 20 ms of in-order audio of the fast histogram (≈ 2 s).
const RECENT_FORGET: f64 = 0.99;
/// Which quantile of it is covered.
const RECENT_QUANTILE: f64 = 0.97;
/// Audio received before the histograms are believed, ms.
const WARM_UP_MS: f64 = 500.0;
/// Audio received before the histograms alone are believed, ms: until then the target
/// also covers the latest in-order frame so far with [`DelayConfig::learn_headroom`].
const LEARN_MS: f64 = 10_000.0;
/// The frame duration the forgetting factors are given for, samples (20 ms).
const FORGET_UNIT: f64 = 960.0;

/// Smoothing of the loss and FEC shares (per packet, ≈ 5 s).
const SHARE_ALPHA: f64 = 0.004;
/// Above this loss share (with FEC coming) one more packet is held.
const LOSS_FOR_FEC_DELAY: f64 = 0.01;

/// Target delay settings (playout delay over the earliest arrival, ms).
#[derive(Debug, Clone, Copy)]
pub struct DelayConfig {
    /// Lowest target, ms.
    pub min_ms: f64,
    /// Highest target, ms.
    pub max_ms: f64,
    /// Target before enough frames have been seen, ms.
    pub start_ms: f64,
    /// Which quantile of the 500 ms maxima of in-order arrivals is covered (NetEQ: 0.95;
    /// 0.9 still covers a stall every 3 s and holds ~6 ms less under 20 ms jitter).
    pub underrun_quantile: f64,
    /// What 1 % of frames arriving too late is worth in delay, ms (NetEQ: 20; with RED a
    /// frame out of order is mostly played from its copy, and what is left is concealed).
    pub late_cost_ms: f64,
    /// Added to what the histograms ask: the playout thread's and the network thread's
    /// own timing noise, ms.
    pub margin_ms: f64,
    /// For the first 10 s of audio the target covers the latest in-order frame seen so
    /// far times one plus this: the tail not seen yet.
    pub learn_headroom: f64,
}

impl Default for DelayConfig {
    fn default() -> Self {
        Self {
            min_ms: 0.0,
            max_ms: 400.0,
            start_ms: 60.0,
            underrun_quantile: 0.9,
            late_cost_ms: 10.0,
            margin_ms: 5.0,
            learn_headroom: 0.25,
        }
    }
}

/// Arrival statistics and the target they give.
#[derive(Debug)]
pub(crate) struct DelayManager {
    config: DelayConfig,
    origin: Option<(Instant, u64)>,
    /// (arrival, arrival minus media time in ms) of recent frames.
    window: VecDeque<(Instant, f64)>,
    /// The largest in-order delay of each 500 ms.
    underruns: Histogram,
    interval: Option<(Instant, f64)>,
    /// Each in-order frame's delay, forgotten within seconds: follows a change of the
    /// path before the interval maxima do.
    recent: Histogram,
    /// Each frame's delay if it came out of order, 0 if in order.
    late: Histogram,
    /// Audio received so far, ms.
    received_ms: f64,
    /// The latest in-order frame so far (relative to its reference), ms.
    in_order_max: f64,
    highest_ts: Option<u64>,
    highest_seq: Option<u16>,
    /// Smoothed share of packets lost, and of packets carrying FEC.
    loss: f64,
    fec: f64,
}

impl DelayManager {
    pub(crate) fn new(config: DelayConfig) -> Self {
        Self {
            config,
            origin: None,
            window: VecDeque::new(),
            underruns: Histogram::new(SPIKE_FORGET),
            interval: None,
            recent: Histogram::new(RECENT_FORGET),
            late: Histogram::new(LATE_FORGET),
            received_ms: 0.0,
            in_order_max: 0.0,
            highest_ts: None,
            highest_seq: None,
            loss: 0.0,
            fec: 0.0,
        }
    }

    /// Counts sequence gaps (losses) and reordered arrivals (found again), and whether
    /// packets carry FEC.
    pub(crate) fn on_sequence(&mut self, seq: u16, has_fec: bool) {
        self.fec += (f64::from(u8::from(has_fec)) - self.fec) * SHARE_ALPHA;
        let Some(high) = self.highest_seq else {
            self.highest_seq = Some(seq);
            return;
        };
        let ahead = seq.wrapping_sub(high);
        if ahead == 0 {
            return;
        }
        if ahead < 0x8000 {
            for _ in 1..ahead.min(100) {
                self.loss += (1.0 - self.loss) * SHARE_ALPHA;
            }
            self.loss -= self.loss * SHARE_ALPHA;
            self.highest_seq = Some(seq);
        } else {
            self.loss = (self.loss - SHARE_ALPHA).max(0.0);
        }
    }

    /// Arrival minus media time of timestamp `ts` (48 kHz) at `at`, ms, on the origin's
    /// scale (set by the first frame).
    fn lateness(&mut self, at: Instant, ts: u64) -> f64 {
        let (t0, ts0) = *self.origin.get_or_insert((at, ts));
        let media_ms = (ts as f64 - ts0 as f64) / 48.0;
        let since = if at >= t0 {
            (at - t0).as_secs_f64()
        } else {
            -(t0 - at).as_secs_f64()
        };
        since * 1000.0 - media_ms
    }

    /// The earliest arrival in the window (the reference), on the lateness scale.
    fn reference(&self) -> Option<f64> {
        self.window.iter().map(|&(_, v)| v).reduce(f64::min)
    }

    /// Records the first arrival of the frame of `samples` at unwrapped timestamp `ts`
    /// (48 kHz) at `now`.
    pub(crate) fn on_packet(&mut self, now: Instant, ts: u64, samples: u64) {
        let weight = samples as f64 / FORGET_UNIT;
        let d = self.lateness(now, ts);
        while self
            .window
            .front()
            .is_some_and(|&(t, _)| now.saturating_duration_since(t) > WINDOW)
        {
            self.window.pop_front();
        }
        self.window.push_back((now, d));
        let r = d - self.reference().unwrap_or(d);
        if self.highest_ts.is_none_or(|h| ts > h) {
            self.highest_ts = Some(ts);
            self.late.add_weighted(0.0, weight);
            self.recent.add_weighted(r, weight);
            self.in_order_max = self.in_order_max.max(r);
            let (start, max) = *self.interval.get_or_insert((now, r));
            if now.saturating_duration_since(start) >= SPIKE_INTERVAL {
                self.underruns.add(max);
                self.interval = Some((now, r));
            } else {
                self.interval = Some((start, max.max(r)));
            }
        } else {
            self.late.add_weighted(r, weight);
        }
        self.received_ms += samples as f64 / 48.0;
    }

    /// How long after the reference arrival the sample at `ts` is played if it is played
    /// at `now`, ms; `None` before any arrival.
    pub(crate) fn playout_delay_ms(&mut self, now: Instant, ts: u64) -> Option<f64> {
        let reference = self.reference()?;
        Some(self.lateness(now, ts) - reference)
    }

    /// What sets the target: the interval maxima's quantile, the recent quantile, the
    /// lateness optimum (ms), for the scenario tests' printout.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> (f64, f64, f64) {
        let u = self.underruns.percentile(self.config.underrun_quantile);
        let r = self.recent.percentile(RECENT_QUANTILE);
        (u, r, self.late.cheapest(u.max(r), self.config.late_cost_ms))
    }

    /// The playout delay to hold, ms, for packets of `packet_ms`.
    pub(crate) fn target_ms(&self, packet_ms: f64) -> f64 {
        let c = &self.config;
        let start = c.start_ms.clamp(c.min_ms, c.max_ms);
        let target = self.measured_target_ms(packet_ms);
        if self.received_ms < WARM_UP_MS {
            // Not enough seen to go below the start value, but a path that is already
            // later than it is covered at once: the first packets of a jittery call are
            // the ones that run a buffer still at its start value dry.
            return target.max(start);
        }
        target
    }

    /// What the histograms (or, before the first 500 ms interval closes, its running
    /// maximum) ask for, ms.
    fn measured_target_ms(&self, packet_ms: f64) -> f64 {
        let c = &self.config;
        let underrun = if self.underruns.is_empty() {
            self.interval.map_or(0.0, |(_, max)| max)
        } else {
            self.underruns.percentile(c.underrun_quantile)
        };
        let mut underrun = underrun.max(self.recent.percentile(RECENT_QUANTILE));
        if self.received_ms < LEARN_MS {
            underrun = underrun.max(self.in_order_max * (1.0 + c.learn_headroom));
        }
        let late = self.late.cheapest(underrun, c.late_cost_ms);
        let fec = if self.loss > LOSS_FOR_FEC_DELAY && self.fec > 0.2 {
            packet_ms
        } else {
            0.0
        };
        (late.max(fec) + c.margin_ms + PULL_MS / 2.0).clamp(c.min_ms, c.max_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut DelayManager, start: Instant, from: u64, n: u64, late_ms: impl Fn(u64) -> u64) {
        let mut arrivals: Vec<(Instant, u64)> = (from..from + n)
            .map(|i| (start + Duration::from_millis(i * 20 + late_ms(i)), i * 960))
            .collect();
        arrivals.sort();
        for (at, ts) in arrivals {
            d.on_packet(at, ts, 960);
        }
    }

    fn target(d: &DelayManager) -> f64 {
        d.target_ms(20.0)
    }

    #[test]
    fn a_clean_path_targets_the_margin_and_reordering_raises_the_target() {
        let start = Instant::now();
        let mut d = DelayManager::new(DelayConfig::default());
        feed(&mut d, start, 0, 500, |_| 0);
        // The margin and half a pull over the first bucket.
        assert!(target(&d) <= 12.0, "{}", target(&d));
        // Every 4th packet 40 ms late (after the next two): a quarter of the frames late
        // would cost far more than 40 ms.
        feed(&mut d, start, 500, 500, |i| if i % 4 == 0 { 40 } else { 0 });
        assert!((50.0..=54.0).contains(&target(&d)), "{}", target(&d));
    }

    #[test]
    fn a_rare_late_frame_is_left_to_concealment() {
        let start = Instant::now();
        let mut d = DelayManager::new(DelayConfig::default());
        // One packet in 400 is 60 ms late (0.25 %: worth 2.5 ms, not 60).
        feed(
            &mut d,
            start,
            0,
            2000,
            |i| if i % 400 == 7 { 60 } else { 0 },
        );
        assert!(target(&d) <= 12.0, "{}", target(&d));
    }

    #[test]
    fn stalls_every_few_seconds_are_covered() {
        // Every 3 s nothing arrives for 60 ms, then the stalled packets together (in
        // order): one 500 ms interval in six has a 60 ms maximum.
        let start = Instant::now();
        let mut d = DelayManager::new(DelayConfig::default());
        feed(&mut d, start, 0, 1500, |i| {
            let into = i * 20 % 3000;
            60u64.saturating_sub(into)
        });
        assert!((70.0..=74.0).contains(&target(&d)), "{}", target(&d));
    }

    #[test]
    fn loss_with_fec_holds_one_more_packet() {
        let start = Instant::now();
        let mut d = DelayManager::new(DelayConfig::default());
        let mut seq = 0u16;
        for i in 0..500u64 {
            // Every 20th packet lost; the rest carry FEC.
            seq = seq.wrapping_add(if i % 20 == 0 { 2 } else { 1 });
            d.on_sequence(seq, true);
            d.on_packet(start + Duration::from_millis(i * 20), i * 960, 960);
        }
        assert!((30.0..=32.0).contains(&target(&d)), "{}", target(&d));
    }

    #[test]
    fn warm_up_holds_the_start_value_unless_the_path_is_already_later() {
        let start = Instant::now();
        // A clean path: the start value until 500 ms of audio, then the margin.
        let mut d = DelayManager::new(DelayConfig::default());
        feed(&mut d, start, 0, 10, |_| 0);
        assert!((target(&d) - 60.0).abs() < 1e-9, "{}", target(&d));
        feed(&mut d, start, 10, 40, |_| 0);
        assert!(target(&d) <= 12.0, "{}", target(&d));
        // The 10th frame (in order) comes 80 ms after the earliest: covered at once
        // with a quarter more for the tail not seen yet (and the margin and half a
        // pull on top), not after the warm-up.
        let mut d = DelayManager::new(DelayConfig::default());
        feed(&mut d, start, 0, 10, |i| if i == 9 { 80 } else { 0 });
        assert!((110.0..=112.0).contains(&target(&d)), "{}", target(&d));
        // After 10 s of audio only the histograms count: a single 80 ms frame early
        // on is one interval in more than twenty.
        feed(&mut d, start, 10, 500, |_| 0);
        assert!(target(&d) <= 12.0, "{}", target(&d));
    }

    #[test]
    fn the_playout_delay_counts_from_the_earliest_arrival() {
        let start = Instant::now();
        let mut d = DelayManager::new(DelayConfig::default());
        // Frame 0 arrives 10 ms late, frame 1 on time: frame 1 is the reference.
        d.on_packet(start + Duration::from_millis(10), 0, 960);
        d.on_packet(start + Duration::from_millis(20), 960, 960);
        let at = start + Duration::from_millis(50);
        let delay = d.playout_delay_ms(at, 960).expect("reference");
        assert!((delay - 30.0).abs() < 1e-6, "{delay}");
    }
}
