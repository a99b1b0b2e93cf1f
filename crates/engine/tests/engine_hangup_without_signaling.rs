//! Call control without signaling: the server goes away mid-call while the media path
//! still works, and a hang-up reaches the other side over the data channel at once — it
//! ends with `hangup-remote`, not with a lost connection seconds later.

mod common;

use common::engine::{connected_call, server};
use peercall_engine::call::{EndReason, Side};
use peercall_engine::EngineEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hangup_reaches_the_peer_when_the_server_is_gone() {
    let srv = server().await;
    let (mut alice, mut bob) = connected_call(&srv.url()).await;
    // The data channel is open once each side has the other's media state.
    for agent in [&mut alice, &mut bob] {
        agent
            .wait_for("the peer's media state", |e| {
                matches!(e, EngineEvent::RemoteMedia { .. })
            })
            .await;
    }

    srv.shutdown().await;
    for agent in [&mut alice, &mut bob] {
        agent
            .wait_for("signaling lost, reconnecting", |e| {
                matches!(e, EngineEvent::Reconnecting { .. })
            })
            .await;
    }

    alice.engine.hangup().expect("hang up");
    assert_eq!(alice.wait_ended().await, EndReason::HungUp(Side::Local));
    assert_eq!(bob.wait_ended().await, EndReason::HungUp(Side::Remote));

    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
}
