//! Our pacer, at `Slot::Pacer` in place of webrtc-rs's `PacerInterceptor` (one FIFO, so
//! audio and retransmissions waited behind a keyframe, and a backlog built while the
//! estimate was high drained only at the pacing rate). Modelled on libwebrtc's
//! `PacingController` (design note `MEDIA-ROBUSTNESS.md` §7):
//! - **Priorities**: audio > retransmissions (RTX SSRC or payload type from `StreamInfo`,
//!   or the NACK responder's `Attribute::Retransmission`) > video > padding; first in,
//!   first out within a class (one SSRC each, so no round robin is needed).
//! - **Audio is not paced**: it leaves at once and is not charged to the budget
//!   (libwebrtc's default). **RTCP** is never paced.
//! - **Bursts of 40 ms**: a packet may leave while the bytes sent ahead of the rate are at
//!   most 40 ms worth.
//! - **Queue-time limit 500 ms** (libwebrtc: 2 s): while the queue would not leave before
//!   its mean wait reaches the limit, the rate is raised to empty it in time. The encoder is
//!   held back first (below), so this only drains what a falling estimate left behind.
//! - **The rate** is the congestion controller's (`PACING_FACTOR` × the estimate), read off
//!   the `TargetBitrateChanged` attribute on the feedback packet's way past, as rtc's pacer
//!   does.
//!
//! **Congestion window pushback.** The pacer publishes the bytes it holds and
//! [`InFlightTracker`] those sent and not yet covered by transport-wide feedback
//! ([`Outstanding`]); the video send thread skips encoding a frame while their sum exceeds
//! [`pushback_window_bytes`] (libwebrtc's `CongestionWindowPushbackController`,
//! "DropFrame:true", with a 700 ms margin instead of "QueueSize:350"), but never for more
//! than [`MAX_PUSHBACK_GAP`] in a row. The pacer's queue alone is not enough: it paces at
//! 2.5 × the estimate, so on a link slower than that the queue builds on the path (and in
//! the socket), where only the bytes in flight show it.
//!
//! [`queue`] is the pure core (table tests with simulated time), [`interceptor`] the
//! adapter, [`in_flight`] the bytes-in-flight tracker.

mod in_flight;
mod interceptor;
mod queue;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use in_flight::{InFlightTracker, IN_FLIGHT_SLOT};
pub use interceptor::PriorityPacer;
pub use queue::PacerConfig;

/// The data the congestion window counts, published by the two interceptors.
#[derive(Debug, Default)]
pub struct Outstanding {
    /// Bytes waiting in the pacer.
    pub paced: AtomicU64,
    /// Bytes sent and not yet reported on by the receiver.
    pub in_flight: AtomicU64,
}

impl Outstanding {
    /// Both together.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.paced.load(Ordering::Relaxed) + self.in_flight.load(Ordering::Relaxed)
    }
}

/// Longest run of frames the pushback skips: one goes at least this often. Chromium counts
/// an interval over `max(3 × mean, mean + 150 ms)` as a freeze, so a sender stalled on a
/// full window showed as frozen (2–4 freezes in the first seconds on a 500 kbit/s link);
/// a frame every 150 ms is not a freeze and still cuts the frames sent to under 7 a second
/// while the window stays full (libvpx itself forces a frame after 2 s of drops).
pub const MAX_PUSHBACK_GAP: Duration = Duration::from_millis(150);

/// How many bytes may be outstanding (paced + in flight) before the encoder skips a
/// frame: `target × (RTT + 700 ms)`, the RTT clamped to 20..=500 ms (unknown: 100 ms).
///
/// libwebrtc's margin is 350 ms. Measured here (agent ↔ agent, `delay 50ms rate 500kbit`
/// each way, 20 s), 350 ms dropped 60–100 frames per call that was only riding the
/// estimator's normal probing sawtooth (our in-flight count also holds up to the 100 ms
/// between webrtc-rs's TWCC feedback reports) and put glass-to-glass p50 up by ~70 ms;
/// at 700 ms that call drops none, while a link that is really overrun (both directions
/// sharing 500 kbit/s) still triggers it. The RTT is clamped because it includes the
/// queues the window exists to keep short: left free it would widen the window as they
/// grow.
#[must_use]
pub fn pushback_window_bytes(target_bps: u64, rtt: Option<Duration>) -> u64 {
    let rtt = rtt
        .unwrap_or(Duration::from_millis(100))
        .clamp(Duration::from_millis(20), Duration::from_millis(500));
    let window = rtt + Duration::from_millis(700);
    (target_bps as f64 / 8.0 * window.as_secs_f64()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pushback_window_is_the_target_over_rtt_plus_700_ms() {
        let ms = Duration::from_millis;
        let cases = [
            (1_000_000, Some(ms(100)), 100_000),
            (1_000_000, None, 100_000),
            (100_000, Some(ms(600)), 15_000),
            (100_000, Some(ms(5_000)), 15_000),
            (2_000_000, Some(ms(1)), 180_000),
        ];
        for (target, rtt, want) in cases {
            assert_eq!(pushback_window_bytes(target, rtt), want, "{target} {rtt:?}");
        }
    }
}
