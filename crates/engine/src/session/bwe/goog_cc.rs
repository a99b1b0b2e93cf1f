//! [`GoogCc`]: the delay half and the loss half on webrtc-rs's feedback reports.
//!
//! Per feedback batch: the arrived packets, **sorted by arrival**, go through the
//! acknowledged-bitrate estimator and the inter-arrival grouping into the trendline
//! detector; then AIMD updates the delay-based estimate once (libwebrtc's
//! `DelayBasedBwe::IncomingPacketFeedbackVector` / `MaybeUpdateEstimate`); then the
//! loss half updates from the batch in send order. The target is the lower of the two.
//!
//! An empty batch means feedback arrived about packets the history had already forgotten
//! (sent over 2 s before): the queue is longer than the history. No delay sample can say
//! so, so the delay half backs off on it as on overuse, at least × 0.8, once a second
//! (libwebrtc's RTT backoff does × 0.8 a second past a 3 s RTT). So does an RTT more than
//! 500 ms above the lowest seen (a standing queue the trendline missed).

use std::time::{Duration, Instant};

use rtc::interceptor::{BandwidthEstimator, EstimatorStats, PacketReport};

use super::acked_bitrate::AckedBitrate;
use super::aimd::Aimd;
use super::inter_arrival::InterArrival;
use super::loss::{LossBased, Sent};
use super::trendline::{Trendline, Usage};

/// RTT assumed until feedback has measured one.
const DEFAULT_RTT_MS: f64 = 200.0;
/// Feedback that acknowledges nothing still remembered, this long after the last that did,
/// means the queue holds more than the history's horizon (2 s): back off, once per this.
const STARVATION: Duration = Duration::from_secs(1);
/// An RTT this far above the lowest seen is a standing queue: the same backoff. The
/// trendline needs 20 groups to see a queue grow, which on a thin link takes longer than
/// the queue takes to pass the history's horizon; no call is usable with half a second of
/// queue anyway (libwebrtc's RTT backoff waits for 3 s).
const STANDING_QUEUE_MS: f64 = 500.0;

/// Google congestion control as libwebrtc runs it (see the module docs of `bwe`).
pub struct GoogCc {
    epoch: Option<Instant>,
    min: f64,
    max: f64,
    inter_arrival: InterArrival,
    trendline: Trendline,
    acked: AckedBitrate,
    aimd: Aimd,
    loss: LossBased,
    rtt_ms: Option<f64>,
    target: f64,
    last_acknowledged: Option<Instant>,
    last_starved: Option<Instant>,
    min_rtt_ms: Option<f64>,
    /// Bytes sent per acknowledged byte that feedback does not cover (FEC repair
    /// packets, unnumbered: `fec/sender.rs`), so the throughput counts them too.
    uncounted: f64,
}

impl GoogCc {
    /// Starts at `initial` bit/s, held within `min..=max`.
    pub fn new(initial: f64, min: f64, max: f64) -> Self {
        let initial = initial.clamp(min, max);
        Self {
            epoch: None,
            min,
            max,
            inter_arrival: InterArrival::default(),
            trendline: Trendline::default(),
            acked: AckedBitrate::default(),
            aimd: Aimd::new(initial, min, max),
            loss: LossBased::new(initial, min, max),
            rtt_ms: None,
            target: initial,
            last_acknowledged: None,
            last_starved: None,
            min_rtt_ms: None,
            uncounted: 0.0,
        }
    }

    /// The delay detector's current conclusion.
    pub fn usage(&self) -> Usage {
        self.trendline.usage()
    }

    /// The delay-based estimate, bit/s.
    pub fn delay_based(&self) -> f64 {
        self.aimd.estimate()
    }

    /// The loss-based limit, bit/s.
    pub fn loss_based(&self) -> f64 {
        self.loss.estimate()
    }

    /// The acknowledged bitrate, bit/s, with what left alongside it uncounted
    /// ([`Self::set_uncounted`]).
    pub fn acked_bitrate(&self) -> Option<f64> {
        self.acked.bitrate().map(|b| b * (1.0 + self.uncounted))
    }

    /// Bytes that leave with the counted ones but outside feedback, per counted byte
    /// (FEC's repair packets, 0.2-0.4 at 5 % loss). A decrease sets the estimate to 0.85 ×
    /// the throughput; without them it cut by their share too (under 20 ms jitter with FEC,
    /// 840 -> 396 kbit/s on one overuse), and 720p fell to 960x540 or 640x360.
    pub fn set_uncounted(&mut self, per_counted_byte: f64) {
        self.uncounted = per_counted_byte.clamp(0.0, 4.0);
    }

    /// The spread (σ) of the recent one-way delays, ms: the path's jitter.
    pub fn delay_spread_ms(&self) -> Option<f64> {
        self.loss.delay_spread_ms()
    }

    /// An empty batch: feedback came, but about packets the history no longer has.
    fn on_starved(&mut self, now: Instant) {
        let Some(last) = self.last_acknowledged else {
            return;
        };
        if now.saturating_duration_since(last) < STARVATION {
            return;
        }
        self.back_off(now);
        self.target = self
            .aimd
            .estimate()
            .min(self.loss.estimate())
            .clamp(self.min, self.max);
    }

    /// The delay half's backoff for a queue of seconds, at most once per [`STARVATION`].
    fn back_off(&mut self, now: Instant) {
        if self
            .last_starved
            .is_some_and(|at| now.saturating_duration_since(at) < STARVATION)
        {
            return;
        }
        self.last_starved = Some(now);
        let now_ms = self.ms(now);
        let rtt_ms = self.rtt_ms.unwrap_or(DEFAULT_RTT_MS);
        self.aimd.on_starved(now_ms, self.acked_bitrate(), rtt_ms);
    }

    fn ms(&self, at: Instant) -> f64 {
        self.epoch.map_or(0.0, |epoch| {
            at.saturating_duration_since(epoch).as_secs_f64() * 1000.0
        })
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

impl BandwidthEstimator for GoogCc {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        if reports.is_empty() {
            self.on_starved(now);
            return;
        }
        self.last_acknowledged = Some(now);
        let first = reports.iter().map(|r| r.departure).min().unwrap_or(now);
        if self.epoch.is_none() {
            // Ten seconds of margin so an older departure in a later batch stays positive.
            self.epoch = Some(first.checked_sub(Duration::from_secs(10)).unwrap_or(first));
        }
        let now_ms = self.ms(now);

        let sent: Vec<Sent> = reports
            .iter()
            .map(|r| Sent {
                send_ms: self.ms(r.departure),
                arrival_ms: r.arrival.filter(|_| r.arrived).map(millis),
            })
            .collect();

        // RTT: the freshest packet's feedback delay (sender clock only).
        let mut standing_queue = false;
        if let Some(rtt) = sent
            .iter()
            .filter(|p| p.arrival_ms.is_some())
            .map(|p| now_ms - p.send_ms)
            .reduce(f64::min)
        {
            let rtt = rtt.max(1.0);
            self.rtt_ms = Some(self.rtt_ms.map_or(rtt, |old| 0.9 * old + 0.1 * rtt));
            let min_rtt = self.min_rtt_ms.map_or(rtt, |old: f64| old.min(rtt));
            self.min_rtt_ms = Some(min_rtt);
            standing_queue = rtt - min_rtt > STANDING_QUEUE_MS;
        }
        let rtt_ms = self.rtt_ms.unwrap_or(DEFAULT_RTT_MS);

        let mut arrived: Vec<(f64, f64, usize)> = reports
            .iter()
            .zip(&sent)
            .filter_map(|(r, p)| Some((p.arrival_ms?, p.send_ms, r.size)))
            .collect();
        arrived.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for &(arrival_ms, send_ms, size) in &arrived {
            self.acked.update(arrival_ms, size);
            if let Some(deltas) = self.inter_arrival.on_packet(send_ms, arrival_ms, size) {
                self.trendline.update(
                    deltas.arrival_delta_ms,
                    deltas.send_delta_ms,
                    deltas.arrival_ms,
                );
            }
        }

        let usage = self.trendline.usage();
        let throughput = self.acked_bitrate();
        match (usage, throughput) {
            (Usage::Overusing, Some(t)) => {
                if self.aimd.time_to_reduce_further(now_ms, t, rtt_ms) {
                    self.aimd.update(now_ms, usage, throughput, rtt_ms);
                }
            }
            // Overuse before any throughput is known: halve, at most once per RTT.
            (Usage::Overusing, None) => self.aimd.halve(now_ms, rtt_ms),
            _ => {
                self.aimd.update(now_ms, usage, throughput, rtt_ms);
            }
        }
        if standing_queue {
            self.back_off(now);
        }
        let delay_based = self.aimd.estimate();
        let loss_based = self.loss.on_batch(now_ms, &sent, delay_based, rtt_ms);
        self.target = delay_based.min(loss_based).clamp(self.min, self.max);
    }

    fn target_bitrate(&self) -> f64 {
        self.target
    }

    fn stats(&self) -> EstimatorStats {
        let mut stats = EstimatorStats::default();
        stats.delay_based_bitrate = Some(self.aimd.estimate());
        stats.loss_based_bitrate = Some(self.loss.estimate());
        stats.packet_loss = self.loss.loss();
        stats.round_trip_time = self.rtt_ms.map(|ms| Duration::from_secs_f64(ms / 1000.0));
        stats
    }
}
