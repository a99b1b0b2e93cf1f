//! The impairment model: for each packet, given the time it arrived, its length and its flow,
//! drop it or say when to release it. Pure (no clock, no sockets) and seeded, so tests are
//! exact.
//!
//! It follows the order and arithmetic of Linux's `sch_netem` enqueue: loss first, then the
//! `limit` check (tail drop), then the delay with jitter, then the rate. With a rate, a
//! packet's release is `max(last release, now + delay) + length / rate`: the link serialises
//! packets in arrival order, so nothing is reordered. Without a rate, each packet's release is
//! `now + delay` on its own, so jitter larger than the packet spacing reorders packets, as
//! netem does.
//!
//! **Per-flow queues.** Both directions of a call on loopback cross the one emulated link, so
//! by default the `rate` serialisation and the `limit` count are kept per flow (the sender's
//! protocol, address and port, [`FlowKey`]): each direction gets the full rate and its own
//! `limit`, like a netem qdisc on each side's uplink. Loss, delay and jitter are drawn per
//! packet from one seeded generator whatever the flow. [`Impairment::shared_rate`] puts every
//! packet in one queue instead (one link shared by both directions).
//!
//! Correlation differs from netem on purpose. netem blends each uniform draw with the previous
//! one, which narrows the distribution: `loss 20% 75%` loses far fewer than 20 % of packets
//! and `delay 50ms 10ms 90%` has much less than 10 ms of jitter (a known netem limitation).
//! Here correlated loss is a two-state Markov chain whose long-run loss rate is the one asked
//! for (after a loss the next packet is lost with `rho + (1 - rho) p`, otherwise with
//! `(1 - rho) p`), and correlated delay follows a Gaussian AR(1) process mapped onto the
//! chosen distribution, so mean and spread stay as asked while successive delays are alike.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use crate::flow::FlowKey;
use crate::rng::{normal_cdf, normal_quantile, Rng};
use crate::spec::{Distribution, Loss, Spec};

/// What to do with one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Drop(DropReason),
    /// Release it at this time (same clock as the `now` given to [`Impairment::decide`]);
    /// a time not after `now` means at once.
    Release(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// `loss`.
    Loss,
    /// More than `limit` packets held (in the packet's flow, or in all with a shared rate).
    Limit,
}

/// A seeded instance of a [`Spec`].
#[derive(Debug)]
pub struct Impairment {
    spec: Spec,
    draws: Draws,
    /// One queue for every packet instead of one per flow.
    shared_rate: bool,
    /// The queues: per flow, or the one under [`FlowKey::Other`] when shared.
    queues: HashMap<FlowKey, Queue>,
    /// Forget idle queues once there are more than this many.
    sweep_above: usize,
}

/// The random part of the model, per packet whatever its flow.
#[derive(Debug)]
struct Draws {
    rng: Rng,
    /// Correlated delay: the last standard normal deviate of the AR(1) process.
    delay_z: Option<f64>,
    /// Correlated random loss: whether the last packet was lost.
    last_lost: bool,
    /// Gilbert-Elliott: in the bad state.
    bad_state: bool,
}

/// One emulated link: what `limit` counts and what `rate` serialises.
#[derive(Debug, Default)]
struct Queue {
    /// Release times of the packets still held at the last call (for `limit`).
    held: BinaryHeap<Reverse<Duration>>,
    /// Release time of the last packet given to the link (rate only).
    link_free_at: Duration,
}

impl Queue {
    fn forget_released(&mut self, now: Duration) {
        while self.held.peek().is_some_and(|Reverse(t)| *t <= now) {
            self.held.pop();
        }
    }

    /// Holds nothing and the link is free: the same as a fresh queue.
    fn idle(&mut self, now: Duration) -> bool {
        self.forget_released(now);
        self.held.is_empty() && self.link_free_at <= now
    }
}

/// Idle queues are swept once this many flows are known (and then at twice what is left).
const SWEEP_FLOWS: usize = 64;

impl Impairment {
    /// The model with per-flow `rate` and `limit` queues (see [`Impairment::shared_rate`]).
    pub fn new(spec: Spec, seed: u64) -> Self {
        Impairment {
            spec,
            draws: Draws {
                rng: Rng::new(seed),
                delay_z: None,
                last_lost: false,
                bad_state: false,
            },
            shared_rate: false,
            queues: HashMap::new(),
            sweep_above: SWEEP_FLOWS,
        }
    }

    /// With `true`, every packet goes through one `rate` queue and one `limit`, whatever its
    /// flow: one link shared by all senders (both directions of a call split the rate).
    #[must_use]
    pub fn shared_rate(mut self, shared: bool) -> Self {
        self.shared_rate = shared;
        self
    }

    pub fn is_shared_rate(&self) -> bool {
        self.shared_rate
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Decides the fate of a packet of `len` bytes from `flow` that arrived at `now`. Calls
    /// must come in order of `now` (equal times are fine).
    pub fn decide(&mut self, now: Duration, len: usize, flow: FlowKey) -> Decision {
        if self.draws.lose(&self.spec) {
            return Decision::Drop(DropReason::Loss);
        }
        let key = if self.shared_rate {
            FlowKey::Other
        } else {
            flow
        };
        let queue = self.queues.entry(key).or_default();
        queue.forget_released(now);
        if queue.held.len() >= self.spec.limit {
            return Decision::Drop(DropReason::Limit);
        }
        let mut release = now + self.draws.delay(&self.spec);
        if let Some(rate) = &self.spec.rate {
            let bytes = (len as i64).saturating_add(rate.packet_overhead).max(0) as f64;
            let transmit = Duration::from_secs_f64(bytes / rate.bytes_per_sec);
            release = release.max(queue.link_free_at) + transmit;
            queue.link_free_at = release;
        }
        if release > now {
            queue.held.push(Reverse(release));
        }
        if self.queues.len() > self.sweep_above {
            self.queues.retain(|_, q| !q.idle(now));
            self.sweep_above = SWEEP_FLOWS.max(2 * self.queues.len());
        }
        Decision::Release(release)
    }

    /// [`Impairment::decide`] for a packet of the default flow ([`FlowKey::Other`]).
    pub fn packet(&mut self, now: Duration, len: usize) -> Decision {
        self.decide(now, len, FlowKey::Other)
    }

    /// Packets still held at `now` (delayed or queued for the link), in all queues.
    pub fn held(&self, now: Duration) -> usize {
        self.queues
            .values()
            .map(|q| q.held.iter().filter(|Reverse(t)| *t > now).count())
            .sum()
    }

    /// Queues currently kept (idle ones are forgotten now and then).
    pub fn queues(&self) -> usize {
        self.queues.len()
    }
}

impl Draws {
    fn lose(&mut self, spec: &Spec) -> bool {
        match spec.loss {
            None => false,
            Some(Loss::Random { p, correlation }) => {
                let chance = if self.last_lost {
                    correlation + (1.0 - correlation) * p
                } else {
                    (1.0 - correlation) * p
                };
                self.last_lost = p > 0.0 && self.rng.next_f64() < chance;
                self.last_lost
            }
            Some(Loss::GilbertElliott {
                p,
                r,
                loss_bad,
                loss_good,
            }) => {
                // As netem: the transition is drawn first, the loss with the parameters of the
                // state the packet arrived in.
                if self.bad_state {
                    if self.rng.next_f64() < r {
                        self.bad_state = false;
                    }
                    self.rng.next_f64() < loss_bad
                } else {
                    if self.rng.next_f64() < p {
                        self.bad_state = true;
                    }
                    self.rng.next_f64() < loss_good
                }
            }
        }
    }

    fn delay(&mut self, spec: &Spec) -> Duration {
        let Some(d) = &spec.delay else {
            return Duration::ZERO;
        };
        if d.jitter.is_zero() {
            return d.latency;
        }
        let rho = d.correlation;
        let (distribution, jitter, latency) = (d.distribution, d.jitter, d.latency);
        let offset = if rho == 0.0 {
            let u = self.rng.next_f64();
            match distribution {
                Distribution::Uniform => 2.0 * u - 1.0,
                Distribution::Normal => normal_quantile(u),
            }
        } else {
            let fresh = normal_quantile(self.rng.next_f64());
            let z = match self.delay_z {
                Some(last) => rho * last + (1.0 - rho * rho).sqrt() * fresh,
                None => fresh,
            };
            self.delay_z = Some(z);
            match distribution {
                Distribution::Uniform => 2.0 * normal_cdf(z) - 1.0,
                Distribution::Normal => z,
            }
        };
        let secs = latency.as_secs_f64() + offset * jitter.as_secs_f64();
        // A negative delay means "now", as in netem.
        Duration::from_secs_f64(secs.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(spec: &str, seed: u64) -> Impairment {
        let words: Vec<&str> = spec.split_whitespace().collect();
        match Spec::parse(&words) {
            Ok(s) => Impairment::new(s, seed),
            Err(e) => panic!("{spec:?}: {e}"),
        }
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    /// Feeds `n` packets of `len` bytes, one every `gap`, and returns each decision with its
    /// arrival time.
    fn run(m: &mut Impairment, n: usize, gap: Duration, len: usize) -> Vec<(Duration, Decision)> {
        (0..n)
            .map(|i| {
                let now = gap * i as u32;
                (now, m.packet(now, len))
            })
            .collect()
    }

    fn delays_ms(decisions: &[(Duration, Decision)]) -> Vec<f64> {
        decisions
            .iter()
            .filter_map(|(now, d)| match d {
                Decision::Release(at) => Some((at.saturating_sub(*now)).as_secs_f64() * 1e3),
                Decision::Drop(_) => None,
            })
            .collect()
    }

    fn mean_std(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    fn loss_pattern(decisions: &[(Duration, Decision)]) -> Vec<bool> {
        decisions
            .iter()
            .map(|(_, d)| matches!(d, Decision::Drop(DropReason::Loss)))
            .collect()
    }

    /// Mean length of runs of consecutive losses.
    fn mean_burst(lost: &[bool]) -> f64 {
        let mut bursts = Vec::new();
        let mut run = 0;
        for &l in lost {
            if l {
                run += 1;
            } else if run > 0 {
                bursts.push(run as f64);
                run = 0;
            }
        }
        if run > 0 {
            bursts.push(run as f64);
        }
        bursts.iter().sum::<f64>() / bursts.len() as f64
    }

    #[test]
    fn no_impairment_releases_at_once() {
        let mut m = model("", 1);
        for (now, d) in run(&mut m, 100, us(100), 1200) {
            assert_eq!(d, Decision::Release(now));
        }
        assert_eq!(m.held(us(9900)), 0);
    }

    #[test]
    fn fixed_delay_is_exact() {
        let mut m = model("delay 50ms", 1);
        for (now, d) in run(&mut m, 1000, us(500), 1200) {
            assert_eq!(d, Decision::Release(now + Duration::from_millis(50)));
        }
    }

    #[test]
    fn same_seed_same_decisions() {
        let spec = "delay 20ms 10ms distribution normal loss 10%";
        let a = run(&mut model(spec, 42), 2000, us(500), 1000);
        let b = run(&mut model(spec, 42), 2000, us(500), 1000);
        let c = run(&mut model(spec, 43), 2000, us(500), 1000);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn random_loss_fraction() {
        for (spec, p) in [("loss 5%", 0.05), ("loss 30%", 0.30), ("loss 0%", 0.0)] {
            let lost = loss_pattern(&run(&mut model(spec, 7), 100_000, us(100), 100));
            let frac = lost.iter().filter(|&&l| l).count() as f64 / lost.len() as f64;
            // 100k Bernoulli draws: stddev at most 0.0016.
            assert!((frac - p).abs() < 0.005, "{spec}: lost {frac}");
        }
        let lost = loss_pattern(&run(&mut model("loss 100%", 7), 1000, us(100), 100));
        assert!(lost.iter().all(|&l| l));
    }

    #[test]
    fn correlated_loss_keeps_its_rate_and_clusters() {
        let plain = loss_pattern(&run(&mut model("loss 20%", 3), 200_000, us(100), 100));
        let corr = loss_pattern(&run(&mut model("loss 20% 75%", 3), 200_000, us(100), 100));
        let frac = corr.iter().filter(|&&l| l).count() as f64 / corr.len() as f64;
        assert!((frac - 0.2).abs() < 0.01, "loss {frac}");
        // A loss is followed by another with 0.75 + 0.25 * 0.2 = 0.8: bursts of 5, against
        // 1 / 0.8 = 1.25 without correlation.
        let (b_plain, b_corr) = (mean_burst(&plain), mean_burst(&corr));
        assert!((b_plain - 1.25).abs() < 0.05, "plain bursts {b_plain}");
        assert!((b_corr - 5.0).abs() < 0.3, "correlated bursts {b_corr}");
    }

    #[test]
    fn uniform_jitter_bounds_mean_and_spread() {
        let mut m = model("delay 50ms 10ms", 11);
        let d = delays_ms(&run(&mut m, 50_000, us(200), 1000));
        let (mean, std) = mean_std(&d);
        assert!(d.iter().all(|&x| (40.0..=60.0).contains(&x)));
        assert!((mean - 50.0).abs() < 0.1, "mean {mean}");
        // Uniform on ±10 ms: stddev 10/sqrt(3).
        assert!((std - 10.0 / 3f64.sqrt()).abs() < 0.1, "stddev {std}");
    }

    #[test]
    fn normal_jitter_mean_and_stddev() {
        let mut m = model("delay 50ms 10ms distribution normal", 12);
        let d = delays_ms(&run(&mut m, 50_000, us(200), 1000));
        let (mean, std) = mean_std(&d);
        assert!((mean - 50.0).abs() < 0.15, "mean {mean}");
        assert!((std - 10.0).abs() < 0.15, "stddev {std}");
        // About 68 % within one sigma.
        let within = d.iter().filter(|&&x| (40.0..=60.0).contains(&x)).count() as f64;
        assert!((within / d.len() as f64 - 0.6827).abs() < 0.01);
    }

    #[test]
    fn normal_jitter_never_gives_a_negative_delay() {
        let mut m = model("delay 5ms 10ms distribution normal", 13);
        let decisions = run(&mut m, 10_000, us(1000), 100);
        for (now, d) in &decisions {
            match d {
                Decision::Release(at) => assert!(*at >= *now),
                Decision::Drop(r) => panic!("dropped: {r:?}"),
            }
        }
        // A good share sits at zero (clamped), like netem.
        let zero = delays_ms(&decisions).iter().filter(|&&x| x == 0.0).count();
        assert!(zero > 2000 && zero < 4000, "{zero} at zero");
    }

    #[test]
    fn jitter_without_rate_reorders_with_rate_does_not() {
        let releases = |spec| {
            run(&mut model(spec, 5), 5000, us(1000), 200)
                .into_iter()
                .filter_map(|(_, d)| match d {
                    Decision::Release(at) => Some(at),
                    Decision::Drop(_) => None,
                })
                .collect::<Vec<_>>()
        };
        let out_of_order = |r: &[Duration]| r.windows(2).filter(|w| w[1] < w[0]).count();
        let plain = releases("delay 50ms 10ms");
        assert!(out_of_order(&plain) > 500, "{}", out_of_order(&plain));
        let shaped = releases("delay 50ms 10ms rate 10mbit");
        assert_eq!(out_of_order(&shaped), 0);
    }

    #[test]
    fn correlated_delay_changes_slowly_and_keeps_its_spread() {
        let steps = |spec: &str| {
            let d = delays_ms(&run(&mut model(spec, 9), 50_000, us(1000), 100));
            let (mean, std) = mean_std(&d);
            let step =
                d.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (d.len() - 1) as f64;
            (mean, std, step)
        };
        for (dist, want_std) in [("", 10.0 / 3f64.sqrt()), ("distribution normal", 10.0)] {
            let (_, _, plain_step) = steps(&format!("delay 50ms 10ms {dist}"));
            let (mean, std, step) = steps(&format!("delay 50ms 10ms 90% {dist}"));
            assert!((mean - 50.0).abs() < 0.5, "{dist}: mean {mean}");
            assert!((std - want_std).abs() < 0.4, "{dist}: stddev {std}");
            assert!(
                step < plain_step / 2.0,
                "{dist}: step {step} vs {plain_step}"
            );
        }
    }

    #[test]
    fn gemodel_losses_come_in_bursts() {
        // p = 1 %, r = 10 %, 1-h = 100 %, 1-k = 0: a packet is lost exactly when it arrives in
        // the bad state, so the loss rate is p/(p+r) = 9.09 % and bursts average 1/r = 10.
        let lost = loss_pattern(&run(
            &mut model("loss gemodel 1% 10%", 21),
            200_000,
            us(100),
            100,
        ));
        let frac = lost.iter().filter(|&&l| l).count() as f64 / lost.len() as f64;
        assert!((frac - 1.0 / 11.0).abs() < 0.01, "loss {frac}");
        let burst = mean_burst(&lost);
        assert!((burst - 10.0).abs() < 1.0, "mean burst {burst}");
        // Random loss at the same rate gives bursts of about 1/(1-0.09) = 1.1.
        let random = loss_pattern(&run(&mut model("loss 9.09%", 21), 200_000, us(100), 100));
        assert!(mean_burst(&random) < 1.2);
    }

    #[test]
    fn gemodel_partial_loss_in_each_state() {
        // Stationary bad share p/(p+r) = 1/6; loss = 1/6 * 0.5 + 5/6 * 0.01 = 9.17 %.
        let lost = loss_pattern(&run(
            &mut model("loss gemodel 2% 10% 50% 1%", 22),
            200_000,
            us(100),
            100,
        ));
        let frac = lost.iter().filter(|&&l| l).count() as f64 / lost.len() as f64;
        assert!(
            (frac - (0.5 / 6.0 + 0.05 / 6.0)).abs() < 0.01,
            "loss {frac}"
        );
    }

    #[test]
    fn rate_serialises_packets_at_the_rate() {
        // 1000-byte packets at 500 kbit/s take 16 ms each. Offer 250 packets/s (2 Mbit/s):
        // the queue grows, and releases come exactly 16 ms apart.
        let mut m = model("rate 500kbit", 1);
        let d = run(&mut m, 500, us(4000), 1000);
        let releases: Vec<Duration> = d
            .iter()
            .filter_map(|(_, d)| match d {
                Decision::Release(at) => Some(*at),
                Decision::Drop(_) => None,
            })
            .collect();
        assert_eq!(releases.len(), 500);
        for w in releases.windows(2) {
            assert_eq!(w[1] - w[0], Duration::from_millis(16));
        }
        let first = releases[0];
        let last = releases[releases.len() - 1];
        let throughput_bits = 499.0 * 1000.0 * 8.0 / (last - first).as_secs_f64();
        assert!((throughput_bits - 500_000.0).abs() < 1.0);
    }

    #[test]
    fn rate_below_capacity_adds_only_the_serialisation_time() {
        let mut m = model("rate 2mbit", 1);
        for (now, d) in run(&mut m, 1000, us(10_000), 1250) {
            assert_eq!(d, Decision::Release(now + Duration::from_millis(5)));
        }
    }

    #[test]
    fn rate_with_delay_adds_both() {
        let mut m = model("delay 50ms rate 1mbit", 1);
        let (now, d) = run(&mut m, 1, us(0), 125)[0];
        assert_eq!(d, Decision::Release(now + Duration::from_millis(51)));
    }

    #[test]
    fn packet_overhead_counts_against_the_rate() {
        let mut m = model("rate 8kbit 100", 1);
        assert_eq!(
            m.packet(Duration::ZERO, 900),
            Decision::Release(Duration::from_secs(1))
        );
    }

    #[test]
    fn limit_tail_drops_and_recovers() {
        // 1000 packets/s offered to a 500 kbit/s link with 1000-byte packets (62.5/s): the
        // queue fills to the limit, after which what is offered above the rate is dropped.
        let mut m = model("rate 500kbit limit 100", 1);
        let d = run(&mut m, 10_000, us(1000), 1000);
        let limited = d
            .iter()
            .filter(|(_, d)| *d == Decision::Drop(DropReason::Limit))
            .count();
        let released = d.len() - limited;
        // 10 s at 62.5 packets/s plus the 100 queued at the end.
        assert!((released as i64 - 725).abs() <= 2, "released {released}");
        assert!(m.held(us(9_999_000)) <= 100);
        // Once the queue drains, packets pass again.
        let later = Duration::from_secs(60);
        assert!(matches!(m.packet(later, 1000), Decision::Release(_)));
    }

    #[test]
    fn limit_applies_to_delayed_packets_too() {
        let mut m = model("delay 1s limit 10", 1);
        let d = run(&mut m, 20, us(1000), 100);
        assert!(d[..10]
            .iter()
            .all(|(_, d)| matches!(d, Decision::Release(_))));
        assert!(d[10..]
            .iter()
            .all(|(_, d)| *d == Decision::Drop(DropReason::Limit)));
    }

    fn udp(port: u16) -> FlowKey {
        FlowKey::Source {
            protocol: 17,
            addr: std::net::Ipv4Addr::LOCALHOST.into(),
            port,
        }
    }

    /// Every `gap`, each flow in turn offers a packet of `len` bytes, `n` times; returns each
    /// flow's decisions with their arrival times.
    fn run_flows(
        m: &mut Impairment,
        flows: &[FlowKey],
        n: usize,
        gap: Duration,
        len: usize,
    ) -> Vec<Vec<(Duration, Decision)>> {
        let mut out = vec![Vec::new(); flows.len()];
        for i in 0..n {
            let now = gap * i as u32;
            for (f, flow) in flows.iter().enumerate() {
                out[f].push((now, m.decide(now, len, *flow)));
            }
        }
        out
    }

    fn releases(decisions: &[(Duration, Decision)]) -> Vec<Duration> {
        decisions
            .iter()
            .filter_map(|(_, d)| match d {
                Decision::Release(at) => Some(*at),
                Decision::Drop(_) => None,
            })
            .collect()
    }

    /// Bits per second of `len`-byte packets between a flow's first and last release.
    fn flow_kbit(decisions: &[(Duration, Decision)], len: usize) -> f64 {
        let r = releases(decisions);
        let span = (r[r.len() - 1] - r[0]).as_secs_f64();
        (r.len() - 1) as f64 * len as f64 * 8.0 / span / 1e3
    }

    #[test]
    fn rate_is_per_flow_unless_shared() {
        // Each flow offers 1000-byte packets every 2 ms (4 Mbit/s), 300 of them: more than
        // any rate here, fewer than the default limit, so each queue only grows.
        let cases: [(&str, &str, bool, usize, f64); 6] = [
            ("one flow", "rate 500kbit", false, 1, 500.0),
            ("one flow, shared", "rate 500kbit", true, 1, 500.0),
            (
                "two flows each get the rate",
                "rate 500kbit",
                false,
                2,
                500.0,
            ),
            ("two flows share it", "rate 500kbit", true, 2, 250.0),
            (
                "three flows each get the rate",
                "rate 2mbit",
                false,
                3,
                2000.0,
            ),
            ("three flows share it", "rate 2mbit", true, 3, 2000.0 / 3.0),
        ];
        for (what, spec, shared, n_flows, want_kbit) in cases {
            let flows: Vec<FlowKey> = (0..n_flows as u16).map(|i| udp(5000 + i)).collect();
            let mut m = model(spec, 1).shared_rate(shared);
            let per_flow = run_flows(&mut m, &flows, 300, us(2000), 1000);
            for (f, d) in per_flow.iter().enumerate() {
                assert_eq!(releases(d).len(), 300, "{what}: flow {f} dropped packets");
                let kbit = flow_kbit(d, 1000);
                assert!(
                    (kbit - want_kbit).abs() < 0.01 * want_kbit,
                    "{what}: flow {f} got {kbit} kbit/s, want {want_kbit}"
                );
            }
            assert_eq!(m.queues(), if shared { 1 } else { n_flows }, "{what}");
        }
    }

    #[test]
    fn one_flow_alone_is_unchanged_by_the_flow_key() {
        // The same seed gives the same decisions whether the packets carry a source, the
        // default key, or go through the shared queue.
        let spec = "delay 20ms 5ms distribution normal loss 5% rate 1mbit limit 50";
        let with_key = |flow: FlowKey, shared: bool| {
            let mut m = model(spec, 17).shared_rate(shared);
            (0..5000u32)
                .map(|i| m.decide(us(700) * i, 300 + (i as usize % 7) * 150, flow))
                .collect::<Vec<_>>()
        };
        let reference = run(&mut model(spec, 17), 1, us(0), 300);
        let a = with_key(udp(5004), false);
        assert_eq!(a[0], reference[0].1);
        assert_eq!(a, with_key(FlowKey::Other, false));
        assert_eq!(a, with_key(udp(5004), true));
        assert!(a.contains(&Decision::Drop(DropReason::Limit)));
        assert!(a.contains(&Decision::Drop(DropReason::Loss)));
    }

    #[test]
    fn limit_applies_per_flow() {
        // Two flows offer 1000 packets/s of 1000 bytes to a 500 kbit/s link (62.5/s) with
        // `limit 30`, and a light flow sends 100 bytes every 100 ms. Per flow, each heavy
        // queue holds its own 30 and passes its own 62.5/s, and the light flow only waits
        // for its own serialisation (1.6 ms). Shared, the heavy flows fill the one queue and
        // the light flow loses most packets to the limit and waits behind the rest.
        for (shared, held, heavy_released, light_released) in
            [(false, 60, 2 * 655, 100), (true, 30, 655, 5)]
        {
            let mut m = model("rate 500kbit limit 30", 1).shared_rate(shared);
            let (heavy_a, heavy_b, light) = (udp(5000), udp(5002), udp(6000));
            let (mut heavy, mut light_d) = (Vec::new(), Vec::new());
            for i in 0..10_000u32 {
                let now = us(1000) * i;
                heavy.push((now, m.decide(now, 1000, heavy_a)));
                heavy.push((now, m.decide(now, 1000, heavy_b)));
                if i % 100 == 50 {
                    light_d.push((now, m.decide(now, 100, light)));
                }
            }
            let what = if shared { "shared" } else { "per flow" };
            assert_eq!(m.held(us(9_999_000)), held, "{what}");
            let got = releases(&heavy).len() as i64;
            // 10 s at 62.5/s (shared by both when shared) plus what is queued.
            assert!(
                (got - heavy_released as i64).abs() <= 4,
                "{what}: heavy flows released {got}"
            );
            let light_got = releases(&light_d).len();
            if shared {
                assert!(light_got <= light_released, "{what}: light {light_got}");
            } else {
                assert_eq!(light_got, light_released, "{what}");
                for (now, d) in &light_d {
                    assert_eq!(*d, Decision::Release(*now + us(1600)), "{what}");
                }
            }
        }
    }

    #[test]
    fn idle_flows_are_forgotten() {
        // A new source port every 10 ms (TCP connections come and go): the queues kept stay
        // bounded, and a flow forgotten while idle behaves as a fresh one.
        let mut m = model("delay 5ms rate 1mbit", 1);
        for i in 0..10_000u32 {
            let now = us(10_000) * i;
            let d = m.decide(now, 125, udp(10_000 + i as u16));
            assert_eq!(d, Decision::Release(now + us(6000)));
            assert!(m.queues() <= 2 * SWEEP_FLOWS, "{} queues", m.queues());
        }
    }
}
