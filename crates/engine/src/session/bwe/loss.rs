//! The loss-based rate: libwebrtc's loss-based v1 (`SendSideBandwidthEstimation::UpdateEstimate`,
//! `modules/congestion_controller/goog_cc/send_side_bandwidth_estimation.cc`), on a loss
//! fraction measured from transport-wide feedback in a way reordering cannot inflate.
//!
//! **Rules** (per loss report: at least 50 packets over at least a second, about what
//! libwebrtc's receiver reports cover): loss ≤ 2 % → +8 % a second (on the
//! lowest value of the last second) + 1 kbit/s, up to the delay-based estimate; 2–10 % →
//! hold; > 10 % → × (1 − loss / 2), at most once per report and per 300 ms + RTT.
//!
//! **Separate state.** libwebrtc keeps one target that the delay-based estimate caps, so a
//! dip of the delay half during 2–10 % loss is never recovered (hold means hold). Here the
//! loss half keeps its own value and the target is the lower of the two: it limits only
//! once it has decreased or held while the delay half rose, and until then it follows the
//! delay half (libwebrtc does the same for the first 2 s). A random-loss path therefore
//! holds the rate it had, and a false delay dip recovers.
//!
//! **Reordering is not loss.** webrtc-rs's feedback history reports every packet up to the
//! newest acknowledged one and forgets it: a packet still in flight behind a reordered,
//! faster one is reported lost, and its late acknowledgement is dropped. With 20 ms of
//! normal jitter and feedback every 100 ms that is a fifth of all packets. So a packet
//! counts (lost or not) only when it was sent long enough before the feedback was made that
//! it would have arrived: its send time plus the highest recent one-way delay (+5 ms) must
//! be before the batch's last arrival (both measured as `arrival − send`, so the clock
//! offset cancels). On a clean path that leaves out the last few ms of each batch; with
//! 20 ms of jitter most of each batch, but what is counted is unbiased.
//!
//! **A lost feedback packet is not loss either.** The receiver acknowledges each packet
//! once; when a feedback packet is lost the next one starts after it, and the history
//! reports all the packets it covered (100 ms of them) as lost. In a real call at 5 %
//! loss that read 20–90 % for a second now and then, and cut the rate to a third. So the
//! not-arrived packets *before* the first arrived one of a batch do not count.

use std::collections::VecDeque;

/// At or below this loss the rate may increase.
pub const LOW_LOSS: f64 = 0.02;
/// Above this loss the rate decreases.
pub const HIGH_LOSS: f64 = 0.10;
/// A loss fraction needs this many counted packets (libwebrtc: 20, but its receiver
/// reports cover a second of *all* packets, about 100 here; of 20 or 30, 5 % random loss
/// reads above 10 % one time in ten and the rate walks down)
pub const MIN_PACKETS: u32 = 50;
/// and this much time (the receiver-report interval libwebrtc's v1 works on).
pub const MIN_REPORT_INTERVAL_MS: f64 = 1000.0;
/// Increase per second (on the lowest rate of the last second) below [`LOW_LOSS`].
pub const GROWTH_PER_S: f64 = 1.08;
/// A loss report older than this is ignored.
const LOSS_REPORT_TIMEOUT_MS: f64 = 6_000.0;
/// Increase per second while recovering from a loss-based cut at 2-10 % loss.
const HOLD_GROWTH_PER_S: f64 = 1.04;
/// Slack on the highest one-way delay.
const MARGIN_MS: f64 = 5.0;
/// One-way delays kept for the reorder window.
const DELAY_SAMPLES: usize = 128;
/// One-way delays needed before their spread is published.
const MIN_SPREAD_SAMPLES: usize = 32;

/// One packet of a feedback batch, in send order.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// Departure, ms.
    pub send_ms: f64,
    /// Arrival on the receiver's clock, ms, if it arrived.
    pub arrival_ms: Option<f64>,
}

/// Counts loss over feedback batches, leaving out what reordering may still deliver.
#[derive(Debug, Clone, Default)]
pub struct LossCounter {
    delays: VecDeque<f64>,
    lost: u32,
    expected: u32,
    since_ms: Option<f64>,
}

impl LossCounter {
    /// The highest one-way delay to expect (arrival − send, clocks unsynchronised), ms: the
    /// highest seen, or median + 4 σ (σ from the interquartile range) if that is more.
    /// The samples are censored — the latest packets of each batch are reported lost,
    /// never measured — so the highest seen alone underestimates the tail.
    fn highest_delay_ms(&self) -> Option<f64> {
        // One sort for all four.
        let [q1, median, q3, highest] = self.delay_quantiles([0.25, 0.5, 0.75, 1.0])?;
        Some(highest.max(median + 4.0 * sigma(q1, q3)))
    }

    /// The recent one-way delays at quantiles `q` (0..=1), ms.
    fn delay_quantiles<const N: usize>(&self, q: [f64; N]) -> Option<[f64; N]> {
        if self.delays.is_empty() {
            return None;
        }
        let mut sorted: Vec<f64> = self.delays.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        Some(q.map(|q| sorted[((sorted.len() - 1) as f64 * q).round() as usize]))
    }

    /// The path's jitter as the feedback sees it: σ of the last [`DELAY_SAMPLES`] one-way
    /// delays, ms, once at least [`MIN_SPREAD_SAMPLES`] arrived.
    pub fn delay_spread_ms(&self) -> Option<f64> {
        let [q1, q3] = self
            .delay_quantiles([0.25, 0.75])
            .filter(|_| self.delays.len() >= MIN_SPREAD_SAMPLES)?;
        Some(sigma(q1, q3))
    }

    /// The reorder window, ms: the spread of recent one-way delays.
    #[cfg(test)]
    pub fn reorder_window_ms(&self) -> f64 {
        let lowest = self.delays.iter().copied().reduce(f64::min);
        self.highest_delay_ms()
            .zip(lowest)
            .map_or(0.0, |(hi, lo)| hi - lo)
    }

    /// One feedback batch (in send order); returns a loss fraction when enough packets
    /// have been counted since the last one.
    pub fn on_batch(&mut self, now_ms: f64, batch: &[Sent]) -> Option<f64> {
        for arrival in batch.iter().filter_map(|p| Some(p.arrival_ms? - p.send_ms)) {
            self.delays.push_back(arrival);
            if self.delays.len() > DELAY_SAMPLES {
                self.delays.pop_front();
            }
        }
        // When the feedback was made, on the receiver's clock: at least the last arrival.
        let made = batch
            .iter()
            .filter_map(|p| p.arrival_ms)
            .fold(f64::NEG_INFINITY, f64::max);
        let horizon = made - self.highest_delay_ms().unwrap_or(0.0) - MARGIN_MS;
        // Packets before the first acknowledged one may have been acknowledged by a
        // feedback packet that was itself lost: the next one starts where that one ended,
        // and the history reports the gap as lost.
        let first_arrived = batch.iter().position(|p| p.arrival_ms.is_some());
        let judged = batch.iter().skip(first_arrived.unwrap_or(batch.len()));
        for packet in judged.filter(|p| p.send_ms <= horizon) {
            self.expected += 1;
            if packet.arrival_ms.is_none() {
                self.lost += 1;
            }
        }
        let since = *self.since_ms.get_or_insert(now_ms);
        if self.expected < MIN_PACKETS || now_ms - since < MIN_REPORT_INTERVAL_MS {
            return None;
        }
        self.since_ms = Some(now_ms);
        let fraction = f64::from(self.lost) / f64::from(self.expected);
        self.lost = 0;
        self.expected = 0;
        Some(fraction)
    }
}

/// σ from the interquartile range (robust to the censored tail and to a few late packets).
fn sigma(q1: f64, q3: f64) -> f64 {
    (q3 - q1) / 1.349
}

/// Loss-based v1, as a separate limit on the delay-based estimate.
#[derive(Debug, Clone)]
pub struct LossBased {
    counter: LossCounter,
    state: f64,
    min: f64,
    max: f64,
    limiting: bool,
    fraction: Option<(f64, f64)>,
    decreased_since_report: bool,
    last_decrease_ms: Option<f64>,
    history: VecDeque<(f64, f64)>,
}

impl LossBased {
    /// Starts at `initial` bit/s, held within `min..=max`.
    pub fn new(initial: f64, min: f64, max: f64) -> Self {
        Self {
            counter: LossCounter::default(),
            state: initial.clamp(min, max),
            min,
            max,
            limiting: false,
            fraction: None,
            decreased_since_report: false,
            last_decrease_ms: None,
            history: VecDeque::new(),
        }
    }

    /// The loss-based limit, bit/s.
    pub fn estimate(&self) -> f64 {
        self.state
    }

    /// The path's jitter, ms ([`LossCounter::delay_spread_ms`]).
    pub fn delay_spread_ms(&self) -> Option<f64> {
        self.counter.delay_spread_ms()
    }

    /// The last loss fraction measured.
    pub fn loss(&self) -> Option<f64> {
        self.fraction.map(|(fraction, _)| fraction)
    }

    /// One feedback batch at `now_ms`, then an update against the delay-based estimate.
    pub fn on_batch(&mut self, now_ms: f64, batch: &[Sent], delay_based: f64, rtt_ms: f64) -> f64 {
        if let Some(fraction) = self.counter.on_batch(now_ms, batch) {
            self.fraction = Some((fraction, now_ms));
            self.decreased_since_report = false;
        }
        self.update(now_ms, delay_based, rtt_ms)
    }

    fn update(&mut self, now_ms: f64, delay_based: f64, rtt_ms: f64) -> f64 {
        while self
            .history
            .front()
            .is_some_and(|&(at, _)| now_ms - at + 1.0 > 1000.0)
        {
            self.history.pop_front();
        }
        while self
            .history
            .back()
            .is_some_and(|&(_, rate)| rate >= self.state)
        {
            self.history.pop_back();
        }
        self.history.push_back((now_ms, self.state));

        let fresh = self
            .fraction
            .filter(|&(_, at)| now_ms - at < LOSS_REPORT_TIMEOUT_MS)
            .map(|(fraction, _)| fraction);
        match fresh {
            None if self.fraction.is_none() && !self.limiting => self.state = delay_based,
            None => {}
            Some(loss) if loss <= LOW_LOSS => {
                if self.limiting {
                    let floor = self.history.front().map_or(self.state, |&(_, rate)| rate);
                    self.state = self.state.max(floor * GROWTH_PER_S + 1000.0);
                    if self.state >= delay_based {
                        self.limiting = false;
                    }
                }
                if !self.limiting {
                    self.state = delay_based;
                }
            }
            Some(loss) if loss <= HIGH_LOSS && self.limiting => {
                // 2-10 % after a cut: recover, more slowly than on a clean path, so a
                // link that really is full is not pushed straight back into >10 % loss.
                let floor = self.history.front().map_or(self.state, |&(_, rate)| rate);
                self.state = self.state.max(floor * HOLD_GROWTH_PER_S + 1000.0);
                if self.state >= delay_based {
                    self.limiting = false;
                    self.state = delay_based;
                }
            }
            Some(loss) if loss <= HIGH_LOSS => {
                // Random loss of a few per cent is not congestion (libwebrtc v1 holds here,
                // which pins a call that starts at 300 kbit/s on a 5 %-loss Wi-Fi to its
                // start rate for good): the delay half decides. A queue still shows as delay.
                self.state = delay_based;
            }
            Some(loss) => {
                let due = self
                    .last_decrease_ms
                    .is_none_or(|last| now_ms - last >= 300.0 + rtt_ms);
                if !self.decreased_since_report && due {
                    self.state = self.state.min(delay_based) * (1.0 - 0.5 * loss);
                    self.limiting = true;
                    self.decreased_since_report = true;
                    self.last_decrease_ms = Some(now_ms);
                }
            }
        }
        self.state = self.state.clamp(self.min, self.max);
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch of `n` packets 10 ms apart from `start_ms`, with 50 ms of delay; `lost` are
    /// indices that did not arrive.
    fn batch(start_ms: f64, n: usize, lost: &[usize]) -> Vec<Sent> {
        (0..n)
            .map(|i| {
                let send_ms = start_ms + i as f64 * 10.0;
                Sent {
                    send_ms,
                    arrival_ms: (!lost.contains(&i)).then_some(send_ms + 50.0),
                }
            })
            .collect()
    }

    #[test]
    fn loss_is_counted_on_a_clean_path() {
        let mut counter = LossCounter::default();
        assert_eq!(None, counter.on_batch(0.0, &batch(0.0, 30, &[3])));
        // 58 packets but not a second yet.
        assert_eq!(None, counter.on_batch(100.0, &batch(300.0, 30, &[])));
        // Each batch's last packet is too recent to judge: 3 lost of 87.
        assert_eq!(
            Some(3.0 / 87.0),
            counter.on_batch(1000.0, &batch(600.0, 30, &[5, 6]))
        );
    }

    #[test]
    fn packets_that_reordering_may_still_deliver_do_not_count() {
        let mut counter = LossCounter::default();
        // Delays spread over 50..110 ms: the last packets before the newest are not judged.
        let jittery: Vec<Sent> = (0..80)
            .map(|i| Sent {
                send_ms: f64::from(i) * 10.0,
                arrival_ms: Some(f64::from(i) * 10.0 + 50.0 + f64::from(i % 7) * 10.0),
            })
            .collect();
        assert_eq!(None, counter.on_batch(0.0, &jittery));
        assert!(
            counter.reorder_window_ms() >= 60.0,
            "{}",
            counter.reorder_window_ms()
        );
        // Next batch: the 5 packets sent last are "lost" (still in flight), the rest arrived.
        let mut next = batch(800.0, 30, &[]);
        for packet in &mut next[24..29] {
            packet.arrival_ms = None;
        }
        // Counted naively that would be 5 of 30 (17 %, a decrease); they are left out.
        assert_eq!(Some(0.0), counter.on_batch(1000.0, &next));
    }

    #[test]
    fn the_delay_spread_is_the_path_s_jitter() {
        let mut counter = LossCounter::default();
        // A steady path: too few packets, then no spread.
        counter.on_batch(0.0, &batch(0.0, 20, &[]));
        assert_eq!(counter.delay_spread_ms(), None);
        counter.on_batch(100.0, &batch(200.0, 20, &[]));
        assert_eq!(counter.delay_spread_ms(), Some(0.0));
        // Delays spread evenly over 0..70 ms in steps of 10 (σ ≈ 23; from the
        // interquartile range, 30 / 1.349 ≈ 22).
        let jittery: Vec<Sent> = (0..128)
            .map(|i| Sent {
                send_ms: 400.0 + f64::from(i) * 10.0,
                arrival_ms: Some(450.0 + f64::from(i) * 10.0 + f64::from(i % 8) * 10.0),
            })
            .collect();
        counter.on_batch(2000.0, &jittery);
        let spread = counter.delay_spread_ms().unwrap_or_default();
        assert!((20.0..=25.0).contains(&spread), "{spread}");
    }

    #[test]
    fn a_lost_feedback_packet_is_not_loss() {
        let mut counter = LossCounter::default();
        assert_eq!(None, counter.on_batch(0.0, &batch(0.0, 32, &[3])));
        // The feedback for the first 10 packets of this batch was lost: 1 lost of 31 + 21.
        let gap: Vec<usize> = (0..10).collect();
        assert_eq!(
            Some(1.0 / 52.0),
            counter.on_batch(1000.0, &batch(320.0, 32, &gap))
        );
    }

    #[test]
    fn between_2_and_10_percent_the_delay_half_decides() {
        let mut loss = LossBased::new(300_000.0, 100_000.0, 10_000_000.0);
        let mut now = 0.0;
        for i in 0..50 {
            now += 100.0;
            // 1 lost of 20 = 5 %, as on a lossy Wi-Fi; the delay half ramps up.
            let delay_based = 300_000.0 + f64::from(i) * 20_000.0;
            loss.on_batch(now, &batch(now, 20, &[7]), delay_based, 100.0);
        }
        assert_eq!(1_280_000.0, loss.estimate(), "not pinned to the start rate");
    }

    #[test]
    fn after_a_cut_2_to_10_percent_recovers_slowly() {
        let mut loss = LossBased::new(800_000.0, 100_000.0, 10_000_000.0);
        let heavy = [1, 5, 9, 13, 17, 21];
        loss.on_batch(0.0, &batch(0.0, 30, &heavy), 800_000.0, 100.0);
        let cut = loss.on_batch(1000.0, &batch(300.0, 30, &heavy), 800_000.0, 100.0);
        assert!(cut < 800_000.0 * 0.95, "{cut}");
        let mut now = 1000.0;
        for _ in 0..10 {
            now += 100.0;
            loss.on_batch(now, &batch(now - 700.0, 20, &[7]), 800_000.0, 100.0);
        }
        let after_1s = loss.estimate();
        assert!(
            after_1s > cut && after_1s < cut * 1.1,
            "{cut} -> {after_1s}"
        );
    }

    #[test]
    fn above_10_percent_decreases_by_half_the_loss() {
        let mut loss = LossBased::new(800_000.0, 100_000.0, 10_000_000.0);
        let lossy = [1, 5, 9, 13, 17, 21];
        loss.on_batch(0.0, &batch(0.0, 30, &lossy), 800_000.0, 100.0);
        let got = loss.on_batch(1000.0, &batch(300.0, 30, &lossy), 800_000.0, 100.0);
        // 12 lost of 58 judged (each batch's last packet is too recent).
        let expected = 800_000.0 * (1.0 - 0.5 * 12.0 / 58.0);
        assert!((got - expected).abs() < 1.0, "{got}");
        // Not again until a new report and 300 ms + RTT.
        let got = loss.on_batch(1050.0, &batch(400.0, 10, &[]), 800_000.0, 100.0);
        assert!((got - expected).abs() < 1.0, "{got}");
    }

    #[test]
    fn below_2_percent_recovers_at_8_percent_a_second_then_follows_the_delay_half() {
        let mut loss = LossBased::new(800_000.0, 100_000.0, 10_000_000.0);
        loss.on_batch(0.0, &batch(0.0, 30, &[1, 5, 9, 13, 17]), 800_000.0, 100.0);
        loss.on_batch(
            1000.0,
            &batch(300.0, 30, &[1, 5, 9, 13, 17]),
            800_000.0,
            100.0,
        );
        let low = loss.estimate();
        assert!(
            (low - 800_000.0 * (1.0 - 0.5 * 10.0 / 58.0)).abs() < 1.0,
            "{low}"
        );
        let mut now = 1000.0;
        for _ in 0..10 {
            now += 100.0;
            loss.on_batch(now, &batch(now, 20, &[]), 2_000_000.0, 100.0);
        }
        let ratio = loss.estimate() / low;
        assert!((1.05..1.12).contains(&ratio), "{ratio}");
        for _ in 0..200 {
            now += 100.0;
            loss.on_batch(now, &batch(now, 20, &[]), 2_000_000.0, 100.0);
        }
        assert_eq!(2_000_000.0, loss.estimate());
    }
}
