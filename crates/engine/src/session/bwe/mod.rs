//! Bandwidth estimation: libwebrtc's GoogCC, as a pure core behind webrtc-rs's
//! [`BandwidthEstimator`] trait, fed the transport-wide-feedback reports of the
//! congestion-control interceptor.
//!
//! # Why our own, not `rtc::interceptor::Gcc`
//! webrtc-rs 0.21.1's `Gcc` collapsed every call on a jittery path to the 100 kbit/s
//! floor and never noticed a 500 kbit/s bottleneck (5–10 s of glass-to-glass delay).
//! Reproduced offline (`tests.rs`, `rtc_gcc_*`), the causes are in its design, not its
//! tuning, so wrapping it cannot fix them:
//! - **Reordering counted as loss.** The feedback history reports every packet up to the
//!   newest acknowledged one and forgets it; a packet overtaken by a faster one is reported
//!   lost and its late acknowledgement dropped. With 20 ms of normal jitter about a fifth of
//!   the packets "vanish", its loss half (> 10 %) cuts × (1 − loss/2) every 200 ms, down to
//!   the floor. Its loss is also judged per feedback batch (≈ 10 packets), so plain 5 %
//!   random loss flips between increase and decrease by chance.
//! - **Reports in send order, groups by send time only,** arrival = the latest in the group:
//!   a reordered packet makes its group late and the next one early; nothing is dropped.
//! - **The overuse test is in the wrong units.** A Kalman-filtered per-group delta (ms) is
//!   compared with a 12.5 ms threshold that libwebrtc applies to `4 × min(n, 60) ×` a
//!   *slope*; a queue growing by 0.46 s each second (730 kbit/s into 500) is ≈ 5–9 ms per
//!   group, never over the threshold, so the bottleneck is never detected; and the
//!   threshold's ×0.00018 decay lets jitter trip it once it has sunk.
//!
//! No maintained crate offers GoogCC on its own (str0m's is internal to str0m), so this
//! module ports libwebrtc's, one job per file:
//! - [`inter_arrival`]: 5 ms send-time groups over packets **in arrival order**, bursts
//!   joined, overtaken packets left out;
//! - [`trendline`]: the trendline detector (window 20, smoothing 0.9, gain 4, adaptive
//!   threshold 6–600 with k_up 0.0087 / k_down 0.039, 10 ms overuse time);
//! - [`acked_bitrate`]: the acknowledged throughput (libwebrtc's `BitrateEstimator`);
//! - [`aimd`]: AIMD (× 0.85 of the throughput on overuse, 8 %/s far from the link capacity,
//!   additive near it, ≤ 1.5 × throughput); instead of libwebrtc's padding probes, 50 %/s
//!   until the first overuse;
//! - [`loss`]: loss-based v1 (hold between 2 % and 10 %, +8 %/s below, × (1 − loss/2)
//!   above) on a loss fraction that leaves out packets reordering may still deliver;
//! - [`goog_cc`]: the two halves combined (the lower wins).
//!
//! [`PublishingEstimator`] hands the estimate to the encoder and the pacer.

mod acked_bitrate;
mod aimd;
mod goog_cc;
mod inter_arrival;
mod loss;
mod trendline;

#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{BandwidthEstimator, EstimatorStats, PacketReport};

pub use goog_cc::GoogCc;

/// The pacer sends at this multiple of the congestion controller's estimate (as
/// libwebrtc does): pacing at exactly the encoder's rate queues every frame above the
/// average — a keyframe for half a second — and glass-to-glass latency follows.
pub const PACING_FACTOR: f64 = 2.5;

/// Wraps [`GoogCc`]: publishes its estimate (bit/s) where the encoder thread reads it, and
/// tells the pacer [`PACING_FACTOR`] times that.
pub struct PublishingEstimator {
    inner: GoogCc,
    target: Arc<AtomicU64>,
}

impl PublishingEstimator {
    /// An estimator starting at `initial` bit/s within `min..=max`, publishing to `target`.
    pub fn new(initial: f64, min: f64, max: f64, target: Arc<AtomicU64>) -> Self {
        let estimator = Self {
            inner: GoogCc::new(initial, min, max),
            target,
        };
        estimator.publish();
        estimator
    }

    fn publish(&self) {
        self.target
            .store(self.inner.target_bitrate() as u64, Ordering::Relaxed);
    }
}

impl BandwidthEstimator for PublishingEstimator {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        self.inner.on_reports(now, reports);
        self.publish();
    }

    fn target_bitrate(&self) -> f64 {
        // Read by the congestion-control interceptor only to set the pacer's rate.
        self.inner.target_bitrate() * PACING_FACTOR
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.inner.handle_timeout(now);
        self.publish();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout()
    }

    fn stats(&self) -> EstimatorStats {
        self.inner.stats()
    }
}
