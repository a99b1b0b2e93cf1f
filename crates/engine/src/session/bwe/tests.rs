//! Table tests of the whole estimator on the simulated network of [`super::sim`], and the
//! reproduction of why webrtc-rs's `Gcc` collapsed.

use rtc::interceptor::Gcc;

use super::sim::{run, Path, Scenario, Sender, Trace};
use super::trendline::Usage;
use super::GoogCc;

const MIN: f64 = 100_000.0;
const MAX: f64 = 20_000_000.0;

fn jitter(ms: f64) -> Path {
    Path {
        jitter_ms: ms,
        ..Path::free()
    }
}

fn lossy(loss: f64) -> Path {
    Path {
        loss,
        ..Path::free()
    }
}

fn bottleneck(bps: f64) -> Path {
    Path {
        capacity_bps: bps,
        ..Path::free()
    }
}

fn scenario(seed: u64, sender: Sender, phases: &[(f64, Path)]) -> Scenario {
    Scenario {
        seed,
        sender,
        phases: phases
            .iter()
            .map(|&(until_s, path)| (until_s * 1000.0, path))
            .collect(),
    }
}

fn googcc(initial: f64, scenario: &Scenario) -> Trace {
    let mut estimator = GoogCc::new(initial, MIN, MAX);
    run(scenario, &mut estimator)
}

type Check = fn(&Trace) -> Result<(), String>;
/// Name, initial estimate, sender, path phases (until s), check.
type Row = (&'static str, f64, Sender, Vec<(f64, Path)>, Check);

fn expect(ok: bool, what: &str) -> Result<(), String> {
    ok.then_some(()).ok_or_else(|| what.to_owned())
}

/// Each row: name, initial estimate, sender, path phases (until s), and what must hold.
#[test]
fn the_estimate_follows_the_path_not_the_noise() {
    let constant = Sender::Constant(800_000.0);
    let follow = Sender::FollowTarget;
    let rows: Vec<Row> = vec![
        (
            "20 ms normal jitter, free path: no collapse",
            800_000.0,
            constant,
            vec![(30.0, jitter(20.0))],
            |t| {
                expect(
                    t.min(10.0, 30.0) >= 700_000.0,
                    "fell below 700 kbit/s after 10 s",
                )
            },
        ),
        (
            "20 ms normal jitter from 300 kbit/s: ramps, no collapse",
            300_000.0,
            constant,
            vec![(30.0, jitter(20.0))],
            |t| {
                expect(
                    t.min(10.0, 30.0) >= 700_000.0,
                    "below 700 kbit/s after 10 s",
                )
            },
        ),
        (
            "5 % random loss: holds",
            800_000.0,
            constant,
            vec![(30.0, lossy(0.05))],
            |t| expect(t.min(0.0, 30.0) >= 780_000.0, "moved off 800 kbit/s"),
        ),
        (
            "2 % then 5 % random loss after a clean ramp: holds what it had",
            1_000_000.0,
            follow,
            vec![
                (10.0, Path::free()),
                (20.0, lossy(0.02)),
                (40.0, lossy(0.05)),
            ],
            |t| {
                expect(
                    t.min(10.0, 40.0) >= 0.95 * t.mean(9.0, 10.0),
                    "dropped under 2-8 % loss",
                )
            },
        ),
        (
            // A false overuse still happens about once in 300 s here (2 in 20 × 30 s
            // runs; seed 3 has one at 25 s): it costs a dip, not a collapse.
            "5 % loss + 20 ms jitter: holds, dips at most briefly",
            800_000.0,
            constant,
            vec![(
                30.0,
                Path {
                    loss: 0.05,
                    ..jitter(20.0)
                },
            )],
            |t| {
                expect(
                    t.share_at_least(10.0, 30.0, 700_000.0) >= 0.7,
                    "mostly below 700",
                )?;
                expect(t.min(10.0, 30.0) >= 400_000.0, "collapsed")
            },
        ),
        (
            "20 % random loss: backs off",
            800_000.0,
            constant,
            vec![(20.0, lossy(0.20))],
            |t| expect(t.mean(15.0, 20.0) <= 400_000.0, "did not back off"),
        ),
        (
            "500 kbit/s bottleneck from 800 kbit/s, lifted at 30 s",
            800_000.0,
            follow,
            vec![(30.0, bottleneck(500_000.0)), (60.0, Path::free())],
            |t| {
                let settled = t.mean(15.0, 30.0);
                expect(
                    (400_000.0..=500_000.0).contains(&settled),
                    "did not settle in 400-500",
                )?;
                expect(t.max(15.0, 30.0) <= 560_000.0, "overshoots the bottleneck")?;
                expect(t.mean(38.0, 40.0) >= 700_000.0, "no recovery within 10 s")?;
                expect(t.mean(55.0, 60.0) > 1.5 * settled, "no recovery")
            },
        ),
        (
            "500 kbit/s bottleneck from 1.5 Mbit/s: a queue past the history's 2 s drains",
            1_500_000.0,
            follow,
            vec![(40.0, bottleneck(500_000.0))],
            |t| {
                let settled = t.mean(20.0, 40.0);
                expect(
                    (350_000.0..=500_000.0).contains(&settled),
                    "did not settle in 350-500",
                )
            },
        ),
        (
            "500 kbit/s bottleneck with 20 ms jitter",
            800_000.0,
            follow,
            vec![(
                30.0,
                Path {
                    jitter_ms: 20.0,
                    ..bottleneck(500_000.0)
                },
            )],
            |t| {
                let settled = t.mean(15.0, 30.0);
                expect(
                    (300_000.0..=500_000.0).contains(&settled),
                    "did not settle in 300-500",
                )
            },
        ),
        (
            "clean path: 300 kbit/s to 1.5 Mbit/s within 10 s",
            300_000.0,
            follow,
            vec![(20.0, Path::free())],
            |t| {
                expect(
                    t.first_reaching(1_500_000.0).is_some_and(|s| s <= 10.0),
                    "too slow",
                )
            },
        ),
    ];
    let mut failures = Vec::new();
    for (name, initial, sender, phases, check) in rows {
        for seed in [1, 2, 3] {
            let trace = googcc(initial, &scenario(seed, sender, &phases));
            if let Err(why) = check(&trace) {
                failures.push(format!(
                    "{name} (seed {seed}): {why}\n  {}",
                    trace.summary()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Why webrtc-rs 0.21.1's `Gcc` collapsed in real calls, reproduced: under 20 ms of normal
/// jitter a fifth of the packets are reported lost (overtaken in flight), and its loss half
/// cuts to the floor; on a 500 kbit/s bottleneck it goes blind and freezes above the link.
#[test]
fn rtc_gcc_collapses_under_jitter_and_freezes_on_a_bottleneck() {
    let run_gcc = |initial: f64, scenario: &Scenario| {
        let mut gcc = Gcc::new(initial, MIN, MAX);
        let trace = run(scenario, &mut gcc);
        (trace, gcc.loss_based_bitrate(), gcc.delay_based_bitrate())
    };
    let jittery = scenario(1, Sender::Constant(800_000.0), &[(30.0, jitter(20.0))]);
    let (trace, loss_based, _) = run_gcc(800_000.0, &jittery);
    let reported = trace.reported_lost as f64 / trace.sent as f64;
    assert!(reported > 0.10, "reordering reported as loss: {reported}");
    assert!(loss_based <= 150_000.0, "loss half: {loss_based}");
    assert!(trace.min(10.0, 30.0) <= 150_000.0, "{}", trace.summary());

    // From 1.5 Mbit/s into 500 kbit/s the queue passes the history's 2 s horizon before
    // its detector fires twice; from then on every batch is empty and the estimate freezes
    // just above the link while the queue grows (the real call: 5-10 s of delay).
    let narrow = scenario(1, Sender::FollowTarget, &[(30.0, bottleneck(500_000.0))]);
    let (trace, _, _) = run_gcc(1_500_000.0, &narrow);
    let frozen = trace.max(5.0, 30.0) - trace.min(5.0, 30.0);
    assert!(frozen < 1000.0, "{}", trace.summary());
    assert!(trace.min(5.0, 30.0) >= 500_000.0, "{}", trace.summary());
}

/// The same runs print their trajectories with `--nocapture`, for tuning.
#[test]
fn trajectories() {
    let rows = [
        (
            "jitter",
            800_000.0,
            Sender::Constant(800_000.0),
            vec![(30.0, jitter(20.0))],
        ),
        (
            "loss5",
            800_000.0,
            Sender::Constant(800_000.0),
            vec![(30.0, lossy(0.05))],
        ),
        (
            "bottleneck",
            1_500_000.0,
            Sender::FollowTarget,
            vec![(30.0, bottleneck(500_000.0)), (60.0, Path::free())],
        ),
        (
            "clean",
            300_000.0,
            Sender::FollowTarget,
            vec![(20.0, Path::free())],
        ),
    ];
    for (name, initial, sender, phases) in rows {
        let scenario = scenario(1, sender, &phases);
        let ours = googcc(initial, &scenario);
        let mut gcc = Gcc::new(initial, MIN, MAX);
        let theirs = run(&scenario, &mut gcc);
        println!(
            "{name}\n  ours: {}\n  rtc:  {}",
            ours.summary(),
            theirs.summary()
        );
        assert!(ours.targets.iter().all(|&(_, t)| (MIN..=MAX).contains(&t)));
    }
}

/// Under random loss the loss half is what holds the rate; the delay half sees no queue.
#[test]
fn under_random_loss_the_loss_half_holds_and_the_delay_half_stays_normal() {
    let mut estimator = GoogCc::new(800_000.0, MIN, MAX);
    run(
        &scenario(1, Sender::Constant(800_000.0), &[(20.0, lossy(0.05))]),
        &mut estimator,
    );
    assert_eq!(Usage::Normal, estimator.usage());
    assert!(estimator.loss_based() <= estimator.delay_based());
    let acked = estimator.acked_bitrate().unwrap_or_default();
    assert!((700_000.0..900_000.0).contains(&acked), "{acked}");
}

#[test]
fn bytes_outside_feedback_count_in_the_throughput() {
    // FEC's repair packets (a quarter of the media here) leave unnumbered: the throughput
    // a decrease starts from includes them.
    let acked = |uncounted: f64| {
        let mut estimator = GoogCc::new(600_000.0, MIN, MAX);
        estimator.set_uncounted(uncounted);
        run(
            &scenario(3, Sender::Constant(600_000.0), &[(5.0, Path::free())]),
            &mut estimator,
        );
        estimator.acked_bitrate().unwrap_or_default()
    };
    let (media, all) = (acked(0.0), acked(0.25));
    assert!((500_000.0..700_000.0).contains(&media), "{media}");
    assert!((all / media - 1.25).abs() < 1e-9, "{all} / {media}");
    // A sender over a bottleneck: the decreases start from the throughput with them, so
    // the delay-based estimate ends higher by about their share.
    let decreased = |uncounted: f64| {
        let mut estimator = GoogCc::new(1_000_000.0, MIN, MAX);
        estimator.set_uncounted(uncounted);
        run(
            &scenario(
                3,
                Sender::Constant(1_000_000.0),
                &[(10.0, bottleneck(500_000.0))],
            ),
            &mut estimator,
        );
        estimator.delay_based()
    };
    let ratio = decreased(0.25) / decreased(0.0);
    assert!((1.1..=1.4).contains(&ratio), "{ratio}");
}
