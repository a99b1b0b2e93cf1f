//! Where an engine's pictures go ([`VideoSinks`]): the self-view comes from the camera's own
//! thread as soon as a call opens the camera, so it shows while the call still rings (no
//! ICE, no media sender yet), and it is cleared when the camera closes; the remote picture
//! comes from the decoder's thread and is cleared when the call ends. Real engines, a real
//! signaling server and real peer connections on loopback.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::engine::{config, server, Agent, WAIT};
use peercall_engine::call::CallState;
use peercall_engine::{AnswerPolicy, EngineEvent, VideoSinks};
use peercall_media::sink::Tally;

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let end = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < end, "{what}: not within {WAIT:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_self_view_shows_while_the_call_rings_and_both_pictures_clear_when_it_ends() {
    let server = server().await;
    let url = server.url();
    let mut bob = Agent::start(config(&url, "bob", AnswerPolicy::Ask)).await;
    let (preview, remote) = (Arc::new(Tally::default()), Arc::new(Tally::default()));
    let mut cfg = config(&url, "alice", AnswerPolicy::Ask);
    cfg.video_sinks = VideoSinks {
        remote: Some(remote.clone()),
        preview: Some(preview.clone()),
    };
    let mut alice = Agent::start(cfg).await;
    let bob_id = alice.peer_named("bob").await;
    assert_eq!(preview.shown(), 0, "no camera is open before a call");

    alice.engine.call(bob_id).await.expect("call");
    bob.wait_for("the incoming call", |e| {
        matches!(e, EngineEvent::IncomingCall { .. })
    })
    .await;
    // Bob has not answered, so there is no ICE yet: Alice sees herself all the same.
    wait_until("Alice's self-view while the call rings", || {
        preview.shown() >= 10
    })
    .await;
    alice.drain();
    assert!(
        !alice.log.iter().any(|e| matches!(
            e,
            EngineEvent::CallState {
                state: CallState::Connected,
                ..
            }
        )),
        "the call connected before Bob answered: {:?}",
        alice.log
    );
    assert_eq!(
        remote.shown(),
        0,
        "a remote picture before the call connected"
    );

    bob.engine.accept().expect("accept");
    alice.wait_state(CallState::Connected).await;
    wait_until("the remote picture", || remote.shown() >= 1).await;
    assert_eq!((preview.cleared(), remote.cleared()), (0, 0));

    alice.engine.hangup().expect("hangup");
    alice.wait_ended().await;
    wait_until("the self-view cleared once the camera closed", || {
        preview.cleared() >= 1
    })
    .await;
    wait_until("the remote picture cleared once its stream ended", || {
        remote.cleared() >= 1
    })
    .await;
    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}
