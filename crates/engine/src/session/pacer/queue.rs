//! The pacer's pure core: a queue per priority and a byte budget driven by the instants
//! handed in (no clock, no packets of a particular type), so every schedule is a table test.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What a packet is, highest priority first (libwebrtc's `PrioritizedPacketQueue`, with
/// its two retransmission levels folded into one: we resend video only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Not paced: leaves at once and is not charged to the budget.
    Audio,
    /// A resend answering a NACK (RTX).
    Retransmission,
    /// Media (and FEC, were there any).
    Video,
    /// Probing bytes with no media in them.
    Padding,
}

/// Tunables; the defaults are libwebrtc's but for the queue-time limit.
#[derive(Debug, Clone, Copy)]
pub struct PacerConfig {
    /// How far ahead of the rate a run of packets may go (libwebrtc: 40 ms).
    pub burst: Duration,
    /// Above this expected queue time the pacer raises its rate so the queue empties
    /// within it (libwebrtc: 2 s; we prefer latency, and the encoder is held back first).
    pub queue_time_limit: Duration,
    /// Packets held before new ones are refused (a safety net; the time limit keeps the
    /// queue far below it).
    pub max_packets: usize,
}

impl Default for PacerConfig {
    fn default() -> Self {
        Self {
            burst: Duration::from_millis(40),
            queue_time_limit: Duration::from_millis(500),
            max_packets: 4096,
        }
    }
}

/// Lowest rate paced at: a zero rate would hold the queue for ever.
const MIN_RATE_BPS: f64 = 10_000.0;

/// Paced classes, in priority order (audio is never queued).
const PACED: [Class; 3] = [Class::Retransmission, Class::Video, Class::Padding];

/// The queue and its budget. `P` is the packet, opaque here; the caller gives its size.
#[derive(Debug)]
pub struct PacedQueue<P> {
    config: PacerConfig,
    rate_bps: f64,
    /// Bytes sent ahead of the rate (libwebrtc's media debt): each paced packet adds its
    /// size, time pays it back at the rate. A packet may leave while the debt is at most
    /// one burst.
    debt: f64,
    last: Option<Instant>,
    queues: [VecDeque<Queued<P>>; 3],
    queued_bytes: usize,
    /// Sum of the queued packets' enqueue times, µs after `epoch` (for their mean age).
    enqueued_us: f64,
    epoch: Option<Instant>,
    refused: u64,
}

#[derive(Debug)]
struct Queued<P> {
    packet: P,
    size: usize,
    /// Enqueue time, µs after the epoch.
    at_us: f64,
}

impl<P> PacedQueue<P> {
    /// An empty queue pacing at `rate_bps`.
    pub fn new(rate_bps: f64, config: PacerConfig) -> Self {
        Self {
            config,
            rate_bps: rate_bps.max(MIN_RATE_BPS),
            debt: 0.0,
            last: None,
            queues: Default::default(),
            queued_bytes: 0,
            enqueued_us: 0.0,
            epoch: None,
            refused: 0,
        }
    }

    /// The congestion controller's pacing rate, bit/s.
    pub fn set_rate(&mut self, now: Instant, rate_bps: f64) {
        self.advance(now);
        self.rate_bps = rate_bps.max(MIN_RATE_BPS);
    }

    /// The rate set, bit/s.
    pub fn rate_bps(&self) -> f64 {
        self.rate_bps
    }

    /// The rate paced at as of the last instant handed in: the set rate, raised so that
    /// what is queued leaves before its mean wait reaches the queue-time limit (libwebrtc's
    /// `PacingController`: queue size / (limit − average queue time), at least 1 ms).
    pub fn effective_rate_bps(&self) -> f64 {
        let n = self.queued_packets();
        let (Some(epoch), Some(last)) = (self.epoch, self.last) else {
            return self.rate_bps;
        };
        if n == 0 {
            return self.rate_bps;
        }
        let now_us = last.saturating_duration_since(epoch).as_secs_f64() * 1e6;
        let mean_age =
            Duration::from_secs_f64((now_us - self.enqueued_us / n as f64).max(0.0) / 1e6);
        let left = self
            .config
            .queue_time_limit
            .saturating_sub(mean_age)
            .max(Duration::from_millis(1));
        self.rate_bps
            .max(self.queued_bytes as f64 * 8.0 / left.as_secs_f64())
    }

    /// Bytes waiting (retransmissions, video, padding).
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Packets waiting.
    pub fn queued_packets(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }

    /// Packets refused because the queue was full.
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Takes a packet of `size` bytes. Audio comes straight back: it is sent at once and
    /// not charged. Anything else waits for [`PacedQueue::pop`] (or is refused, and
    /// dropped, when the queue is full).
    pub fn push(&mut self, now: Instant, class: Class, size: usize, packet: P) -> Option<P> {
        self.advance(now);
        let Some(level) = PACED.iter().position(|c| *c == class) else {
            return Some(packet);
        };
        if self.queued_packets() >= self.config.max_packets {
            self.refused += 1;
            return None;
        }
        let epoch = *self.epoch.get_or_insert(now);
        let at_us = now.saturating_duration_since(epoch).as_secs_f64() * 1e6;
        self.queues[level].push_back(Queued {
            packet,
            size,
            at_us,
        });
        self.queued_bytes += size;
        self.enqueued_us += at_us;
        None
    }

    /// The next packet that may leave at `now`, highest priority first (first in, first
    /// out within a class).
    pub fn pop(&mut self, now: Instant) -> Option<P> {
        self.advance(now);
        if self.debt > self.burst_bytes() {
            return None;
        }
        let q = self.queues.iter_mut().find_map(VecDeque::pop_front)?;
        self.queued_bytes -= q.size;
        self.enqueued_us -= q.at_us;
        if self.queued_packets() == 0 {
            self.enqueued_us = 0.0;
        }
        self.debt += q.size as f64;
        Some(q.packet)
    }

    /// When [`PacedQueue::pop`] will next release something; `None` with nothing queued.
    /// Always later than the last instant handed in, unless a packet may leave then.
    pub fn next_send_time(&self) -> Option<Instant> {
        let last = self.last?;
        if self.queued_packets() == 0 {
            return None;
        }
        let excess = self.debt - self.burst_bytes();
        if excess <= 0.0 {
            return Some(last);
        }
        // Rounded up to the next µs, plus one, so the debt is within the burst by then.
        let wait_us = (excess * 8.0 / self.effective_rate_bps() * 1e6).ceil() + 1.0;
        Some(last + Duration::from_micros(wait_us as u64))
    }

    fn burst_bytes(&self) -> f64 {
        self.effective_rate_bps() / 8.0 * self.config.burst.as_secs_f64()
    }

    /// Pays the debt back for the time since the last call.
    fn advance(&mut self, now: Instant) {
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            self.debt = (self.debt - elapsed * self.effective_rate_bps() / 8.0).max(0.0);
        }
        self.last = Some(self.last.map_or(now, |last| last.max(now)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// A named packet: (name, class, size in bytes).
    type Pkt = (&'static str, Class, usize);

    fn pkt(name: &'static str, class: Class, size: usize) -> Pkt {
        (name, class, size)
    }

    /// Pushes `packets` at t = 0, then pops at every deadline the queue gives until it is
    /// empty; returns (name, ms after start it left) for each, in order of leaving.
    fn schedule(rate_bps: f64, config: PacerConfig, packets: &[Pkt]) -> Vec<(&'static str, u64)> {
        let t0 = Instant::now();
        let mut q = PacedQueue::new(rate_bps, config);
        let mut out = Vec::new();
        for &(name, class, size) in packets {
            if let Some(p) = q.push(t0, class, size, name) {
                out.push((p, 0));
            }
        }
        let mut guard = 0;
        while let Some(at) = q.next_send_time() {
            guard += 1;
            assert!(guard < 10_000, "the schedule does not advance");
            while let Some(p) = q.pop(at) {
                out.push((p, (at - t0).as_millis() as u64));
            }
        }
        out
    }

    fn names(schedule: &[(&'static str, u64)]) -> Vec<&'static str> {
        schedule.iter().map(|(n, _)| *n).collect()
    }

    #[test]
    fn priorities_audio_then_retransmissions_then_video_then_padding() {
        // 100 kbit/s: a 40 ms burst is 500 bytes, so each 1000-byte packet waits for the
        // last one's debt; every packet is queued before the first leaves.
        let cases: &[(&str, &[Pkt], &[&str])] = &[
            (
                "video queued first still yields to a resend",
                &[
                    pkt("v1", Class::Video, 1000),
                    pkt("v2", Class::Video, 1000),
                    pkt("r1", Class::Retransmission, 1000),
                ],
                &["r1", "v1", "v2"],
            ),
            (
                "padding last, audio first",
                &[
                    pkt("p1", Class::Padding, 1000),
                    pkt("v1", Class::Video, 1000),
                    pkt("a1", Class::Audio, 100),
                    pkt("r1", Class::Retransmission, 1000),
                ],
                &["a1", "r1", "v1", "p1"],
            ),
            (
                "first in, first out within a class",
                &[
                    pkt("v1", Class::Video, 1000),
                    pkt("v2", Class::Video, 1000),
                    pkt("v3", Class::Video, 1000),
                ],
                &["v1", "v2", "v3"],
            ),
        ];
        for (what, packets, want) in cases {
            let got = names(&schedule(100_000.0, PacerConfig::default(), packets));
            assert_eq!(&got, want, "{what}");
        }
    }

    #[test]
    fn audio_is_not_paced_and_not_charged() {
        let t0 = Instant::now();
        let mut q = PacedQueue::new(100_000.0, PacerConfig::default());
        // A backlog of video: the budget is spent for a while.
        for _ in 0..10 {
            assert_eq!(q.push(t0, Class::Video, 1200, "v"), None);
        }
        assert_eq!(q.pop(t0), Some("v"));
        assert_eq!(q.pop(t0), None, "the budget is spent");
        let due = q.next_send_time().unwrap();
        // Audio leaves at once, however much is queued, and does not move the deadline.
        for _ in 0..50 {
            assert_eq!(q.push(t0, Class::Audio, 200, "a"), Some("a"));
        }
        assert_eq!(q.next_send_time(), Some(due));
        assert_eq!(q.queued_bytes(), 9 * 1200);
    }

    #[test]
    fn bursts_of_40_ms_then_the_rate() {
        // 1 Mbit/s: 40 ms is 5000 bytes. Idle, packets leave at once until the debt passes
        // one burst; then one packet per 1000 bytes / 1 Mbit/s = 8 ms.
        let packets: Vec<_> = (0..10).map(|_| pkt("v", Class::Video, 1000)).collect();
        let times: Vec<u64> = schedule(1_000_000.0, PacerConfig::default(), &packets)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(times, [0, 0, 0, 0, 0, 0, 8, 16, 24, 32]);

        // With a 0 burst, strictly paced from the second packet.
        let config = PacerConfig {
            burst: Duration::ZERO,
            ..PacerConfig::default()
        };
        let times: Vec<u64> = schedule(1_000_000.0, config, &packets[..4])
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(times, [0, 8, 16, 24]);
    }

    #[test]
    fn the_set_rate_holds_while_the_queue_is_short() {
        // 600 kbit/s offered for 0.4 s at 500 kbit/s: 30 kB leave by 480 ms, the queue
        // never nears the limit, so the rate is not raised.
        let t0 = Instant::now();
        let mut q = PacedQueue::new(500_000.0, PacerConfig::default());
        let mut last_sent = t0;
        for ms in 0..1000u32 {
            let now = t0 + MS * ms;
            if ms < 400 && ms % 10 == 0 {
                q.push(now, Class::Video, 750, ());
            }
            while q.pop(now).is_some() {
                last_sent = now;
            }
            assert!(q.effective_rate_bps() == 500_000.0, "at {ms} ms");
        }
        // Up to 40 ms of burst (and one packet) ahead of the rate.
        let ms = (last_sent - t0).as_millis();
        assert!((420..=480).contains(&ms), "last left at {ms} ms");
    }

    #[test]
    fn under_sustained_overload_no_packet_waits_much_longer_than_the_limit() {
        // 1 Mbit/s offered for 3 s at 500 kbit/s.
        let t0 = Instant::now();
        let mut q = PacedQueue::new(500_000.0, PacerConfig::default());
        let mut longest = Duration::ZERO;
        for ms in 0..4000u32 {
            let now = t0 + MS * ms;
            if ms < 3000 && ms % 10 == 0 {
                q.push(now, Class::Video, 1250, now);
            }
            while let Some(at) = q.pop(now) {
                longest = longest.max(now - at);
            }
        }
        assert!(longest <= MS * 600, "{longest:?}");
        assert!(
            longest >= MS * 400,
            "{longest:?}: paced at the set rate at first"
        );
    }

    #[test]
    fn a_queue_above_the_time_limit_drains_faster() {
        // (queued bytes, rate, expected effective rate)
        let cases = [
            (0usize, 1_000_000.0, 1_000_000.0),
            (50_000, 1_000_000.0, 1_000_000.0), // 400 ms: under the limit
            (62_500, 1_000_000.0, 1_000_000.0), // 500 ms: at it
            (125_000, 1_000_000.0, 2_000_000.0), // 1 s: drains in 500 ms
            (125_000, 100_000.0, 2_000_000.0),  // 10 s at the rate: still 500 ms
        ];
        let t0 = Instant::now();
        for (bytes, rate, want) in cases {
            let mut q = PacedQueue::new(rate, PacerConfig::default());
            // Spend the initial burst so the queue stays.
            q.push(t0, Class::Video, 1, ());
            q.pop(t0);
            q.debt = 1e9;
            if bytes > 0 {
                q.push(t0, Class::Video, bytes, ());
            }
            assert_eq!(q.effective_rate_bps(), want, "{bytes} bytes at {rate}");
        }

        // A 10 s backlog at 100 kbit/s (125 kB in 1 kB packets) is gone in about 0.5 s,
        // not 10 s.
        let packets: Vec<_> = (0..125).map(|_| pkt("v", Class::Video, 1000)).collect();
        let sched = schedule(100_000.0, PacerConfig::default(), &packets);
        let last = sched.last().unwrap().1;
        assert!((400..=800).contains(&last), "last packet left at {last} ms");

        // Without the limit (libwebrtc's 2 s), it takes 2 s.
        let config = PacerConfig {
            queue_time_limit: Duration::from_secs(2),
            ..PacerConfig::default()
        };
        let last = schedule(100_000.0, config, &packets).last().unwrap().1;
        assert!(
            (1600..=2400).contains(&last),
            "last packet left at {last} ms"
        );
    }

    #[test]
    fn a_rate_change_applies_to_what_is_queued() {
        let t0 = Instant::now();
        let config = PacerConfig {
            burst: Duration::ZERO,
            ..PacerConfig::default()
        };
        let mut q = PacedQueue::new(100_000.0, config);
        for _ in 0..3 {
            q.push(t0, Class::Video, 1000, ());
        }
        assert!(q.pop(t0).is_some());
        // 1000 bytes at 100 kbit/s: 80 ms.
        assert_eq!(
            q.next_send_time(),
            Some(t0 + MS * 80 + Duration::from_micros(1))
        );
        q.set_rate(t0, 1_000_000.0);
        assert_eq!(
            q.next_send_time(),
            Some(t0 + MS * 8 + Duration::from_micros(1))
        );
    }

    #[test]
    fn idle_means_no_deadline_and_deadlines_advance() {
        let t0 = Instant::now();
        let mut q = PacedQueue::new(300_000.0, PacerConfig::default());
        assert_eq!(q.next_send_time(), None);
        for _ in 0..20 {
            q.push(t0, Class::Video, 1200, ());
        }
        let mut now = t0;
        while let Some(at) = q.next_send_time() {
            assert!(at >= now);
            now = at;
            while q.pop(now).is_some() {}
            if let Some(next) = q.next_send_time() {
                assert!(
                    next > now,
                    "a deadline at the instant just handled busy-loops"
                );
            }
        }
        assert_eq!(q.queued_packets(), 0);
        assert_eq!(q.queued_bytes(), 0);
    }

    #[test]
    fn a_full_queue_refuses_new_packets() {
        let t0 = Instant::now();
        let config = PacerConfig {
            max_packets: 2,
            ..PacerConfig::default()
        };
        let mut q = PacedQueue::new(100_000.0, config);
        for n in 0..3 {
            q.push(t0, Class::Video, 100, n);
        }
        assert_eq!(q.refused(), 1);
        assert_eq!(q.queued_packets(), 2);
        assert_eq!(q.pop(t0), Some(0));
    }
}
