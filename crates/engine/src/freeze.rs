//! Freezes in received video, as Chromium counts them (`freezeCount`,
//! `totalFreezesDuration`): used by the decode loop at presentation time for the app's
//! stats, and by the agent at its own playout.

use std::collections::VecDeque;

/// Inter-frame intervals the mean is taken over (Chromium: 30 frames).
const WINDOW: usize = 30;
/// Intervals needed before a freeze can be called (Chromium: 5).
const MIN_SAMPLES: usize = 5;
/// A freeze is at least this much longer than the mean interval, ms.
const MIN_INCREASE_MS: f64 = 150.0;

/// Counts freezes as Chromium's `VideoQualityObserver2` does: an inter-frame interval
/// is a freeze when it is at least `max(3 × mean, mean + 150 ms)`, the mean taken over
/// the last 30 intervals (this one included), once 5 intervals are known. Its duration
/// is the whole interval.
#[derive(Debug, Default, Clone)]
pub struct FreezeDetector {
    last_ms: Option<f64>,
    intervals: VecDeque<f64>,
    count: u64,
    total_ms: f64,
}

impl FreezeDetector {
    /// Takes the time (ms, any origin) a frame was shown; returns whether the interval
    /// it closes was a freeze.
    pub fn frame(&mut self, at_ms: f64) -> bool {
        let Some(last) = self.last_ms.replace(at_ms) else {
            return false;
        };
        let interval = (at_ms - last).max(0.0);
        if self.intervals.len() == WINDOW {
            self.intervals.pop_front();
        }
        self.intervals.push_back(interval);
        if self.intervals.len() < MIN_SAMPLES {
            return false;
        }
        let mean = self.intervals.iter().sum::<f64>() / self.intervals.len() as f64;
        let freeze = interval >= (3.0 * mean).max(mean + MIN_INCREASE_MS);
        if freeze {
            self.count += 1;
            self.total_ms += interval;
        }
        freeze
    }

    /// Freezes counted.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Their total duration, seconds.
    #[must_use]
    pub fn total_seconds(&self) -> f64 {
        self.total_ms / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds frames at the given intervals (ms) after a first one at 0; returns the
    /// detector and which intervals were freezes.
    fn run(intervals: &[f64]) -> (FreezeDetector, Vec<bool>) {
        let mut d = FreezeDetector::default();
        let mut t = 0.0;
        assert!(!d.frame(t));
        let flags = intervals
            .iter()
            .map(|i| {
                t += i;
                d.frame(t)
            })
            .collect();
        (d, flags)
    }

    #[test]
    fn freeze_table() {
        let steady = [33.0; 40];
        // (case, intervals, expected freeze count, expected total ms)
        let cases: Vec<(&str, Vec<f64>, u64, f64)> = vec![
            ("steady 30 fps", steady.to_vec(), 0, 0.0),
            ("no frames after the first", vec![], 0, 0.0),
            // Needs 5 intervals first: a long gap among the first 4 is not judged.
            (
                "early gap is not judged",
                vec![33.0, 600.0, 33.0, 33.0, 33.0],
                0,
                0.0,
            ),
            // mean of 30 with one 500 ms gap = (29·33 + 500)/30 ≈ 48.6; threshold ≈ 198.6
            (
                "500 ms gap at 30 fps",
                [&steady[..], &[500.0]].concat(),
                1,
                500.0,
            ),
            // threshold ≈ 183 + 150/30 → 180 ms stays under it, 200 ms is over
            (
                "180 ms gap is not",
                [&steady[..], &[180.0]].concat(),
                0,
                0.0,
            ),
            ("200 ms gap is", [&steady[..], &[200.0]].concat(), 1, 200.0),
            // 5 fps: mean 200, 3× mean dominates → 500 ms is not a freeze, 700 ms is
            (
                "500 ms at 5 fps is not",
                [&[200.0; 30][..], &[500.0]].concat(),
                0,
                0.0,
            ),
            (
                "700 ms at 5 fps is",
                [&[200.0; 30][..], &[700.0]].concat(),
                1,
                700.0,
            ),
            (
                "two freezes",
                [&steady[..], &[400.0], &steady[..], &[1000.0]].concat(),
                2,
                1400.0,
            ),
        ];
        for (name, intervals, count, total_ms) in cases {
            let (d, _) = run(&intervals);
            assert_eq!(d.count(), count, "{name}");
            assert!(
                (d.total_seconds() - total_ms / 1000.0).abs() < 1e-9,
                "{name}: {}",
                d.total_seconds()
            );
        }
    }

    #[test]
    fn the_freeze_is_the_interval_that_closes_it() {
        let (_, flags) = run(&[[33.0; 10].as_slice(), &[400.0, 33.0]].concat());
        assert_eq!(flags.iter().position(|f| *f), Some(10));
        assert_eq!(flags.iter().filter(|f| **f).count(), 1);
    }
}
