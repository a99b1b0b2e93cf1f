//! What the path is delivering: libwebrtc's `BitrateEstimator`
//! (`modules/congestion_controller/goog_cc/bitrate_estimator.cc`), fed the acknowledged
//! packets on the receiver's clock.
//!
//! Bytes are summed over windows of [`RATE_WINDOW_MS`] (the first one [`INITIAL_WINDOW_MS`]);
//! each window's rate is one sample, blended into the estimate with a weight that falls
//! as the sample strays from it (a Bayesian update with an uncertainty proportional to the
//! relative error), so one bursty window moves it little and a sustained change moves it
//! within a few windows.

/// Window of one sample.
pub const RATE_WINDOW_MS: f64 = 150.0;
/// Window of the first sample.
pub const INITIAL_WINDOW_MS: f64 = 500.0;
const UNCERTAINTY_SCALE: f64 = 10.0;
const VARIANCE_INCREASE: f64 = 5.0;

/// The acknowledged bitrate.
#[derive(Debug, Clone)]
pub struct AckedBitrate {
    sum_bytes: f64,
    current_window_ms: f64,
    prev_ms: Option<f64>,
    estimate_kbps: Option<f64>,
    variance: f64,
}

impl Default for AckedBitrate {
    fn default() -> Self {
        Self {
            sum_bytes: 0.0,
            current_window_ms: 0.0,
            prev_ms: None,
            estimate_kbps: None,
            variance: 50.0,
        }
    }
}

impl AckedBitrate {
    /// One acknowledged packet of `bytes`, arrived at `arrival_ms` (non-decreasing).
    pub fn update(&mut self, arrival_ms: f64, bytes: usize) {
        let window = if self.estimate_kbps.is_none() {
            INITIAL_WINDOW_MS
        } else {
            RATE_WINDOW_MS
        };
        let Some(sample) = self.update_window(arrival_ms, bytes as f64, window) else {
            return;
        };
        let Some(estimate) = self.estimate_kbps else {
            self.estimate_kbps = Some(sample);
            return;
        };
        let uncertainty = UNCERTAINTY_SCALE * (estimate - sample).abs() / estimate.max(1.0);
        let sample_variance = uncertainty * uncertainty;
        let predicted_variance = self.variance + VARIANCE_INCREASE;
        let blended = (sample_variance * estimate + predicted_variance * sample)
            / (sample_variance + predicted_variance);
        self.estimate_kbps = Some(blended.max(0.0));
        self.variance =
            sample_variance * predicted_variance / (sample_variance + predicted_variance);
    }

    /// The estimate in bit/s, once a first window is complete.
    pub fn bitrate(&self) -> Option<f64> {
        self.estimate_kbps.map(|kbps| kbps * 1000.0)
    }

    fn update_window(&mut self, now_ms: f64, bytes: f64, window_ms: f64) -> Option<f64> {
        if self.prev_ms.is_some_and(|prev| now_ms < prev) {
            self.prev_ms = None;
            self.sum_bytes = 0.0;
            self.current_window_ms = 0.0;
        }
        if let Some(prev) = self.prev_ms {
            self.current_window_ms += now_ms - prev;
            if now_ms - prev > window_ms {
                // Nothing arrived for a whole window: start afresh.
                self.sum_bytes = 0.0;
                self.current_window_ms %= window_ms;
            }
        }
        self.prev_ms = Some(now_ms);
        let mut sample = None;
        if self.current_window_ms >= window_ms {
            sample = Some(8.0 * self.sum_bytes / window_ms);
            self.current_window_ms -= window_ms;
            self.sum_bytes = 0.0;
        }
        self.sum_bytes += bytes;
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_stream_is_measured() {
        let mut acked = AckedBitrate::default();
        // 1000 bytes every 10 ms = 800 kbit/s.
        for i in 0..300 {
            acked.update(f64::from(i) * 10.0, 1000);
        }
        let rate = acked.bitrate().unwrap();
        assert!((rate - 800_000.0).abs() < 20_000.0, "{rate}");
    }

    #[test]
    fn a_halved_stream_is_followed_within_a_second() {
        let mut acked = AckedBitrate::default();
        for i in 0..300 {
            acked.update(f64::from(i) * 10.0, 1000);
        }
        for i in 300..400 {
            acked.update(f64::from(i) * 10.0, 500);
        }
        let rate = acked.bitrate().unwrap();
        assert!((rate - 400_000.0).abs() < 40_000.0, "{rate}");
    }

    #[test]
    fn nothing_until_the_first_window() {
        let mut acked = AckedBitrate::default();
        acked.update(0.0, 1000);
        acked.update(100.0, 1000);
        assert_eq!(None, acked.bitrate());
    }
}
