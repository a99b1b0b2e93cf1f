//! Keeps the speaker's queue at the level it settled at, whatever the sound card's clock
//! does. Audio arrives on the system clock (the jitter buffer's 10 ms pulls) and leaves
//! on the card's: a card 100 ppm slow or fast moves the queue by 6 ms a minute, which
//! would end in a trim (a cut) or an underrun (a gap) after some minutes. Instead, when
//! the smoothed level has moved more than 15 ms from where it settled, one pitch period
//! of the next block is removed or repeated (the jitter buffer's time-stretch). Pure.

use std::collections::VecDeque;

use super::neteq::stretch;

/// Blocks (10 ms) before the level is learned: the queue settles after priming.
const SETTLE_BLOCKS: u32 = 200;
/// How far the smoothed level may wander before a correction, ms.
const BAND_MS: f64 = 15.0;
/// Blocks between two corrections.
const MIN_GAP_BLOCKS: u32 = 50;
/// Smoothing per block (≈ 0.5 s).
const ALPHA: f64 = 0.02;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct DriftKeeper {
    smoothed_ms: Option<f64>,
    blocks: u32,
    target_ms: Option<f64>,
    since_correction: u32,
}

impl DriftKeeper {
    /// Shows the queue's level (ms) before `block` (48 kHz mono) is queued; stretches
    /// the block by one period when the level has drifted. Returns the samples added
    /// (positive) or removed (negative).
    pub(crate) fn adjust(&mut self, level_ms: f64, block: &mut Vec<f32>) -> i64 {
        let smoothed = self.smoothed_ms.get_or_insert(level_ms);
        *smoothed += (level_ms - *smoothed) * ALPHA;
        let smoothed = *smoothed;
        self.blocks += 1;
        self.since_correction += 1;
        let Some(target) = self.target_ms else {
            if self.blocks >= SETTLE_BLOCKS {
                self.target_ms = Some(smoothed);
            }
            return 0;
        };
        if self.since_correction < MIN_GAP_BLOCKS || (smoothed - target).abs() <= BAND_MS {
            return 0;
        }
        let mut buf: VecDeque<f32> = block.drain(..).collect();
        let changed = if smoothed > target {
            -(stretch::accelerate(&mut buf, 0.9) as i64)
        } else {
            stretch::preemptive_expand(&mut buf, 0.9) as i64
        };
        block.extend(buf);
        if changed != 0 {
            self.since_correction = 0;
            // The queue will show it within a block; count it in now.
            if let Some(s) = self.smoothed_ms.as_mut() {
                *s += changed as f64 / 48.0;
            }
        }
        changed
    }

    /// The queue (re)started playing: learn its level again.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten minutes of 10 ms blocks of a 200 Hz tone into a queue that a card drains
    /// `ppm` fast; returns the queue's lowest and highest level after settling, ms, and
    /// the samples added or removed.
    fn run(ppm: f64) -> (f64, f64, i64) {
        let mut keeper = DriftKeeper::default();
        let mut queued = 40.0 * 48.0; // samples
        let (mut lo, mut hi, mut total) = (f64::MAX, f64::MIN, 0);
        let mut phase = 0usize;
        for i in 0..60_000u32 {
            let mut block: Vec<f32> = (0..480)
                .map(|n| {
                    let t = (phase + n) as f32 / 48_000.0;
                    0.2 * (std::f32::consts::TAU * 200.0 * t).sin()
                })
                .collect();
            phase += 480;
            total += keeper.adjust(queued / 48.0, &mut block);
            queued += block.len() as f64;
            queued -= 480.0 * (1.0 + ppm * 1e-6);
            if i > SETTLE_BLOCKS {
                lo = lo.min(queued / 48.0);
                hi = hi.max(queued / 48.0);
            }
        }
        (lo, hi, total)
    }

    #[test]
    fn a_fast_card_is_fed_longer_blocks_and_the_queue_stays_put() {
        let (lo, hi, added) = run(200.0);
        assert!(lo > 40.0 - BAND_MS - 15.0 && hi < 40.0 + 15.0, "{lo}..{hi}");
        // 200 ppm of 10 minutes is 5760 samples.
        assert!((4_000..=7_500).contains(&added), "{added}");
    }

    #[test]
    fn a_slow_card_is_fed_shorter_blocks_and_the_queue_stays_put() {
        let (lo, hi, removed) = run(-200.0);
        assert!(lo > 40.0 - 15.0 && hi < 40.0 + BAND_MS + 15.0, "{lo}..{hi}");
        assert!((-7_500..=-4_000).contains(&removed), "{removed}");
    }

    #[test]
    fn an_exact_card_is_left_alone() {
        assert_eq!(run(0.0).2, 0);
    }
}
