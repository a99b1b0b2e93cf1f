//! Scenario table for the jitter buffer: a real Opus encoder sends a 440 Hz tone through
//! a simulated network (per-packet delay, loss, duplication, sender clock drift), and the
//! buffer is pulled every 10 ms of receiver time. Each scenario checks continuity (no
//! silent stretch the listener would hear) and bounded delay.

use super::*;
use crate::codec::red::{parse_red, RedEncoder};
use crate::codec::{OpusConfig, OpusEncoder};
use std::time::Duration;

/// RMS of the quietest part of the test signal.
const TONE_RMS: f32 = 0.1 / std::f32::consts::SQRT_2;

/// The test signal: 440 Hz whose level swings between 0.1 and 0.3 three times a
/// second (a steady tone is coded without FEC: the encoder treats it as background).
fn signal(n: u64) -> f32 {
    let t = n as f32 / 48_000.0;
    (0.2 + 0.1 * (6.0 * t).sin()) * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
}

/// Deterministic xorshift for the simulated network.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A scenario: how long, the sender's clock error, and the network: for packet `i`, the
/// extra delays (ms) of each copy that arrives (empty: lost).
struct Scenario {
    seconds: u64,
    drift_ppm: f64,
    network: fn(u64, &mut Rng) -> Vec<f64>,
    /// Packets the sender does not send (muted): its RTP timestamps go on, its sequence
    /// numbers do not.
    muted: std::ops::Range<u64>,
}

impl Scenario {
    /// A clean path: every packet at once.
    fn clean(seconds: u64) -> Self {
        Self {
            seconds,
            drift_ppm: 0.0,
            muted: 0..0,
            network: |_, _| vec![0.0],
        }
    }

    /// The benchmark's jitter row: 5 % loss, each other packet 50 ± 20 ms (normal) late.
    fn bench_jitter(seconds: u64) -> Self {
        Self {
            seconds,
            drift_ppm: 0.0,
            muted: 0..0,
            network: |_, rng| {
                if rng.uniform() < 0.05 {
                    vec![]
                } else {
                    vec![(50.0 + rng.normal(20.0)).max(0.0)]
                }
            },
        }
    }
}

/// What came out.
struct Run {
    out: Vec<f32>,
    /// The target's parts at the end (interval maxima, recent, lateness), ms.
    parts: (f64, f64, f64),
    stats: NetEqStats,
    /// What each pull after the start did.
    decisions: Vec<Decision>,
}

fn run(s: &Scenario) -> Run {
    run_with_red(s, 0)
}

/// Runs a scenario whose sender repeats `red` earlier frames in each packet (RFC 2198;
/// 0: plain Opus packets).
fn run_with_red(s: &Scenario, red: usize) -> Run {
    run_packets(s, red, |_| 960)
}

/// Runs a scenario whose packet `i` holds `samples(i)` samples (960: 20 ms, 480: 10 ms).
fn run_packets(s: &Scenario, red: usize, samples: fn(u64) -> u64) -> Run {
    run_configured(s, red, samples, DelayConfig::default(), 0x5eed_1234_abcd)
}

fn run_configured(
    s: &Scenario,
    red: usize,
    samples: fn(u64) -> u64,
    config: DelayConfig,
    seed: u64,
) -> Run {
    let mut enc = OpusEncoder::new(OpusConfig::default()).expect("encoder");
    let mut red_enc = RedEncoder::new(111, red);
    let mut neteq = NetEq::new(config).expect("neteq");
    let mut rng = Rng(seed);
    let start = Instant::now();
    let clock = 1.0 / (1.0 + s.drift_ppm * 1e-6);
    let end = s.seconds * 48_000;
    let mut arrivals: Vec<(f64, u64, u64, Vec<u8>)> = Vec::new();
    let (mut i, mut ts, mut seq) = (0u64, 0u64, 0u64);
    while ts < end {
        let n = samples(i);
        if !s.muted.contains(&i) {
            let pcm: Vec<f32> = (0..n).map(|k| signal(ts + k)).collect();
            let mut payload = enc.encode(&pcm).expect("encode");
            if red > 0 {
                payload = red_enc.encode(ts, &payload);
            }
            for extra in (s.network)(i, &mut rng) {
                let at = ts as f64 / 48.0 * clock + 10.0 + extra;
                arrivals.push((at, ts, seq, payload.clone()));
            }
            seq += 1;
        }
        ts += n;
        i += 1;
    }
    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut next = 0;
    let mut out = Vec::new();
    let mut decisions = Vec::new();
    for k in 0..(s.seconds * 100) {
        let now_ms = k as f64 * 10.0;
        while next < arrivals.len() && arrivals[next].0 <= now_ms {
            let (at, ts, seq, ref payload) = arrivals[next];
            let when = start + Duration::from_secs_f64(at / 1000.0);
            if red > 0 {
                let blocks = parse_red(payload).expect("RED parses");
                neteq.insert_red(seq as u16, ts as u32, &blocks, when);
            } else {
                neteq.insert(seq as u16, ts as u32, payload, when);
            }
            next += 1;
        }
        let pull = neteq.pull(start + Duration::from_secs_f64(now_ms / 1000.0));
        if pull.decision != Decision::Buffering {
            out.extend_from_slice(&pull.samples);
            decisions.push(pull.decision);
        }
    }
    Run {
        out,
        parts: neteq.target_parts(),
        stats: neteq.stats(),
        decisions,
    }
}

/// The longest run of 2.5 ms windows quieter than a tenth of the tone, ms.
fn longest_gap_ms(out: &[f32]) -> f64 {
    let mut longest = 0;
    let mut current = 0;
    // The decoder's first 20 ms include its start-up delay.
    for w in out.chunks(120).skip(8) {
        let rms = (w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32).sqrt();
        if rms < TONE_RMS / 10.0 {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest as f64 * 2.5
}

fn check(name: &str, r: &Run, max_gap_ms: f64, max_p95_ms: f64) {
    let s = &r.stats;
    eprintln!(
        "{name}: concealed {:.2} %, fec {} samples, red {} samples, stretch {:.2} %, underruns {}, late {}, dup {}, delay p50 {} / p95 {} ms, target {} ms {:?}, gap {} ms",
        s.concealed_pct(),
        s.fec_samples,
        s.red_samples,
        s.stretch_pct(),
        s.underruns,
        s.late_packets,
        s.duplicate_packets,
        s.delay_p50_ms,
        s.delay_p95_ms,
        s.target_ms,
        r.parts,
        longest_gap_ms(&r.out)
    );
    assert!(!r.out.is_empty(), "{name}: nothing played");
    let gap = longest_gap_ms(&r.out);
    assert!(gap <= max_gap_ms, "{name}: a {gap} ms gap");
    assert!(
        s.delay_p95_ms <= max_p95_ms,
        "{name}: delay p95 {} ms",
        s.delay_p95_ms
    );
}

fn count(r: &Run, d: Decision) -> usize {
    r.decisions.iter().filter(|&&x| x == d).count()
}

#[test]
fn clean_path_holds_about_20_ms_and_never_conceals() {
    let r = run(&Scenario::clean(20));
    check("clean", &r, 0.0, 30.0);
    // 20 ms packets pulled 10 ms at a time: ~15 ms of the ~22 ms held is granularity.
    assert!(r.stats.delay_p50_ms <= 25.0, "p50 {}", r.stats.delay_p50_ms);
    assert_eq!(r.stats.concealed_samples, 0);
    assert_eq!(r.stats.underruns, 0);
}

#[test]
fn reordered_packets_still_in_the_window_are_used() {
    // Every 7th packet is 30 ms late: it arrives after the one that follows it.
    let r = run(&Scenario {
        seconds: 20,
        drift_ppm: 0.0,
        muted: 0..0,
        network: |i, _| vec![if i % 7 == 3 { 30.0 } else { 0.0 }],
    });
    check("reorder", &r, 0.0, 80.0);
    assert!(r.stats.late_packets <= 2, "late {}", r.stats.late_packets);
    assert!(r.stats.concealed_pct() < 0.5);
}

#[test]
fn duplicates_are_dropped_and_change_nothing() {
    let r = run(&Scenario {
        seconds: 20,
        drift_ppm: 0.0,
        muted: 0..0,
        network: |i, _| {
            if i % 3 == 0 {
                vec![0.0, 4.0]
            } else {
                vec![0.0]
            }
        },
    });
    check("duplicates", &r, 0.0, 30.0);
    // 334 copies, the last after the run ends; the first packet's copy comes after its
    // audio has gone: late, not duplicate.
    assert_eq!(r.stats.duplicate_packets + r.stats.late_packets, 333);
    assert_eq!(r.stats.concealed_samples, 0);
}

#[test]
fn loss_bursts_are_rebuilt_from_fec_or_concealed_without_a_gap() {
    // 5 % random single losses, and a burst of 3 every 2 s.
    let r = run(&Scenario {
        seconds: 20,
        drift_ppm: 0.0,
        muted: 0..0,
        network: |i, rng| {
            let burst = i % 100 >= 50 && i % 100 < 53;
            if burst || rng.uniform() < 0.05 {
                vec![]
            } else {
                vec![0.0]
            }
        },
    });
    check("loss", &r, 0.0, 60.0);
    assert!(
        count(&r, Decision::Fec) > 20,
        "fec {}",
        count(&r, Decision::Fec)
    );
    assert!(count(&r, Decision::Conceal) >= 20);
    assert!(r.stats.concealed_pct() < 8.0);
}

#[test]
fn a_jump_in_jitter_raises_the_delay_instead_of_underrunning() {
    // Clean for 10 s, then every packet delayed by 0–40 ms (uniform).
    let r = run(&Scenario {
        seconds: 30,
        drift_ppm: 0.0,
        muted: 0..0,
        network: |i, rng| {
            if i < 500 {
                vec![0.0]
            } else {
                vec![rng.uniform() * 40.0]
            }
        },
    });
    check("jitter jump", &r, 0.0, 90.0);
    // Uniform 0–40 ms: the 97th percentile is ~19 ms over the median.
    assert!(r.stats.target_ms >= 40.0, "target {}", r.stats.target_ms);
    assert!(r.stats.underruns <= 4, "underruns {}", r.stats.underruns);
    assert!(count(&r, Decision::PreemptiveExpand) > 0);
}

#[test]
fn a_fast_sender_clock_is_absorbed_by_accelerating() {
    let r = run(&Scenario {
        seconds: 120,
        drift_ppm: 200.0,
        muted: 0..0,
        network: |_, _| vec![0.0],
    });
    check("drift +200 ppm", &r, 0.0, 45.0);
    assert!(r.stats.accelerate_samples > 0);
    assert_eq!(r.stats.underruns, 0);
    assert!(r.stats.stretch_pct() < 0.2, "{}", r.stats.stretch_pct());
}

#[test]
fn a_slow_sender_clock_is_absorbed_by_expanding() {
    let r = run(&Scenario {
        seconds: 120,
        drift_ppm: -200.0,
        muted: 0..0,
        network: |_, _| vec![0.0],
    });
    check("drift -200 ppm", &r, 0.0, 30.0);
    assert!(r.stats.expand_samples > 0);
    assert_eq!(r.stats.underruns, 0);
    assert!(r.stats.stretch_pct() < 0.2, "{}", r.stats.stretch_pct());
}

#[test]
fn stalls_every_few_seconds_raise_the_delay_after_the_first() {
    // Every 3 s the path stalls for 60 ms and then delivers what it held at once (a busy
    // CPU or a radio retry): packets sent in the stall arrive together at its end.
    let r = run(&Scenario {
        seconds: 30,
        drift_ppm: 0.0,
        muted: 0..0,
        network: |i, _| {
            let into = (i * 20 % 3000) as f64;
            vec![if into < 60.0 { 60.0 - into } else { 0.0 }]
        },
    });
    check("stalls", &r, 0.0, 120.0);
    assert!(r.stats.underruns <= 3, "underruns {}", r.stats.underruns);
    assert!(r.stats.target_ms >= 70.0, "target {}", r.stats.target_ms);
}

#[test]
fn a_muted_sender_is_not_a_loss_and_playout_resumes_on_time() {
    // Muted from 4 s to 6 s: no packets, the timestamps go on, the sequence numbers not.
    let r = run(&Scenario {
        seconds: 20,
        drift_ppm: 0.0,
        muted: 200..300,
        network: |_, _| vec![0.0],
    });
    let s = &r.stats;
    // During the mute: comfort noise; after it: the tone again, with no gap and no
    // delay built up.
    assert!(count(&r, Decision::ComfortNoise) > 100, "{s:?}");
    assert_eq!((s.underruns, s.late_packets), (0, 0), "{s:?}");
    let after = &r.out[(6_500 * 48).min(r.out.len())..];
    assert!(after.len() > 13_000 * 48, "{}", after.len());
    assert_eq!(longest_gap_ms(after), 0.0);
    assert!(s.delay_p95_ms <= 30.0, "{s:?}");
}

/// 5 % random single losses and a burst of `burst` every 2 s.
fn lossy(i: u64, rng: &mut Rng, burst: u64) -> Vec<f64> {
    if i % 100 >= 50 && i % 100 < 50 + burst || rng.uniform() < 0.05 {
        vec![]
    } else {
        vec![0.0]
    }
}

#[test]
fn red_rebuilds_every_single_loss_exactly() {
    let scenario = |network| Scenario {
        seconds: 20,
        drift_ppm: 0.0,
        muted: 0..0,
        network,
    };
    // Losses of one packet only (the burst is 1).
    let plain = run(&scenario(|i, rng| lossy(i, rng, 1)));
    let red = run_with_red(&scenario(|i, rng| lossy(i, rng, 1)), 1);
    check("loss, plain", &plain, 0.0, 60.0);
    check("loss, RED 1", &red, 0.0, 60.0);
    let s = &red.stats;
    // What remains: two random losses in a row (~2–3 in 1000 packets at 5 %).
    assert!(s.concealed_pct() < 0.6, "{s:?}");
    assert!(
        plain.stats.concealed_pct() > 5.0 * s.concealed_pct(),
        "{:?}",
        plain.stats
    );
    // 5 % of 1000 packets plus 10 bursts, each rebuilt from its copy (960 samples).
    assert!(s.red_samples >= 40 * 960, "{s:?}");
    assert_eq!(s.fec_samples, 0, "nothing left for FEC: {s:?}");
    assert_eq!(
        (s.late_packets, s.duplicate_packets),
        (0, 0),
        "copies are no news: {s:?}"
    );
}

#[test]
fn red_distance_two_covers_bursts_of_two() {
    let net = |i, rng: &mut Rng| lossy(i, rng, 2);
    let one = run_with_red(
        &Scenario {
            seconds: 20,
            drift_ppm: 0.0,
            muted: 0..0,
            network: net,
        },
        1,
    );
    let two = run_with_red(
        &Scenario {
            seconds: 20,
            drift_ppm: 0.0,
            muted: 0..0,
            network: net,
        },
        2,
    );
    check("bursts of 2, RED 1", &one, 0.0, 60.0);
    // p95 72 ms: the first 10 s also cover a quarter more than the latest frame seen.
    check("bursts of 2, RED 2", &two, 0.0, 75.0);
    assert!(
        two.stats.concealed_samples * 2 < one.stats.concealed_samples,
        "RED 2 {:?} vs RED 1 {:?}",
        two.stats,
        one.stats
    );
}

#[test]
fn red_copy_of_a_late_packet_is_used_and_the_packet_is_not_counted_late() {
    // Every 7th packet 45 ms late: the copy in the next packet comes 20 ms after it was
    // due, the packet itself later still.
    let r = run_with_red(
        &Scenario {
            seconds: 20,
            drift_ppm: 0.0,
            muted: 0..0,
            network: |i, _| vec![if i % 7 == 3 { 45.0 } else { 0.0 }],
        },
        1,
    );
    check("late with RED", &r, 0.0, 80.0);
    assert!(r.stats.concealed_pct() < 0.5, "{:?}", r.stats);
    assert_eq!(r.stats.late_packets, 0, "{:?}", r.stats);
    // Delay is measured at each frame's first arrival (the copy, 20 ms late): the target
    // covers that, not the 45 ms (without RED: 70 ms).
    assert!(r.stats.target_ms <= 50.0, "{:?}", r.stats);
}

#[test]
fn red_across_a_short_mute_counts_back_by_packets_not_time() {
    // Muted for 100 ms: the first packet after it repeats the frame before the mute,
    // 120 ms back but one sequence number back; nothing is concealed as lost.
    let r = run_with_red(
        &Scenario {
            seconds: 10,
            drift_ppm: 0.0,
            muted: 200..205,
            network: |i, _| if i == 206 { vec![] } else { vec![0.0] },
        },
        1,
    );
    let s = &r.stats;
    assert_eq!(
        s.red_samples, 960,
        "packet 206 rebuilt from 207's copy: {s:?}"
    );
    assert_eq!(s.late_packets, 0, "{s:?}");
    // The mute (10 pulls), one pull waiting for 207, which brought 206 (nothing told
    // the buffer to expect losses, so it held no packet in reserve), and what brings
    // the packet after the mute back to the target delay.
    assert!(s.concealed_samples <= 12 * 480, "{s:?}");
}

impl Rng {
    /// A normal draw (Box–Muller), mean 0, standard deviation `sd`.
    fn normal(&mut self, sd: f64) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

#[test]
fn five_percent_loss_and_20_ms_normal_jitter_with_red() {
    // The benchmark's worst condition (`scripts/bench-audio.sh`): each packet delayed by
    // 50 ± 20 ms (normal, so packets reorder), 5 % lost, RED distance 1. RED leaves
    // almost nothing to conceal; the delay held is the jitter's tail (p50 ~69 ms with
    // this seed, 62 over four seeds of 120 s; the issue asks ≤ 60: covering less of the
    // tail trades underruns for delay, see docs/audio-jitter-buffer.md and the sweep
    // below; 10 ms packets hold ~56 ms).
    let r = run_with_red(&Scenario::bench_jitter(30), 1);
    // p95 102 ms: the first 10 s also cover a quarter more than the latest frame seen.
    check("5 % + 20 ms normal, RED", &r, 0.0, 105.0);
    let s = &r.stats;
    assert!(s.concealed_pct() <= 0.5, "{s:?}");
    assert!(s.underruns <= 1, "{s:?}");
    assert!(s.delay_p50_ms <= 75.0, "{s:?}"); // 73: the first 10 s cover more (see delay.rs)
}

#[test]
fn a_sync_delay_holds_more_audio_by_stretching_and_the_playout_timestamp_follows() {
    let mut enc = OpusEncoder::new(OpusConfig::default()).expect("encoder");
    let mut neteq = NetEq::new(DelayConfig::default()).expect("neteq");
    let t0 = Instant::now();
    let rtp0 = u32::MAX - 48_000; // wraps during the run
                                  // How far the sample played trails the newest sample received, ms.
    let mut behind = Vec::new();
    let mut gaps = 0;
    for pull in 0..800u64 {
        let now = t0 + Duration::from_millis(pull * 10);
        if pull.is_multiple_of(2) {
            let i = pull / 2;
            let pcm: Vec<f32> = (0..960).map(|k| signal(i * 960 + k)).collect();
            let packet = enc.encode(&pcm).expect("encode");
            let ts = rtp0.wrapping_add((i * 960) as u32);
            neteq.insert(i as u16, ts, &packet, now);
            if pull == 400 {
                neteq.set_sync_delay_ms(60.0);
            }
            if let Some(playing) = neteq.playout_timestamp() {
                behind.push(f64::from(ts.wrapping_add(960).wrapping_sub(playing)) / 48.0);
            }
        }
        let p = neteq.pull(now);
        gaps += usize::from(matches!(
            p.decision,
            Decision::Conceal | Decision::ComfortNoise
        ));
    }
    let before = behind[150];
    let after = *behind.last().expect("playing");
    assert!(
        (after - before - 60.0).abs() < 12.0,
        "{before} ms then {after} ms behind"
    );
    assert_eq!(gaps, 0, "reached by stretching, not by gaps");
}

#[test]
fn ten_ms_packets_play_without_gaps_and_hold_less() {
    // A sender on 10 ms packets (Opus 10 ms frames): clean, then 5 % loss with RED.
    let clean = run_packets(&Scenario::clean(20), 0, |_| 480);
    check("clean, 10 ms packets", &clean, 0.0, 25.0);
    let s = &clean.stats;
    assert_eq!((s.concealed_samples, s.underruns), (0, 0), "{s:?}");
    let twenty = run(&Scenario::clean(20));
    assert!(
        s.delay_p50_ms < twenty.stats.delay_p50_ms,
        "10 ms packets hold {s:?}, 20 ms {:?}",
        twenty.stats
    );
    let lossy = run_packets(
        &Scenario {
            seconds: 20,
            drift_ppm: 0.0,
            muted: 0..0,
            network: |i, rng| lossy(i, rng, 1),
        },
        1,
        |_| 480,
    );
    check("loss, RED 1, 10 ms packets", &lossy, 0.0, 40.0);
    let s = &lossy.stats;
    assert!(s.concealed_pct() < 0.6, "{s:?}");
    assert!(s.red_samples >= 80 * 480, "{s:?}");
    assert_eq!((s.late_packets, s.duplicate_packets), (0, 0), "{s:?}");
}

#[test]
fn a_change_of_packet_duration_mid_call_is_seamless() {
    // 20 ms packets, 10 ms from packet 250 (5 s), 20 ms again from packet 1250 (15 s),
    // under 5 % loss with RED and 0–10 ms of jitter: every switch is a timestamp step of
    // the new size with contiguous sequence numbers, neither a loss nor a mute.
    let r = run_packets(
        &Scenario {
            seconds: 25,
            drift_ppm: 0.0,
            muted: 0..0,
            network: |_, rng| {
                if rng.uniform() < 0.05 {
                    vec![]
                } else {
                    vec![rng.uniform() * 10.0]
                }
            },
        },
        1,
        |i| if (250..1250).contains(&i) { 480 } else { 960 },
    );
    check(
        "20 -> 10 -> 20 ms packets, loss + jitter, RED",
        &r,
        0.0,
        60.0,
    );
    let s = &r.stats;
    assert!(s.concealed_pct() < 0.6, "{s:?}");
    assert!(s.underruns <= 1, "{s:?}");
    assert_eq!((s.late_packets, s.duplicate_packets), (0, 0), "{s:?}");
}

#[test]
#[ignore = "a trade-off sweep, not a test: run with --ignored --nocapture"]
fn sweep_five_percent_and_20_ms_normal_jitter() {
    // The benchmark's worst condition over 4 seeds × `S` seconds (120), 20 and 10 ms
    // packets, with the target's settings from the environment (`Q` underrun quantile,
    // `M` margin ms, `L` ms per % late): held p50, underruns per minute, concealed. The
    // figures in docs/audio-jitter-buffer.md come from here.
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let config = DelayConfig {
        margin_ms: env("M", 5.0),
        underrun_quantile: env("Q", 0.9),
        late_cost_ms: env("L", 10.0),
        ..DelayConfig::default()
    };
    let secs = env("S", 120.0) as u64;
    for ten in [false, true] {
        let samples: fn(u64) -> u64 = if ten { |_| 480 } else { |_| 960 };
        let (mut held, mut under, mut conc, mut stretch) = (0.0, 0.0, 0.0, 0.0);
        let mut gap: f64 = 0.0;
        let seeds = [11u64, 22, 33, 44];
        for seed in seeds {
            let r = run_configured(
                &Scenario::bench_jitter(secs),
                1,
                samples,
                config,
                seed * 0x9e37_79b9,
            );
            held += r.stats.delay_p50_ms;
            under += r.stats.underruns as f64;
            conc += r.stats.concealed_pct();
            stretch += r.stats.stretch_pct();
            gap = gap.max(longest_gap_ms(&r.out));
        }
        let n = seeds.len() as f64;
        let clean = run_configured(&Scenario::clean(30), 0, samples, config, 7);
        eprintln!(
            "SWEEP {} ms packets {config:?}: jitter held p50 {:.1} ms, underruns {:.2}/min, concealed {:.2} %, stretch {:.2} %, longest gap {gap} ms; clean held {} ms, underruns {}",
            if ten { 10 } else { 20 },
            held / n,
            under / n * 60.0 / secs as f64,
            conc / n,
            stretch / n,
            clean.stats.delay_p50_ms,
            clean.stats.underruns,
        );
    }
}

#[test]
#[ignore = "a trade-off sweep, not a test: run with --ignored --nocapture"]
fn sweep_thirty_second_calls_under_jitter() {
    // The benchmark's call length (30 s), where the start weighs: 16 seeds of 5 % +
    // 50 ± 20 ms normal jitter, RED 1, 10 and 20 ms packets, `H` the learning headroom
    // (DelayConfig::learn_headroom; -1 turns the learning cover off).
    let secs = 30;
    let h: f64 = std::env::var("H")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DelayConfig::default().learn_headroom);
    let cfg = DelayConfig {
        learn_headroom: h,
        ..DelayConfig::default()
    };
    for ten in [true, false] {
        let samples: fn(u64) -> u64 = if ten { |_| 480 } else { |_| 960 };
        let (mut held, mut under) = (0.0, 0.0);
        let seeds: Vec<u64> = (1..=16).collect();
        for &seed in &seeds {
            let r = run_configured(
                &Scenario::bench_jitter(secs),
                1,
                samples,
                cfg,
                seed * 0x9e37_79b9,
            );
            held += r.stats.delay_p50_ms;
            under += r.stats.underruns as f64;
        }
        let n = seeds.len() as f64;
        let clean = run_configured(&Scenario::clean(30), 0, samples, cfg, 7);
        eprintln!(
            "SWEEP30 H {h} ten_ms={ten}: held {:.1}, underruns/min {:.2}; clean held {} underruns {}",
            held / n,
            under / n * 2.0,
            clean.stats.delay_p50_ms,
            clean.stats.underruns
        );
    }
}
