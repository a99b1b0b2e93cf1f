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
//!   *slope*: a queue has to grow by 5–10 ms per group before it counts. Offline, without
//!   the history's horizon, it climbed to 1.3 Mbit/s between overuses on a 500 kbit/s link.
//! - **Blind past 2 s of queue.** The feedback history forgets unacknowledged packets after
//!   2 s; from 1.5 Mbit/s into 500 kbit/s the queue passes that before the detector has 20
//!   groups, every later batch is empty, and an empty batch changes nothing: the estimate
//!   froze above the link while the delay grew to 5–10 s (real call and simulation alike).
//!
//! No maintained crate offers GoogCC on its own (str0m's is internal to str0m), so this
//! module ports libwebrtc's, one job per file:
//! - [`inter_arrival`]: 5 ms send-time groups over packets **in arrival order**, bursts
//!   joined, overtaken packets left out;
//! - [`trendline`]: the trendline detector (window 20, smoothing 0.9, gain 4, adaptive
//!   threshold 6–600 with k_up 0.0087 / k_down 0.039, 10 ms overuse time, libwebrtc's
//!   optional slope cap) and one addition: overuse must be statistically significant
//!   against the scatter of the raw delays, which took false overuses under 20 ms jitter
//!   from one per 22 s to one per 600 s in the simulation;
//! - [`acked_bitrate`]: the acknowledged throughput (libwebrtc's `BitrateEstimator`);
//! - [`aimd`]: AIMD (× 0.85 of the throughput on overuse, 8 %/s far from the link capacity,
//!   additive near it, ≤ 1.5 × throughput); instead of libwebrtc's padding probes, 50 %/s
//!   until the first overuse;
//! - [`loss`]: loss-based v1 (hold between 2 % and 10 %, +8 %/s below, × (1 − loss/2)
//!   above) on a loss fraction that leaves out packets reordering may still deliver;
//! - [`goog_cc`]: the two halves combined (the lower wins); empty batches (feedback about
//!   packets sent over 2 s ago) back the delay half off like overuse, once a second, as
//!   libwebrtc's RTT backoff does.
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
use std::time::{Duration, Instant};

use rtc::interceptor::{BandwidthEstimator, EstimatorStats, PacketReport};

pub use goog_cc::GoogCc;

use super::fec::FecLink;

/// The pacer sends at this multiple of the congestion controller's estimate (as
/// libwebrtc does): pacing at exactly the encoder's rate queues every frame above the
/// average — a keyframe for half a second — and glass-to-glass latency follows.
pub const PACING_FACTOR: f64 = 2.5;

/// Wraps [`GoogCc`]: publishes its estimate (bit/s) where the encoder thread reads it, and
/// tells the pacer [`PACING_FACTOR`] times that.
pub struct PublishingEstimator {
    inner: GoogCc,
    target: Arc<AtomicU64>,
    /// Where the FEC sender reads the measured loss, round trip and jitter, and where
    /// its repair overhead is read back (GoogCC counts those bytes too).
    path: Option<Arc<FecLink>>,
    last_log: Option<Instant>,
}

impl PublishingEstimator {
    /// An estimator starting at `initial` bit/s within `min..=max`, publishing to `target`.
    pub fn new(initial: f64, min: f64, max: f64, target: Arc<AtomicU64>) -> Self {
        let estimator = Self {
            inner: GoogCc::new(initial, min, max),
            target,
            path: None,
            last_log: None,
        };
        estimator.publish();
        estimator
    }

    /// Also publishes the measured loss, round trip and jitter to `link`.
    #[must_use]
    pub fn publishing_path_to(mut self, link: Arc<FecLink>) -> Self {
        self.path = Some(link);
        self
    }

    fn publish(&self) {
        self.target
            .store(self.inner.target_bitrate() as u64, Ordering::Relaxed);
        if let Some(path) = &self.path {
            let stats = self.inner.stats();
            path.publish_path(stats.packet_loss, stats.round_trip_time);
            path.publish_jitter(self.inner.delay_spread_ms());
        }
    }

    /// Once a second at debug level (`RUST_LOG=peercall::bwe=debug`): both halves and
    /// what drives them, to read a call's estimate afterwards.
    fn log(&mut self, now: Instant) {
        let second = Duration::from_secs(1);
        if self
            .last_log
            .is_some_and(|at| now.saturating_duration_since(at) < second)
        {
            return;
        }
        self.last_log = Some(now);
        let stats = self.inner.stats();
        tracing::debug!(
            target: "peercall::bwe",
            "target {:.0} kbit/s: delay {:.0} ({:?}), loss {:.0} (loss {:.1} %), acked {:.0}, \
             rtt {:.0} ms, jitter {:.1} ms",
            self.inner.target_bitrate() / 1000.0,
            self.inner.delay_based() / 1000.0,
            self.inner.usage(),
            self.inner.loss_based() / 1000.0,
            stats.packet_loss.unwrap_or(0.0) * 100.0,
            self.inner.acked_bitrate().unwrap_or(0.0) / 1000.0,
            stats.round_trip_time.map_or(0.0, |rtt| rtt.as_secs_f64() * 1000.0),
            self.inner.delay_spread_ms().unwrap_or(0.0),
        );
    }
}

impl BandwidthEstimator for PublishingEstimator {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        if let Some(path) = &self.path {
            // Repair bytes are video bytes too (a share of all video, audio aside: close
            // enough at 32 of 600+ kbit/s).
            self.inner.set_uncounted(path.overhead());
        }
        self.inner.on_reports(now, reports);
        self.publish();
        self.log(now);
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
