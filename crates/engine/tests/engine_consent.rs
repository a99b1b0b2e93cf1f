//! Consent, counted in the engine: before its user accepts, the callee has sent no
//! answer, no candidate and no RTP, and opened no camera, microphone or session.

mod common;

use std::time::Duration;

use common::engine::{config, server, Agent};
use peercall_engine::call::CallState;
use peercall_engine::{AnswerPolicy, EngineEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_sends_and_opens_nothing_before_accept() {
    let server = server().await;
    let url = server.url();
    let mut bob = Agent::start(config(&url, "bob", AnswerPolicy::Ask)).await;
    let mut alice = Agent::start(config(&url, "alice", AnswerPolicy::Ask)).await;
    let bob_id = alice.peer_named("bob").await;
    alice.engine.call(bob_id).await.expect("call");
    bob.wait_for("ringing", |e| matches!(e, EngineEvent::IncomingCall { .. }))
        .await;
    // Give the caller's candidates time to arrive and the callee time to misbehave.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let m = bob.engine.metrics();
    assert!(
        m.sent.is_empty(),
        "callee sent {:?} before accepting",
        m.sent
    );
    assert_eq!(
        (m.cameras_opened, m.mics_opened, m.sessions_opened),
        (0, 0, 0),
        "{m:?}"
    );
    let c = bob.engine.call_counters();
    assert_eq!((c.video_frames_sent, c.audio_packets_sent), (0, 0));
    // The caller meanwhile offered and trickled its candidates.
    let a = alice.engine.metrics();
    assert_eq!(a.sent.get("offer"), Some(&1));
    assert!(a.sent.get("candidate").copied().unwrap_or(0) >= 1, "{a:?}");

    bob.engine.accept().expect("accept");
    bob.wait_state(CallState::Connected).await;
    alice.wait_state(CallState::Connected).await;
    let m = bob.engine.metrics();
    assert_eq!(m.sent.get("answer"), Some(&1));
    assert_eq!(
        (m.cameras_opened, m.mics_opened, m.sessions_opened),
        (1, 1, 1)
    );
    alice.engine.hangup().expect("hangup");
    bob.wait_ended().await;
    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}
