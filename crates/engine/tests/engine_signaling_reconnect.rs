//! The signaling server goes away and comes back: the engine reports each reconnect attempt
//! (the app shows a countdown from it) and rejoins the room when the server is back.

mod common;

use common::engine::{config, server, Agent};
use peercall_engine::{AnswerPolicy, EngineEvent};
use peercall_signal::server::{Config, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_reconnect_attempts_and_rejoins_a_restarted_server() {
    let first = server().await;
    let addr = first.local_addr();
    let mut alice = Agent::start(config(&first.url(), "alice", AnswerPolicy::Ask)).await;
    alice
        .wait_for("connected", |e| matches!(e, EngineEvent::Connected { .. }))
        .await;

    first.shutdown().await;
    let attempt = alice
        .wait_for("a reconnect attempt", |e| {
            matches!(e, EngineEvent::Reconnecting { .. })
        })
        .await;
    let EngineEvent::Reconnecting { attempt, delay } = attempt else {
        unreachable!()
    };
    assert_eq!(attempt, 1, "attempts count from 1");
    assert!(delay.as_secs() < 60, "backoff delay is bounded: {delay:?}");

    // The same address again: the new server never knew the old session, so the engine
    // joins afresh (Connected) instead of resuming.
    alice.log.clear();
    let again = Server::bind(Config {
        port: addr.port(),
        ..Config::loopback()
    })
    .await
    .expect("rebind the server on the same port");
    alice
        .wait_for("connected again", |e| {
            matches!(e, EngineEvent::Connected { .. })
        })
        .await;

    alice.engine.shutdown().await;
    again.shutdown().await;
}
