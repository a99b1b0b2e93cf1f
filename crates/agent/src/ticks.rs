//! The engine's per-second [`CallStats`] over a call: the last one, and the lowest
//! and median target bitrate and round-trip time.

use peercall_engine::stats::CallStats;

/// Collects the stats ticks of one call.
#[derive(Debug, Default)]
pub struct Ticks {
    last: Option<CallStats>,
    targets_kbps: Vec<u64>,
    rtts_ms: Vec<f64>,
    path: Option<(String, Option<String>)>,
}

impl Ticks {
    /// Takes one tick.
    pub fn push(&mut self, s: CallStats) {
        if s.video_target_kbps > 0 {
            self.targets_kbps.push(s.video_target_kbps);
        }
        if let Some(r) = s.rtt_ms {
            self.rtts_ms.push(r);
        }
        if let Some(local) = &s.candidate_type {
            self.path = Some((local.clone(), s.remote_candidate_type.clone()));
        }
        self.last = Some(s);
    }

    /// The candidate types (local, remote) of the last tick that knew the selected pair.
    #[must_use]
    pub fn path(&self) -> Option<&(String, Option<String>)> {
        self.path.as_ref()
    }

    /// The last tick.
    #[must_use]
    pub fn last(&self) -> Option<&CallStats> {
        self.last.as_ref()
    }

    /// The lowest and the median video target, kbit/s.
    #[must_use]
    pub fn target_min_median(&self) -> (Option<u64>, Option<u64>) {
        let mut v = self.targets_kbps.clone();
        v.sort_unstable();
        (v.first().copied(), v.get(v.len() / 2).copied())
    }

    /// The median round-trip time, ms.
    #[must_use]
    pub fn rtt_median(&self) -> Option<f64> {
        crate::measure::percentile(&self.rtts_ms, 50.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(target: u64, rtt: Option<f64>) -> CallStats {
        CallStats {
            video_target_kbps: target,
            rtt_ms: rtt,
            ..CallStats::default()
        }
    }

    #[test]
    fn min_median_and_last() {
        let mut t = Ticks::default();
        assert_eq!(t.target_min_median(), (None, None));
        assert_eq!(t.rtt_median(), None);
        for (k, r) in [
            (0, None),
            (900, Some(100.0)),
            (300, Some(102.0)),
            (600, Some(98.0)),
        ] {
            t.push(tick(k, r));
        }
        // A target of 0 (not set yet) is left out.
        assert_eq!(t.target_min_median(), (Some(300), Some(600)));
        assert_eq!(t.rtt_median(), Some(100.0));
        assert_eq!(t.last().map(|s| s.video_target_kbps), Some(600));
    }
}
