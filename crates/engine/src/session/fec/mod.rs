//! Forward error correction for video: FlexFEC-03 (a repair stream on its own SSRC,
//! `a=ssrc-group:FEC-FR`), switched on by the loss the congestion controller measures, by
//! default only where the path also jitters ([`FecMode::Jitter`]).
//!
//! A lost packet repaired by NACK costs a round trip plus the NACK's own wait; one rebuilt
//! from a repair packet costs a frame time. So on a lossy path with a real round trip FEC
//! keeps frames whole without waiting, and NACK mops up what FEC could not rebuild.
//!
//! - [`policy`]: how many repair packets a block gets (pure; residual-loss model).
//! - [`block`]: blocks end with a frame, small frames pool (pure).
//! - [`sender`]: the interceptor, wire-ward of the TWCC sender, with `rtc`'s
//!   `FlexFec03Encoder` building the packets (its format code is public and tested; its
//!   own send interceptor is not used: it protects a fixed 2 of every 5 packets across
//!   frame boundaries whatever the loss, and sits where packets lack their transport-wide
//!   sequence number, so what it protects is not what the receiver holds).
//! - [`recovered`]: counts the packets `rtc`'s `FlexFec03ReceiveInterceptor` rebuilt, and
//!   takes their transport-wide sequence number off (they did not arrive: feedback saying
//!   they did, a frame late, would read as queueing delay).
//!
//! Chromium advertises `flexfec-03` only behind a field trial, so calls with it carry no
//! FEC (we offer it; its answer leaves it out, and NACK + RTX carry on alone).

mod block;
mod policy;
mod recovered;
mod sender;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rtc::peer_connection::configuration::media_engine::MIME_TYPE_FLEX_FEC03;
use rtc::rtp_transceiver::rtp_sender::RTCRtpCodec;

pub use policy::{FecMode, FecPolicy};
pub use recovered::{RecoveredCounter, RECOVERED_SLOT};
pub use sender::{FecSender, FEC_SEND_SLOT};

/// Payload type we offer for FlexFEC-03.
pub const FLEXFEC_PT: u8 = 49;

/// The FlexFEC-03 codec as Chromium writes it (a 10 s repair window).
#[must_use]
pub fn flexfec_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_FLEX_FEC03.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: "repair-window=10000000".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// An overhead published longer ago than this reads 0: no video has left since (camera
/// off, stream gone), so none of the bytes sent are repairs.
const OVERHEAD_STALE: Duration = Duration::from_secs(2);

/// What the FEC sender reads about the path and publishes about itself.
#[derive(Debug)]
pub struct FecLink {
    /// The origin of [`FecLink::overhead_at_ms`].
    epoch: Instant,
    /// When the overhead was last published, ms since `epoch`.
    overhead_at_ms: AtomicU64,
    /// Packet loss measured from transport-wide feedback, parts per million.
    loss_ppm: AtomicU32,
    /// Round trip, µs (0: not measured yet).
    rtt_us: AtomicU32,
    /// The path's jitter (σ of the one-way delays), µs + 1 (0: not measured yet).
    jitter_us: AtomicU32,
    /// Repair bytes per media byte over the last second, parts per million.
    overhead_ppm: AtomicU32,
}

impl Default for FecLink {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            overhead_at_ms: AtomicU64::new(0),
            loss_ppm: AtomicU32::new(0),
            rtt_us: AtomicU32::new(0),
            jitter_us: AtomicU32::new(0),
            overhead_ppm: AtomicU32::new(0),
        }
    }
}

impl FecLink {
    /// Publishes the congestion controller's view of the path.
    pub fn publish_path(&self, loss: Option<f64>, rtt: Option<Duration>) {
        if let Some(loss) = loss {
            self.loss_ppm
                .store((loss.clamp(0.0, 1.0) * 1e6) as u32, Ordering::Relaxed);
        }
        if let Some(rtt) = rtt {
            let us = u32::try_from(rtt.as_micros()).unwrap_or(u32::MAX).max(1);
            self.rtt_us.store(us, Ordering::Relaxed);
        }
    }

    /// Publishes the path's jitter (σ of its one-way delays, ms), if measured.
    pub fn publish_jitter(&self, spread_ms: Option<f64>) {
        if let Some(ms) = spread_ms {
            let us = (ms.clamp(0.0, 1e6) * 1000.0) as u32;
            self.jitter_us
                .store(us.saturating_add(1), Ordering::Relaxed);
        }
    }

    /// Measured jitter, if any yet.
    #[must_use]
    pub fn jitter(&self) -> Option<Duration> {
        match self.jitter_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(u64::from(us - 1))),
        }
    }

    /// Measured loss, 0..1.
    #[must_use]
    pub fn loss(&self) -> f64 {
        f64::from(self.loss_ppm.load(Ordering::Relaxed)) / 1e6
    }

    /// Measured round trip, if any yet.
    #[must_use]
    pub fn rtt(&self) -> Option<Duration> {
        match self.rtt_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(u64::from(us))),
        }
    }

    /// Publishes the repair overhead (repair bytes per media byte).
    pub fn publish_overhead(&self, ratio: f64) {
        self.overhead_ppm
            .store((ratio.clamp(0.0, 4.0) * 1e6) as u32, Ordering::Relaxed);
        let at = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.overhead_at_ms.store(at, Ordering::Relaxed);
    }

    /// Repair bytes per media byte over the last second (0 once [`OVERHEAD_STALE`]).
    #[must_use]
    pub fn overhead(&self) -> f64 {
        let at = Duration::from_millis(self.overhead_at_ms.load(Ordering::Relaxed));
        if self.epoch.elapsed().saturating_sub(at) > OVERHEAD_STALE {
            return 0.0;
        }
        f64::from(self.overhead_ppm.load(Ordering::Relaxed)) / 1e6
    }

    /// The share of a video bitrate the media itself may use, the rest going to repair
    /// packets: `1 / (1 + overhead)`.
    #[must_use]
    pub fn media_share(&self) -> f64 {
        1.0 / (1.0 + self.overhead())
    }
}
