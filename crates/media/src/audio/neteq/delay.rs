//! The target delay: how late packets arrive compared with the earliest one in a 2 s
//! window (the same reference as libwebrtc NetEQ's packet arrival history, which absorbs
//! clock drift), as a histogram that forgets old samples; the target covers a high
//! quantile of it over its median, plus the level that just avoids running dry. While
//! packets are being lost and carry in-band FEC, at least one more packet is held so that
//! the packet after a loss is here in time to rebuild it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The arrival reference window (NetEQ: 2 s).
const WINDOW: Duration = Duration::from_secs(2);
/// Histogram bucket width, ms.
const BUCKET_MS: f64 = 2.0;
const BUCKETS: usize = 500; // 0..1000 ms

/// Target delay settings.
#[derive(Debug, Clone, Copy)]
pub struct DelayConfig {
    /// Lowest target, ms.
    pub min_ms: f64,
    /// Highest target, ms.
    pub max_ms: f64,
    /// Target before enough packets have been seen, ms.
    pub start_ms: f64,
    /// Which quantile of the arrival delay the buffer covers.
    pub quantile: f64,
    /// Per-packet forgetting factor of the histogram (0.995 ≈ 4 s at 50 packets/s).
    pub forget: f64,
}

impl Default for DelayConfig {
    fn default() -> Self {
        Self {
            min_ms: 15.0,
            max_ms: 400.0,
            start_ms: 60.0,
            quantile: 0.97,
            forget: 0.995,
        }
    }
}

/// Arrival statistics and the target they give.
#[derive(Debug)]
pub(crate) struct DelayManager {
    config: DelayConfig,
    origin: Option<(Instant, u64)>,
    /// (arrival, arrival minus media time in ms) of recent packets.
    window: VecDeque<(Instant, f64)>,
    /// Each packet's delay over the window minimum.
    histogram: Histogram,
    /// The largest of those in each 500 ms (stalls that come every few seconds).
    spikes: Histogram,
    interval: Option<(Instant, f64)>,
    packets: u64,
    highest_seq: Option<u16>,
    /// Smoothed share of packets lost, and of packets carrying FEC.
    loss: f64,
    fec: f64,
}

/// Interval whose largest delay goes into the spike histogram (NetEQ: 500 ms).
const SPIKE_INTERVAL: Duration = Duration::from_millis(500);
/// Forgetting per interval (NetEQ: 0.983, ≈ 30 s).
const SPIKE_FORGET: f64 = 0.983;
/// Which quantile of the interval maxima the buffer covers.
const SPIKE_QUANTILE: f64 = 0.9;

/// Smoothing of the loss and FEC shares (per packet, ≈ 5 s).
const SHARE_ALPHA: f64 = 0.004;
/// Above this loss share (with FEC coming) one more packet is held.
const LOSS_FOR_FEC_DELAY: f64 = 0.01;

impl DelayManager {
    pub(crate) fn new(config: DelayConfig) -> Self {
        Self {
            config,
            origin: None,
            window: VecDeque::new(),
            histogram: Histogram::new(config.forget),
            spikes: Histogram::new(SPIKE_FORGET),
            interval: None,
            packets: 0,
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

    /// Records a packet with unwrapped timestamp `ts` (48 kHz) arriving at `now`.
    pub(crate) fn on_packet(&mut self, now: Instant, ts: u64) {
        let (t0, ts0) = *self.origin.get_or_insert((now, ts));
        let media_ms = (ts as f64 - ts0 as f64) / 48.0;
        let d = now.saturating_duration_since(t0).as_secs_f64() * 1000.0 - media_ms;
        while self
            .window
            .front()
            .is_some_and(|&(t, _)| now.saturating_duration_since(t) > WINDOW)
        {
            self.window.pop_front();
        }
        self.window.push_back((now, d));
        let min = self.window.iter().map(|&(_, v)| v).fold(d, f64::min);
        let r = d - min;
        self.histogram.add(r);
        let (start, max) = *self.interval.get_or_insert((now, r));
        if now.saturating_duration_since(start) >= SPIKE_INTERVAL {
            self.spikes.add(max);
            self.interval = Some((now, r));
        } else {
            self.interval = Some((start, max.max(r)));
        }
        self.packets += 1;
    }

    /// The buffer level to hold, ms, for packets of `packet_ms`.
    ///
    /// The level is audio held *ahead of the newest packet*, so the jitter it must cover
    /// is how much later than usual a packet can come: the quantile minus the median of
    /// the arrival delay (the window minimum is only the reference that cancels drift).
    /// On top: the average level that just avoids running dry when packets come on time
    /// (half a packet + half a 10 ms pull) plus one more pull (a packet arriving just
    /// after a pull instead of just before leaves three pulls to cover, not two) and
    /// 5 ms. While packets are lost and carry FEC, at least one packet is held so the
    /// packet after a loss is here in time to rebuild it (jitter margin does that too).
    pub(crate) fn target_ms(&self, packet_ms: f64) -> f64 {
        let c = &self.config;
        if self.packets < 25 {
            return c.start_ms.clamp(c.min_ms, c.max_ms);
        }
        let usual = self.histogram.percentile(0.5);
        let late = self.histogram.percentile(c.quantile);
        let spike = if self.spikes.is_empty() {
            late
        } else {
            self.spikes.percentile(SPIKE_QUANTILE)
        };
        let jitter = late.max(spike) - usual;
        let fec = if self.loss > LOSS_FOR_FEC_DELAY && self.fec > 0.2 {
            packet_ms
        } else {
            0.0
        };
        (packet_ms / 2.0 + 15.0 + jitter.max(fec)).clamp(c.min_ms, c.max_ms)
    }
}

/// A histogram of delays (ms) in 2 ms buckets up to 1 s that forgets old samples.
#[derive(Debug)]
struct Histogram {
    buckets: Vec<f64>,
    forget: f64,
}

impl Histogram {
    fn new(forget: f64) -> Self {
        Self {
            buckets: vec![0.0; BUCKETS],
            forget,
        }
    }

    fn add(&mut self, ms: f64) {
        let i = ((ms.max(0.0) / BUCKET_MS) as usize).min(BUCKETS - 1);
        for h in &mut self.buckets {
            *h *= self.forget;
        }
        self.buckets[i] += 1.0 - self.forget;
    }

    fn is_empty(&self) -> bool {
        self.buckets.iter().all(|&h| h == 0.0)
    }

    /// The `q` quantile, ms (the middle of its bucket).
    fn percentile(&self, q: f64) -> f64 {
        let total: f64 = self.buckets.iter().sum();
        let mut acc = 0.0;
        for (i, h) in self.buckets.iter().enumerate() {
            acc += h;
            if acc >= q * total {
                return (i as f64 + 0.5) * BUCKET_MS;
            }
        }
        BUCKETS as f64 * BUCKET_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut DelayManager, start: Instant, from: u64, n: u64, late_ms: impl Fn(u64) -> u64) {
        for i in from..from + n {
            let at = start + Duration::from_millis(i * 20 + late_ms(i));
            d.on_packet(at, i * 960);
        }
    }

    #[test]
    fn a_clean_path_targets_one_packet_and_jitter_raises_the_target() {
        let start = Instant::now();
        let mut d = DelayManager::new(DelayConfig::default());
        feed(&mut d, start, 0, 500, |_| 0);
        assert!(d.target_ms(20.0) <= 25.0, "{}", d.target_ms(20.0));
        // Every 4th packet 40 ms late.
        feed(&mut d, start, 500, 200, |i| if i % 4 == 0 { 40 } else { 0 });
        let t = d.target_ms(20.0);
        assert!((64.0..=66.0).contains(&t), "{t}");
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
            d.on_packet(start + Duration::from_millis(i * 20), i * 960);
        }
        let t = d.target_ms(20.0);
        assert!((44.0..=46.0).contains(&t), "{t}");
    }
}
