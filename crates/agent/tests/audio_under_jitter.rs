//! Audio stays continuous on a lossy, jittery network: two agents call through the real
//! server inside a namespace whose loopback loses 5 % of packets and delays the rest by
//! 50 ms ± 20 ms (normal, so packets reorder), both ways, through the real emulator. Each
//! agent plays the other's audio on the default speaker (the PulseAudio null sink that
//! `scripts/start-pulseaudio.sh` starts, when it is running) and measures what its jitter
//! buffer hands the speaker: the synthetic tone must be heard with no silent run over
//! 60 ms (at most one short one), at most four underruns and a bounded delay. Both agents
//! negotiate audio RED (RFC 2198): each packet repeats the previous frame, so a single
//! lost packet is rebuilt exactly and what is concealed falls from about the loss (5 %,
//! before RED) to what two losses in a row leave (measured 0.1–0.3 %). The emulator is seeded; thread timing is not, so the margins are
//! wide. No camera: the debug build's video work would starve the audio threads.
//!
//! Needs root, `unshare` and `iptables-legacy`; without them it says so and skips (under
//! `CI=true` it fails instead).

mod common;

use common::netem_call::{num, reports_under, run_call};
use peercall_netem::namespace::prerequisites;

const CHILD_ENV: &str = "PEERCALL_AUDIO_JITTER_CHILD";

/// Inside the namespace: the server and two agents; prints each agent's report.
#[test]
#[ignore = "run by audio_stays_continuous_under_loss_and_jitter inside the namespace"]
fn audio_under_jitter_child() {
    if std::env::var(CHILD_ENV).is_err() {
        return;
    }
    // No camera: audio alone, so the debug build's video work does not starve it.
    let mut args = vec!["--video", "none"];
    if std::env::var_os("PULSE_SERVER").is_some() {
        args.extend(["--speaker", "default"]);
    }
    run_call("15", &args);
}

#[test]
fn audio_stays_continuous_under_loss_and_jitter() {
    if !prerequisites("audio_stays_continuous_under_loss_and_jitter") {
        return;
    }
    let spec = "delay 50ms 20ms distribution normal loss 5%";
    // This test is about audio once connected: a call that never connects under this
    // loss (seen about one run in five here, ICE/DTLS setup, reported apart) is tried
    // again once with the next seed, and said.
    let mut reports = Vec::new();
    for seed in [13, 14] {
        reports = reports_under(spec, seed, "audio_under_jitter_child", &[(CHILD_ENV, "1")]);
        let connected = reports.len() == 2
            && reports
                .iter()
                .all(|(_, r)| r["setupMs"]["offerToConnected"].is_number());
        if connected {
            break;
        }
        eprintln!("seed {seed}: the call did not connect, trying once more: {reports:?}");
    }
    assert_eq!(reports.len(), 2, "two reports: {reports:?}");
    for (name, r) in &reports {
        assert_eq!(r["result"], "ok", "{name}: {r}");
        let audio = &r["audio"];
        eprintln!("{name}: {audio}");
        assert_eq!(audio["toneDetected"], true, "{name}: {audio}");
        let lost = 100.0 * num(audio, &["packetsLost"]) / num(audio, &["packetsReceived"]);
        assert!(lost > 2.0, "{name}: 5 % loss but {lost:.1} % lost? {audio}");
        // Continuous: concealment fades under −34 dBFS only after ~190 ms without a
        // packet, which the emulated network never causes (it loses 5 % at random); a
        // starved test machine can, so one short run is tolerated, none over 60 ms.
        assert!(num(audio, &["gaps"]) <= 1.0, "{name}: {audio}");
        assert_eq!(num(audio, &["gapsOver60ms"]), 0.0, "{name}: {audio}");
        // The losses are rebuilt from the RED copy in the next packet (the steady test
        // tone gives Opus's voice activity detector nothing to protect, so in-band FEC
        // alone rebuilt almost nothing): what is concealed is a fraction of the loss.
        let concealed = num(audio, &["concealedPct"]);
        let red = num(audio, &["redPct"]);
        assert!(red >= lost / 2.0, "{name}: RED rebuilt {red:.1} %: {audio}");
        assert!(
            concealed <= lost / 3.0,
            "{name}: concealed {concealed:.1} % of {lost:.1} % lost: {audio}"
        );
        // An underrun is concealed, not silent (the gap bounds above are what is heard);
        // the playout-delay target runs the buffer leaner than before (held p50 ~63 ms),
        // so a loaded 2-core machine's scheduling stalls show as a few (3 in one full
        // suite run beside other tests). A broken adaptation makes dozens. The idle
        // figure is the benchmark's (BENCHMARKS "Audio delay and lip sync").
        assert!(num(audio, &["underruns"]) <= 4.0, "{name}: {audio}");
        let p50 = num(audio, &["bufferDelayMs", "p50"]);
        assert!(
            (20.0..=120.0).contains(&p50),
            "{name}: delay p50 {p50}: {audio}"
        );
    }
}
