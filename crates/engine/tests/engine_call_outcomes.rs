//! Calls that end without (or after) media: reject, busy, cancel, ring timeout, hangup
//! from the callee — each side ends with the right reason.

mod common;

use std::time::Duration;

use common::engine::{config, server, Agent};
use peercall_engine::call::{CallState, EndReason, Side};
use peercall_engine::{AnswerPolicy, EngineEvent};

async fn pair(
    bob_policy: AnswerPolicy,
    ring: Option<Duration>,
) -> (Agent, Agent, peercall_signal::server::ServerHandle) {
    let server = server().await;
    let url = server.url();
    let mut bob_cfg = config(&url, "bob", bob_policy);
    let mut alice_cfg = config(&url, "alice", AnswerPolicy::Ask);
    if let Some(ring) = ring {
        bob_cfg.call.ring_timeout = ring;
        alice_cfg.call.ring_timeout = ring;
        alice_cfg.call.caller_grace = Duration::from_secs(5);
    }
    let bob = Agent::start(bob_cfg).await;
    let mut alice = Agent::start(alice_cfg).await;
    let bob_id = alice.peer_named("bob").await;
    alice.engine.call(bob_id).await.expect("call");
    (alice, bob, server)
}

async fn finish(alice: Agent, bob: Agent, server: peercall_signal::server::ServerHandle) {
    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_rejects() {
    let (mut alice, mut bob, server) = pair(AnswerPolicy::Decline, None).await;
    assert_eq!(alice.wait_ended().await, EndReason::Declined(Side::Remote));
    assert_eq!(bob.wait_ended().await, EndReason::Declined(Side::Local));
    assert_eq!(bob.engine.metrics().sessions_opened, 0);
    finish(alice, bob, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_is_busy() {
    let (mut alice, mut bob, server) = pair(AnswerPolicy::Busy, None).await;
    assert_eq!(alice.wait_ended().await, EndReason::Busy);
    bob.wait_ended().await;
    let sent = bob.engine.metrics().sent;
    assert_eq!(sent.get("reject"), Some(&1));
    assert_eq!(
        sent.len(),
        1,
        "the busy callee sends nothing but reject: {sent:?}"
    );
    finish(alice, bob, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_cancels_while_ringing() {
    let (mut alice, mut bob, server) = pair(AnswerPolicy::Ask, None).await;
    bob.wait_for("ringing", |e| matches!(e, EngineEvent::IncomingCall { .. }))
        .await;
    alice.engine.cancel().expect("cancel");
    assert_eq!(alice.wait_ended().await, EndReason::Cancelled(Side::Local));
    assert_eq!(bob.wait_ended().await, EndReason::Cancelled(Side::Remote));
    finish(alice, bob, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_call_times_out() {
    let (mut alice, mut bob, server) = pair(AnswerPolicy::Ask, Some(Duration::from_secs(1))).await;
    bob.wait_for("ringing", |e| matches!(e, EngineEvent::IncomingCall { .. }))
        .await;
    assert_eq!(bob.wait_ended().await, EndReason::Timeout);
    assert_eq!(alice.wait_ended().await, EndReason::Timeout);
    assert_eq!(bob.engine.metrics().sent.get("reject"), Some(&1));
    finish(alice, bob, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_hangs_up_a_connected_call() {
    let (mut alice, mut bob, server) = pair(AnswerPolicy::Accept, None).await;
    alice.wait_state(CallState::Connected).await;
    bob.wait_state(CallState::Connected).await;
    bob.engine.hangup().expect("hangup");
    assert_eq!(bob.wait_ended().await, EndReason::HungUp(Side::Local));
    assert_eq!(alice.wait_ended().await, EndReason::HungUp(Side::Remote));
    finish(alice, bob, server).await;
}
