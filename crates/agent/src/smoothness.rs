//! How smooth the remote video looked: freezes (Chromium's definition) and the frame
//! rate second by second, both from the times the agent took frames off the
//! remote-video queue (its playout).

pub use peercall_engine::freeze::FreezeDetector;

/// Frames shown in each whole second from the first frame on.
#[derive(Debug, Default, Clone)]
pub struct FpsSeries {
    start_ms: Option<f64>,
    per_second: Vec<u32>,
}

impl FpsSeries {
    /// Takes the time (ms, any origin) a frame was shown.
    pub fn frame(&mut self, at_ms: f64) {
        let start = *self.start_ms.get_or_insert(at_ms);
        let second = ((at_ms - start).max(0.0) / 1000.0) as usize;
        if self.per_second.len() <= second {
            self.per_second.resize(second + 1, 0);
        }
        self.per_second[second] += 1;
    }

    /// The frame count of every whole second between the first frame and `end_ms`
    /// (seconds without a frame count as 0; the last, partial second is left out).
    #[must_use]
    pub fn seconds(&self, end_ms: f64) -> Vec<u32> {
        let Some(start) = self.start_ms else {
            return Vec::new();
        };
        let whole = ((end_ms - start).max(0.0) / 1000.0) as usize;
        let mut v: Vec<u32> = self.per_second.iter().copied().take(whole).collect();
        v.resize(whole, 0);
        v
    }

    /// The lowest and the median frames per second over [`FpsSeries::seconds`].
    #[must_use]
    pub fn min_median(&self, end_ms: f64) -> (Option<f64>, Option<f64>) {
        let mut v = self.seconds(end_ms);
        if v.is_empty() {
            return (None, None);
        }
        v.sort_unstable();
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            f64::from(v[mid])
        } else {
            (f64::from(v[mid - 1]) + f64::from(v[mid])) / 2.0
        };
        (Some(f64::from(v[0])), Some(median))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fps_series_counts_whole_seconds_and_empty_ones() {
        let mut s = FpsSeries::default();
        // 30 frames in second 0, none in second 1, 15 in second 2, 3 in the partial 3rd.
        for i in 0..30 {
            s.frame(1000.0 + f64::from(i) * 33.0);
        }
        for i in 0..15 {
            s.frame(3000.0 + f64::from(i) * 66.0);
        }
        for i in 0..3 {
            s.frame(4000.0 + f64::from(i) * 33.0);
        }
        assert_eq!(s.seconds(4500.0), vec![30, 0, 15]);
        assert_eq!(s.min_median(4500.0), (Some(0.0), Some(15.0)));
        // A call that went on for 2 s more without a frame.
        assert_eq!(s.seconds(6000.0), vec![30, 0, 15, 3, 0]);
        assert_eq!(s.min_median(6000.0), (Some(0.0), Some(3.0)));
        assert_eq!(FpsSeries::default().min_median(1e9), (None, None));
    }

    #[test]
    fn fps_median_of_an_even_count() {
        let mut s = FpsSeries::default();
        for (second, n) in [(0, 30), (1, 28)] {
            for i in 0..n {
                s.frame(f64::from(second) * 1000.0 + f64::from(i) * 30.0);
            }
        }
        assert_eq!(s.min_median(2000.0), (Some(28.0), Some(29.0)));
    }
}
