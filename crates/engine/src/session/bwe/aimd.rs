//! The delay-based rate: libwebrtc's `AimdRateControl` and `LinkCapacityEstimator`
//! (`modules/remote_bitrate_estimator/aimd_rate_control.cc`, `link_capacity_estimator.cc`).
//!
//! - **Decrease** on overuse to [`BETA`] × the acknowledged throughput (−5 kbit/s), at most
//!   once per RTT (10–200 ms) unless the throughput fell below half the estimate; each
//!   overuse also feeds the link-capacity estimate.
//! - **Increase** while the path is normal: additive (about one packet per response time,
//!   `RTT + 100 ms`) while the throughput is within the link-capacity estimate's bounds,
//!   multiplicative (8 %/s) when there is no such estimate, and never above
//!   1.5 × throughput + 10 kbit/s.
//! - **Hold** while the queue drains (underuse) and once after a decrease.
//!
//! One deliberate difference: libwebrtc finds the capacity at start-up with padding probes
//! (3× and 6× the start rate, then doubling); we have no padding, so until the first
//! overuse the multiplicative increase is [`STARTUP_GROWTH_PER_S`] per second instead of
//! 8 % — the media itself probes, still capped at 1.5 × what is acknowledged.

use super::trendline::Usage;

/// Multiplicative decrease on overuse.
pub const BETA: f64 = 0.85;
/// Multiplicative increase per second far from the link capacity.
pub const GROWTH_PER_S: f64 = 1.08;
/// Multiplicative increase per second before the first overuse (stands in for probing).
pub const STARTUP_GROWTH_PER_S: f64 = 1.5;
/// Drop on feedback starvation, at least.
pub const STARVED_DROP: f64 = 0.8;
/// The estimate may not exceed this multiple of the acknowledged throughput (+10 kbit/s).
pub const MAX_THROUGHPUT_MULTIPLE: f64 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Hold,
    Increase,
    Decrease,
}

/// libwebrtc's link-capacity estimate: an average of the throughputs seen at overuse, with
/// a deviation that says how far the throughput may wander before it is stale.
#[derive(Debug, Clone, Default)]
pub struct LinkCapacity {
    estimate_kbps: Option<f64>,
    deviation_kbps: f64,
}

impl LinkCapacity {
    const ALPHA: f64 = 0.05;

    fn upper_bound(&self) -> f64 {
        self.estimate_kbps.map_or(f64::INFINITY, |e| {
            (e + 3.0 * (e * self.deviation_kbps).sqrt()) * 1000.0
        })
    }

    fn lower_bound(&self) -> f64 {
        self.estimate_kbps.map_or(0.0, |e| {
            ((e - 3.0 * (e * self.deviation_kbps).sqrt()) * 1000.0).max(0.0)
        })
    }

    fn reset(&mut self) {
        self.estimate_kbps = None;
    }

    fn on_overuse(&mut self, throughput_bps: f64) {
        let sample = throughput_bps / 1000.0;
        let estimate = match self.estimate_kbps {
            None => sample,
            Some(e) => (1.0 - Self::ALPHA) * e + Self::ALPHA * sample,
        };
        let norm = estimate.max(1.0);
        let error = estimate - sample;
        self.deviation_kbps = ((1.0 - Self::ALPHA) * self.deviation_kbps
            + Self::ALPHA * error * error / norm)
            .clamp(0.4, 2.5);
        self.estimate_kbps = Some(estimate);
    }

    /// The estimate in bit/s, if any overuse has been seen since the last reset.
    pub fn estimate(&self) -> Option<f64> {
        self.estimate_kbps.map(|e| e * 1000.0)
    }
}

/// AIMD on the overuse detector's signal.
#[derive(Debug, Clone)]
pub struct Aimd {
    current: f64,
    min: f64,
    max: f64,
    state: State,
    latest_throughput: f64,
    last_change_ms: Option<f64>,
    link: LinkCapacity,
    startup: bool,
}

impl Aimd {
    /// Starts at `initial` bit/s, held within `min..=max`.
    pub fn new(initial: f64, min: f64, max: f64) -> Self {
        let current = initial.clamp(min, max);
        Self {
            current,
            min,
            max,
            state: State::Hold,
            latest_throughput: current,
            last_change_ms: None,
            link: LinkCapacity::default(),
            startup: true,
        }
    }

    /// The delay-based estimate, bit/s.
    pub fn estimate(&self) -> f64 {
        self.current
    }

    /// libwebrtc's `TimeToReduceFurther`: a further decrease while overusing waits one RTT
    /// (10–200 ms), unless the throughput is below half the estimate.
    pub fn time_to_reduce_further(&self, now_ms: f64, throughput: f64, rtt_ms: f64) -> bool {
        let interval = rtt_ms.clamp(10.0, 200.0);
        if self
            .last_change_ms
            .is_none_or(|last| now_ms - last >= interval)
        {
            return true;
        }
        throughput < 0.5 * self.current
    }

    /// One update with the detector's conclusion and the acknowledged throughput (bit/s).
    pub fn update(
        &mut self,
        now_ms: f64,
        usage: Usage,
        throughput: Option<f64>,
        rtt_ms: f64,
    ) -> f64 {
        let throughput = match throughput {
            Some(t) => {
                self.latest_throughput = t;
                t
            }
            None => self.latest_throughput,
        };
        match usage {
            Usage::Normal => {
                if self.state == State::Hold {
                    self.last_change_ms = Some(now_ms);
                    self.state = State::Increase;
                }
            }
            Usage::Overusing => self.state = State::Decrease,
            Usage::Underusing => self.state = State::Hold,
        }
        let mut new = self.current;
        match self.state {
            State::Hold => {}
            State::Increase => {
                if throughput > self.link.upper_bound() {
                    self.link.reset();
                }
                let limit = MAX_THROUGHPUT_MULTIPLE * throughput + 10_000.0;
                if self.current < limit {
                    let elapsed_ms = self.last_change_ms.map_or(0.0, |last| now_ms - last);
                    let increase = if self.link.estimate().is_some() {
                        self.additive_increase(elapsed_ms, rtt_ms)
                    } else {
                        let growth = if self.startup {
                            STARTUP_GROWTH_PER_S
                        } else {
                            GROWTH_PER_S
                        };
                        let alpha = growth.powf((elapsed_ms / 1000.0).clamp(0.0, 1.0));
                        (self.current * (alpha - 1.0)).max(1000.0)
                    };
                    new = (self.current + increase).min(limit);
                }
                self.last_change_ms = Some(now_ms);
            }
            State::Decrease => {
                let mut decreased = throughput * BETA;
                if decreased > 5000.0 {
                    decreased -= 5000.0;
                }
                if decreased > self.current {
                    if let Some(link) = self.link.estimate() {
                        decreased = BETA * link;
                    }
                }
                if decreased < self.current {
                    new = decreased;
                }
                if throughput < self.link.lower_bound() {
                    // Far below what the link carried before: that estimate is stale.
                    self.link.reset();
                }
                self.link.on_overuse(throughput);
                self.startup = false;
                self.state = State::Hold;
                self.last_change_ms = Some(now_ms);
            }
        }
        self.current = new.clamp(self.min, self.max);
        self.current
    }

    /// libwebrtc's overuse before any acknowledged bitrate: halve the estimate, at most
    /// once per RTT (10–200 ms).
    pub fn halve(&mut self, now_ms: f64, rtt_ms: f64) {
        if !self.time_to_reduce_further(now_ms, self.current, rtt_ms) {
            return;
        }
        self.current = (self.current / 2.0).clamp(self.min, self.max);
        self.startup = false;
        self.state = State::Hold;
        self.last_change_ms = Some(now_ms);
    }

    /// Feedback keeps coming but acknowledges only packets sent so long ago that the
    /// history forgot them: a queue of seconds. Back off as on overuse, and by at least
    /// [`STARVED_DROP`] (libwebrtc's RTT backoff drops × 0.8 a second once the RTT passes
    /// its limit), but not below half the last acknowledged throughput; with none
    /// acknowledged yet, halve.
    pub fn on_starved(&mut self, now_ms: f64, throughput: Option<f64>, rtt_ms: f64) -> f64 {
        let before = self.current;
        self.update(now_ms, Usage::Overusing, throughput, rtt_ms);
        // Not below half of what the path last delivered: that drains the queue at half the
        // link rate or more, and a queue of seconds takes seconds to drain whatever we do,
        // so cutting on for as long as it lasts would only end at the floor.
        let floor = throughput.map_or(self.min, |t| (0.5 * t).min(before));
        // Nothing was ever acknowledged: nothing to back off to, so halve (libwebrtc halves
        // on overuse before it knows a throughput).
        let drop = if throughput.is_some() {
            STARVED_DROP
        } else {
            0.5
        };
        self.current = self
            .current
            .min(before * drop)
            .max(floor)
            .clamp(self.min, self.max);
        self.current
    }

    /// About one average packet per response time (libwebrtc's
    /// `GetNearMaxIncreaseRateBpsPerSecond`), at least 4 kbit/s per second.
    fn additive_increase(&self, elapsed_ms: f64, rtt_ms: f64) -> f64 {
        let frame_bits = self.current / 30.0;
        let packets_per_frame = (frame_bits / (1200.0 * 8.0)).ceil().max(1.0);
        let packet_bits = frame_bits / packets_per_frame;
        let response_s = (rtt_ms + 100.0) / 1000.0;
        let per_second = (packet_bits / response_s).max(4000.0);
        per_second * elapsed_ms.max(0.0) / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 100_000.0;
    const MAX: f64 = 20_000_000.0;

    #[test]
    fn overuse_backs_off_to_085_of_the_throughput() {
        let mut aimd = Aimd::new(1_000_000.0, MIN, MAX);
        let target = aimd.update(0.0, Usage::Overusing, Some(600_000.0), 100.0);
        assert!(
            (target - (600_000.0 * 0.85 - 5000.0)).abs() < 1.0,
            "{target}"
        );
    }

    #[test]
    fn after_the_first_overuse_growth_is_8_percent_a_second_far_from_capacity() {
        let mut aimd = Aimd::new(1_000_000.0, MIN, MAX);
        aimd.update(0.0, Usage::Overusing, Some(1_000_000.0), 100.0);
        let start = aimd.estimate();
        // Throughput far above the capacity seen: the capacity estimate is reset.
        for i in 1..=10 {
            aimd.update(
                f64::from(i) * 100.0,
                Usage::Normal,
                Some(3_000_000.0),
                100.0,
            );
        }
        let after_1s = aimd.update(1100.0, Usage::Normal, Some(3_000_000.0), 100.0);
        let ratio = after_1s / start;
        assert!((1.07..1.09).contains(&ratio), "{ratio}");
    }

    #[test]
    fn near_capacity_growth_is_additive() {
        let mut aimd = Aimd::new(500_000.0, MIN, MAX);
        aimd.update(0.0, Usage::Overusing, Some(500_000.0), 100.0);
        let start = aimd.estimate();
        for i in 1..=11 {
            aimd.update(f64::from(i) * 100.0, Usage::Normal, Some(450_000.0), 100.0);
        }
        let gained = aimd.estimate() - start;
        assert!((20_000.0..60_000.0).contains(&gained), "{gained}");
    }

    #[test]
    fn the_increase_is_capped_by_the_throughput() {
        let mut aimd = Aimd::new(300_000.0, MIN, MAX);
        for i in 0..100 {
            aimd.update(f64::from(i) * 100.0, Usage::Normal, Some(200_000.0), 100.0);
        }
        assert!(aimd.estimate() <= 1.5 * 200_000.0 + 10_000.0 + 1.0);
    }

    #[test]
    fn starvation_backs_off_to_the_throughput_and_by_at_least_a_fifth() {
        let mut aimd = Aimd::new(1_000_000.0, MIN, MAX);
        let got = aimd.on_starved(0.0, Some(300_000.0), 100.0);
        assert!((got - (300_000.0 * 0.85 - 5000.0)).abs() < 1.0, "{got}");
        let got = aimd.on_starved(1000.0, Some(300_000.0), 100.0);
        assert!(
            (got - 0.8 * (300_000.0 * 0.85 - 5000.0)).abs() < 1.0,
            "{got}"
        );
        // Not below half the throughput.
        aimd.on_starved(2000.0, Some(300_000.0), 100.0);
        let got = aimd.on_starved(3000.0, Some(300_000.0), 100.0);
        assert!((got - 150_000.0).abs() < 1.0, "{got}");
    }

    #[test]
    fn without_a_throughput_starvation_and_overuse_halve() {
        let mut aimd = Aimd::new(800_000.0, MIN, MAX);
        assert_eq!(400_000.0, aimd.on_starved(0.0, None, 100.0));
        aimd.halve(1000.0, 100.0);
        assert_eq!(200_000.0, aimd.estimate());
        aimd.halve(1050.0, 100.0);
        assert_eq!(200_000.0, aimd.estimate(), "once per RTT");
    }

    #[test]
    fn underuse_holds() {
        let mut aimd = Aimd::new(300_000.0, MIN, MAX);
        for i in 0..10 {
            aimd.update(
                f64::from(i) * 100.0,
                Usage::Underusing,
                Some(300_000.0),
                100.0,
            );
        }
        assert_eq!(300_000.0, aimd.estimate());
    }
}
