//! A call in progress ends when its signaling identity is gone: the server restarts, each
//! engine rejoins with a fresh id (no resume), and the connected call ends on both sides
//! with `signaling-lost` although its media was peer to peer — nothing could hang it up
//! or renegotiate it any more (ARCHITECTURE.md, docs/call-states.md).

mod common;

use common::engine::{connected_call, Agent};
use peercall_engine::call::EndReason;
use peercall_engine::EngineEvent;
use peercall_signal::server::{Config, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_call_ends_when_the_server_forgets_both_sides() {
    let first = common::engine::server().await;
    let port = first.local_addr().port();
    let (mut alice, mut bob) = connected_call(&first.url()).await;

    first.shutdown().await;
    let again = Server::bind(Config {
        port,
        ..Config::loopback()
    })
    .await
    .expect("rebind the server on the same port");

    for agent in [&mut alice, &mut bob] {
        rejoined(agent).await;
        assert_eq!(agent.wait_ended().await, EndReason::SignalingLost);
    }

    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    again.shutdown().await;
}

/// Waits for the second `Connected` (the first was the original join).
async fn rejoined(agent: &mut Agent) {
    agent
        .log
        .retain(|e| !matches!(e, EngineEvent::Connected { .. }));
    agent
        .wait_for("joined afresh", |e| {
            matches!(e, EngineEvent::Connected { .. })
        })
        .await;
}
