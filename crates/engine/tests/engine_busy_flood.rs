//! Three strangers fire 100 offers each at a peer that is in a call. The peer answers
//! each of them `busy` once (not 100 times: a reply per offer went over its own rate
//! limit and the server closed its connection), stays connected under its id, and its
//! call keeps going — media flows and a hangup still reaches the other side.

mod common;

use std::time::{Duration, Instant};

use common::engine::{connected_call, server, Agent, WAIT};
use peercall_engine::call::{EndReason, Side};
use peercall_engine::EngineEvent;
use peercall_signal::client::{ClientConfig, ClientEvent, SignalClient};
use peercall_signal::protocol::{Media, PeerId, RejectReason, SignalData};
use tokio::sync::mpsc;

const ATTACKERS: usize = 3;
const OFFERS: usize = 100;

/// A stranger in the room that sends as fast as the server lets it (no pacing).
async fn attacker(url: &str, n: usize) -> (SignalClient, mpsc::Receiver<ClientEvent>) {
    let mut c = ClientConfig::new(url, format!("mallory{n}"));
    c.send_rate = 0.0;
    let (client, events) = SignalClient::connect(c).await.expect("attacker connects");
    (client, events)
}

/// Waits for the attacker's first `reject busy`.
async fn busy_reply(events: &mut mpsc::Receiver<ClientEvent>) {
    let end = tokio::time::Instant::now() + WAIT;
    loop {
        let e = tokio::time::timeout_at(end, events.recv())
            .await
            .expect("a busy reply in time")
            .expect("attacker events open");
        if let ClientEvent::Signal {
            data:
                SignalData::Reject {
                    reason: RejectReason::Busy,
                    ..
                },
            ..
        } = e
        {
            return;
        }
    }
}

/// Waits until Bob has decoded more video frames than `than`.
async fn frames_flow(bob: &Agent, than: u64) -> u64 {
    let end = Instant::now() + WAIT;
    loop {
        let now = bob.engine.call_counters().video_frames_decoded;
        if now > than {
            return now;
        }
        assert!(Instant::now() < end, "video stopped at {now} frames");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_offers_during_a_call_gets_one_busy_each_and_the_call_goes_on() {
    let server = server().await;
    let url = server.url();
    let (mut alice, mut bob) = connected_call(&url).await;
    let before = frames_flow(&bob, 0).await;

    let mut attackers = Vec::new();
    for n in 0..ATTACKERS {
        attackers.push(attacker(&url, n).await);
    }
    let alice_id = PeerId(
        match alice
            .wait_for("alice's id", |e| matches!(e, EngineEvent::Connected { .. }))
            .await
        {
            EngineEvent::Connected { id, .. } => id.0,
            _ => unreachable!(),
        },
    );
    for (n, (client, _)) in attackers.iter().enumerate() {
        for k in 0..OFFERS {
            let offer = SignalData::Offer {
                call: format!("flood-{n}-{k}"),
                sdp: "v=0\r\n".to_owned(),
                media: Media {
                    audio: true,
                    video: true,
                },
            };
            client.send_signal(&alice_id, offer).await.expect("sent");
        }
    }
    for (_, events) in &mut attackers {
        busy_reply(events).await;
    }

    // The call goes on: video keeps arriving, and Alice's hangup reaches Bob.
    frames_flow(&bob, before).await;
    alice.engine.hangup().expect("hangup");
    assert_eq!(bob.wait_ended().await, EndReason::HungUp(Side::Remote));
    alice.wait_ended().await;

    let rejects = alice.engine.metrics().sent.get("reject").copied();
    assert_eq!(
        rejects,
        Some(ATTACKERS as u64),
        "one busy per attacker, not one per offer"
    );
    alice.drain();
    let trouble: Vec<_> = alice
        .log
        .iter()
        .filter(|e| match e {
            EngineEvent::Reconnecting { .. } | EngineEvent::Closed { .. } => true,
            EngineEvent::Error { code, message } => {
                code == "signaling-closed" || message.contains("rate-limited")
            }
            _ => false,
        })
        .collect();
    assert!(
        trouble.is_empty(),
        "alice's signaling suffered: {trouble:?}"
    );
    let connected = alice
        .log
        .iter()
        .filter(|e| matches!(e, EngineEvent::Connected { .. }))
        .count();
    assert_eq!(connected, 1, "alice kept her id (no fresh welcome)");

    for (client, _) in attackers {
        client.close().await;
    }
    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}
