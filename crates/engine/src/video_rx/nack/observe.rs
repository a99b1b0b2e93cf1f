//! What the NACK list learns from the stream: how late reordered packets come (so a hole
//! is not requested before a reordered packet would have filled it) and how many packets
//! are really lost (so repairs are requested twice when a single request often fails).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Reorder samples kept.
const REORDER_SAMPLES: usize = 64;
/// Samples older than this are forgotten: a path that stops reordering goes back to
/// requesting at once.
const REORDER_MEMORY: Duration = Duration::from_secs(10);
/// Samples needed before waiting at all (a stray late packet is not a pattern).
const MIN_REORDER_SAMPLES: usize = 4;
/// Packets per loss measurement block.
const LOSS_BLOCK: u64 = 100;
/// Weight of a new block in the smoothed loss.
const LOSS_SMOOTHING: f64 = 0.25;

/// How long holes lately turned out to be reordering rather than loss.
#[derive(Debug, Default)]
pub struct ReorderDelays {
    samples: VecDeque<(Instant, Duration)>,
}

impl ReorderDelays {
    /// A hole opened `delay` ago was filled by a late original packet at `now`.
    pub fn sample(&mut self, now: Instant, delay: Duration) {
        if self.samples.len() == REORDER_SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back((now, delay));
    }

    /// How long to hold a new hole before its first request: the 90th percentile of
    /// recent reorder delays, at most `cap`; zero on a path that does not reorder.
    pub fn wait(&mut self, now: Instant, cap: Duration) -> Duration {
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) > REORDER_MEMORY)
        {
            self.samples.pop_front();
        }
        if self.samples.len() < MIN_REORDER_SAMPLES {
            return Duration::ZERO;
        }
        let mut delays: Vec<Duration> = self.samples.iter().map(|(_, d)| *d).collect();
        delays.sort_unstable();
        let p90 = delays[(delays.len() * 9 / 10).min(delays.len() - 1)];
        p90.min(cap)
    }
}

/// The share of packets that had to be requested (reordering that resolved itself before
/// the first request does not count), smoothed over blocks of [`LOSS_BLOCK`] packets.
#[derive(Debug, Default)]
pub struct LossMeter {
    expected: u64,
    requested: u64,
    smoothed: Option<f64>,
}

impl LossMeter {
    /// The stream advanced by `packets` sequence numbers.
    pub fn expected(&mut self, packets: u64) {
        self.expected += packets;
        if self.expected >= LOSS_BLOCK {
            let block = (self.requested as f64 / self.expected as f64).min(1.0);
            self.smoothed = Some(match self.smoothed {
                None => block,
                Some(s) => s + LOSS_SMOOTHING * (block - s),
            });
            self.expected = 0;
            self.requested = 0;
        }
    }

    /// A hole was requested for the first time.
    pub fn requested(&mut self) {
        self.requested += 1;
    }

    /// The smoothed loss, 0–1 (0 until a block is measured).
    pub fn fraction(&self) -> f64 {
        self.smoothed.unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn no_wait_until_reordering_is_a_pattern_then_its_90th_percentile_capped() {
        let t0 = Instant::now();
        let mut r = ReorderDelays::default();
        assert_eq!(r.wait(t0, ms(50)), Duration::ZERO);
        for d in [5, 10, 15] {
            r.sample(t0, ms(d));
        }
        assert_eq!(
            r.wait(t0, ms(50)),
            Duration::ZERO,
            "three samples are not a pattern"
        );
        for d in [20, 25, 30, 35, 40, 45, 90] {
            r.sample(t0, ms(d));
        }
        assert_eq!(r.wait(t0, ms(100)), ms(90));
        assert_eq!(r.wait(t0, ms(30)), ms(30), "capped");
    }

    #[test]
    fn old_reorder_samples_are_forgotten() {
        let t0 = Instant::now();
        let mut r = ReorderDelays::default();
        for _ in 0..10 {
            r.sample(t0, ms(30));
        }
        assert_eq!(r.wait(t0 + ms(1000), ms(50)), ms(30));
        assert_eq!(r.wait(t0 + REORDER_MEMORY + ms(1), ms(50)), Duration::ZERO);
    }

    #[test]
    fn loss_is_the_requested_share_smoothed_over_blocks() {
        let mut l = LossMeter::default();
        for _ in 0..5 {
            l.requested();
        }
        l.expected(99);
        assert!(l.fraction() < f64::EPSILON, "no block measured yet");
        l.expected(1);
        assert!((l.fraction() - 0.05).abs() < 1e-9);
        l.expected(100); // a clean block pulls it down by a quarter
        assert!((l.fraction() - 0.0375).abs() < 1e-9);
    }
}
