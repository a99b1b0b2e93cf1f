//! A peer floods its media state (mute on, off, on… 2,001 times) over the data channel: the
//! engine passes on only changes, a burst and then a few a second, so neither its event
//! queue nor the app's UI takes one update per message; and what it shows in the end is the
//! peer's true state. Before the gate each message became an event.

mod common;

use std::time::Instant;

use common::engine::{connected_call, server};
use peercall_engine::engine::media_gate::{BURST, RATE};
use peercall_engine::EngineEvent;

const TOGGLES: usize = 2_001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_media_state_flood_is_coalesced_and_ends_true() {
    let server = server().await;
    let url = server.url();
    let (alice, mut bob) = connected_call(&url).await;
    bob.wait_for("the data channel", |e| {
        matches!(e, EngineEvent::RemoteMedia { .. })
    })
    .await;
    bob.drain();
    bob.log.clear();

    let start = Instant::now();
    for i in 0..TOGGLES {
        alice.engine.set_mic_muted(i % 2 == 0).expect("mute");
    }
    // The flood ended on "muted" (i = 2,000). Two stats ticks later whatever was held
    // has been passed on.
    for n in 0..2 {
        bob.log.retain(|e| !matches!(e, EngineEvent::Stats(_)));
        bob.wait_for(&format!("stats tick {n}"), |e| {
            matches!(e, EngineEvent::Stats(_))
        })
        .await;
    }
    bob.drain();
    let elapsed = start.elapsed().as_secs_f64();
    let updates: Vec<bool> = bob
        .log
        .iter()
        .filter_map(|e| match e {
            EngineEvent::RemoteMedia { mic_muted, .. } => Some(*mic_muted),
            _ => None,
        })
        .collect();
    let allowed = BURST + RATE * elapsed + 2.0; // + the flushes
    assert!(
        (updates.len() as f64) <= allowed,
        "{} media updates for {TOGGLES} messages in {elapsed:.1} s (at most {allowed:.0})",
        updates.len()
    );
    assert_eq!(
        updates.last(),
        Some(&true),
        "the last state shown is not the peer's: {updates:?}"
    );
}
