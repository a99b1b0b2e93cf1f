//! A deterministic network for the estimator's tests: a sender (encoder at 30 fps + audio
//! every 20 ms, paced at 2.5 × its rate), a path (bottleneck queue, one-way delay with
//! per-packet normal jitter that reorders as netem does, random loss) and a receiver that
//! sends transport-wide feedback every 100 ms, turned into [`PacketReport`]s exactly as
//! webrtc-rs's feedback history does (every packet up to the newest acknowledged one, once:
//! a packet still in flight then is reported lost; one sent over 2 s ago is forgotten, and
//! feedback about only such packets gives an empty batch). Feedback is lost like any packet,
//! and the packets it covered are then reported lost. Simulated time, seeded, no
//! sockets.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rtc::interceptor::{BandwidthEstimator, PacketReport};
use rtc::rtcp::transport_feedbacks::cc_feedback_report::Ecn;

/// One stretch of path conditions.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    /// One-way base delay, ms.
    pub delay_ms: f64,
    /// Standard deviation of the per-packet normal jitter, ms.
    pub jitter_ms: f64,
    /// Random loss probability.
    pub loss: f64,
    /// Bottleneck rate, bit/s.
    pub capacity_bps: f64,
}

impl Path {
    /// 50 ms, a free 10 Mbit/s link.
    pub const fn free() -> Self {
        Self {
            delay_ms: 50.0,
            jitter_ms: 0.0,
            loss: 0.0,
            capacity_bps: 10_000_000.0,
        }
    }
}

/// What the sender sends.
#[derive(Debug, Clone, Copy)]
pub enum Sender {
    /// A constant rate whatever the estimate.
    Constant(f64),
    /// The encoder follows the estimate, as Peercall's does.
    FollowTarget,
}

/// A scenario: the path for each stretch `(until_ms, path)`, in order.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    pub sender: Sender,
    pub phases: Vec<(f64, Path)>,
}

/// What came out.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// `(ms, target bit/s)` every 100 ms.
    pub targets: Vec<(f64, f64)>,
    /// Packets sent and reported lost by the feedback.
    pub sent: usize,
    pub reported_lost: usize,
}

impl Trace {
    /// The lowest target within `from..to` seconds.
    pub fn min(&self, from_s: f64, to_s: f64) -> f64 {
        self.window(from_s, to_s).fold(f64::INFINITY, f64::min)
    }

    /// The highest target within `from..to` seconds.
    pub fn max(&self, from_s: f64, to_s: f64) -> f64 {
        self.window(from_s, to_s).fold(0.0, f64::max)
    }

    /// The mean target within `from..to` seconds.
    pub fn mean(&self, from_s: f64, to_s: f64) -> f64 {
        let (sum, n) = self
            .window(from_s, to_s)
            .fold((0.0, 0), |(s, n), v| (s + v, n + 1));
        sum / f64::from(n.max(1))
    }

    /// The share of samples within `from..to` seconds at or above `bps`.
    pub fn share_at_least(&self, from_s: f64, to_s: f64, bps: f64) -> f64 {
        let (hits, n) = self
            .window(from_s, to_s)
            .fold((0, 0), |(h, n), v| (h + u32::from(v >= bps), n + 1));
        f64::from(hits) / f64::from(n.max(1))
    }

    /// The first time (s) the target reaches `bps`.
    pub fn first_reaching(&self, bps: f64) -> Option<f64> {
        self.targets
            .iter()
            .find(|&&(_, target)| target >= bps)
            .map(|&(ms, _)| ms / 1000.0)
    }

    fn window(&self, from_s: f64, to_s: f64) -> impl Iterator<Item = f64> + '_ {
        self.targets
            .iter()
            .filter(move |&&(ms, _)| ms >= from_s * 1000.0 && ms < to_s * 1000.0)
            .map(|&(_, target)| target)
    }

    /// One line per second, for failure messages.
    pub fn summary(&self) -> String {
        self.targets
            .iter()
            .filter(|&&(ms, _)| (ms as u64).is_multiple_of(1000))
            .map(|&(ms, t)| format!("{:.0}s:{:.0}", ms / 1000.0, t / 1000.0))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

struct Packet {
    size: usize,
    departure_ms: f64,
    arrival_ms: Option<f64>,
}

const MTU_PAYLOAD: usize = 1200;
const FEEDBACK_INTERVAL_MS: f64 = 100.0;
const FRAME_INTERVAL_MS: f64 = 1000.0 / 30.0;
const AUDIO_INTERVAL_MS: f64 = 20.0;
const AUDIO_BYTES: usize = 120;
const PACING_FACTOR: f64 = 2.5;
const MAX_SEND_BPS: f64 = 5_000_000.0;
const PRUNE_HORIZON_MS: f64 = 2000.0;

fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Runs `scenario` for its full length against `estimator`.
pub fn run(scenario: &Scenario, estimator: &mut dyn BandwidthEstimator) -> Trace {
    let epoch = Instant::now();
    let at = |ms: f64| epoch + Duration::from_secs_f64(ms / 1000.0);
    let mut rng = StdRng::seed_from_u64(scenario.seed);
    let end_ms = scenario.phases.last().map_or(0.0, |&(until, _)| until);
    let path_at = |ms: f64| {
        scenario
            .phases
            .iter()
            .find(|&&(until, _)| ms < until)
            .map_or(Path::free(), |&(_, path)| path)
    };

    let mut packets: Vec<Packet> = Vec::new();
    // Sizes waiting in the pacer; a packet gets its id (transport-wide sequence) when sent.
    let mut queue: VecDeque<usize> = VecDeque::new();
    let mut budget_bits: f64 = 0.0;
    let mut link_free_ms: f64 = 0.0;
    let mut next_frame_ms = 0.0;
    let mut next_audio_ms = 0.0;
    let mut next_feedback_ms = 7.0;
    let mut next_to_report = 0usize;
    // (delivered at, made at, the made-at of the feedback before it).
    let mut deliveries: VecDeque<(f64, f64, f64)> = VecDeque::new();
    let mut last_made_ms: f64 = f64::NEG_INFINITY;
    let mut last_acked_made_ms: f64 = f64::NEG_INFINITY;
    let mut last_delivery_ms: f64 = 0.0;
    let mut trace = Trace::default();

    let mut tick = 0u64;
    loop {
        let now_ms = tick as f64;
        if now_ms >= end_ms {
            break;
        }
        let path = path_at(now_ms);
        let rate = match scenario.sender {
            Sender::Constant(bps) => bps,
            Sender::FollowTarget => estimator.target_bitrate().min(MAX_SEND_BPS),
        };

        // Encoder and microphone.
        if now_ms >= next_audio_ms {
            next_audio_ms += AUDIO_INTERVAL_MS;
            queue.push_front(AUDIO_BYTES);
        }
        if now_ms >= next_frame_ms {
            next_frame_ms += FRAME_INTERVAL_MS;
            let bytes = (rate * FRAME_INTERVAL_MS / 1000.0 / 8.0) as usize;
            let count = bytes.div_ceil(MTU_PAYLOAD).max(1);
            for _ in 0..count {
                queue.push_back(bytes / count + 40);
            }
        }

        // Pacer, then the path.
        budget_bits = (budget_bits + rate * PACING_FACTOR / 1000.0).min(12_000.0);
        while budget_bits > 0.0 {
            let Some(size) = queue.pop_front() else {
                break;
            };
            budget_bits -= (size * 8) as f64;
            let mut packet = Packet {
                size,
                departure_ms: now_ms,
                arrival_ms: None,
            };
            if rng.random::<f64>() >= path.loss {
                let start = link_free_ms.max(now_ms);
                link_free_ms = start + (size * 8) as f64 * 1000.0 / path.capacity_bps;
                let jitter = normal(&mut rng) * path.jitter_ms;
                packet.arrival_ms = Some(link_free_ms + (path.delay_ms + jitter).max(0.0));
            }
            packets.push(packet);
        }
        if queue.is_empty() {
            budget_bits = budget_bits.min(0.0);
        }

        // The receiver makes feedback every 100 ms about what arrived since the last one (and
        // anything older that arrived late); it reaches the sender one path delay later, or is
        // lost like any packet, and then what it covered is never acknowledged.
        if now_ms >= next_feedback_ms {
            next_feedback_ms += FEEDBACK_INTERVAL_MS;
            let back = path.delay_ms + (normal(&mut rng) * path.jitter_ms).max(-path.delay_ms);
            let delivery = (now_ms + back).max(last_delivery_ms);
            if rng.random::<f64>() >= path.loss {
                last_delivery_ms = delivery;
                deliveries.push_back((delivery, now_ms, last_made_ms));
            }
            last_made_ms = now_ms;
        }
        // The sender's history turns it into reports: every packet up to the newest one
        // acknowledged, once; packets sent over 2 s ago and not acknowledged are forgotten
        // (webrtc-rs's prune horizon), and an acknowledgement of one is ignored.
        while deliveries
            .front()
            .is_some_and(|&(when, _, _)| when <= now_ms)
        {
            let Some((_, made_ms, previous_made_ms)) = deliveries.pop_front() else {
                break;
            };
            // Acknowledged: arrived by the time this feedback was made, and after the one before
            // it was made if that one was lost (then `last_acked_made_ms` is older).
            let previous_acked_ms = last_acked_made_ms;
            let acked = |p: &Packet| {
                p.arrival_ms.is_some_and(|a| {
                    a <= made_ms && (a > previous_made_ms || previous_made_ms <= previous_acked_ms)
                })
            };
            last_acked_made_ms = made_ms;
            let forgotten = |p: &Packet| p.departure_ms < now_ms - PRUNE_HORIZON_MS;
            let newest = (next_to_report..packets.len()).rev().find(|&i| {
                let p = &packets[i];
                acked(p) && !forgotten(p)
            });
            let mut reports = Vec::new();
            if let Some(newest) = newest {
                let unreported = packets.iter().enumerate().take(newest + 1);
                for (id, p) in unreported.skip(next_to_report) {
                    let arrival = p.arrival_ms.filter(|_| acked(p));
                    if forgotten(p) {
                        continue;
                    }
                    trace.sent += 1;
                    if arrival.is_none() {
                        trace.reported_lost += 1;
                    }
                    reports.push(PacketReport {
                        ssrc: 1,
                        id: id as u64,
                        rtp_sequence_number: id as u16,
                        is_twcc: true,
                        twcc_sequence_number: id as u16,
                        size: p.size,
                        arrived: arrival.is_some(),
                        departure: at(p.departure_ms),
                        arrival: arrival.map(|a| Duration::from_secs_f64((a + 1000.0) / 1000.0)),
                        ecn: Ecn::default(),
                    });
                }
                next_to_report = newest + 1;
            }
            estimator.on_reports(at(now_ms), &reports);
        }
        if tick.is_multiple_of(100) {
            trace.targets.push((now_ms, estimator.target_bitrate()));
        }
        tick += 1;
    }
    trace
}
