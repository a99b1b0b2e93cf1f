//! The signaling server dies mid-call and a new one starts on the same port: the call goes
//! on throughout (its media is peer to peer), both engines come back with fresh ids (the
//! new server never knew the old sessions), re-pair the call by its id over the data
//! channel, and signaling for the call works again: an ICE restart asked for by the
//! callee goes through the new server both ways, then a hang-up.

mod common;

use std::time::{Duration, Instant};

use common::engine::{connected_call, Agent, WAIT};
use common::server_process::ServerProcess;
use peercall_engine::call::{CallState, EndReason, PeerId, Side};
use peercall_engine::EngineEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_survives_a_server_restart_and_re_pairs_by_call_id() {
    let first = ServerProcess::start(0).await;
    let port = first.port;
    let (mut alice, mut bob) = connected_call(&first.url).await;
    for agent in [&mut alice, &mut bob] {
        // The data channel is open once each side has the other's media state.
        agent
            .wait_for("the peer's media state", |e| {
                matches!(e, EngineEvent::RemoteMedia { .. })
            })
            .await;
        agent
            .log
            .retain(|e| !matches!(e, EngineEvent::Connected { .. }));
    }

    first.kill();
    for agent in [&mut alice, &mut bob] {
        agent
            .wait_for("signaling lost, reconnecting", |e| {
                matches!(e, EngineEvent::Reconnecting { .. })
            })
            .await;
    }
    // Two more seconds of video each way while no server exists.
    for agent in [&alice, &bob] {
        let now = agent.engine.call_counters().video_frames_decoded;
        frames_beyond(agent, now + 60).await;
    }
    still_in_call(&mut alice);
    still_in_call(&mut bob);

    let again = ServerProcess::start(port).await;
    let server_back = Instant::now();
    let alice_id = rejoined(&mut alice).await;
    let bob_id = rejoined(&mut bob).await;
    assert_eq!(
        repaired(&mut alice).await,
        bob_id,
        "alice re-paired with bob's new id"
    );
    assert_eq!(
        repaired(&mut bob).await,
        alice_id,
        "bob re-paired with alice's new id"
    );
    println!("server up -> both re-paired: {:?}", server_back.elapsed());
    still_in_call(&mut alice);
    still_in_call(&mut bob);

    // Signaling for the call works again: bob asks (restart-ice), alice offers
    // (renegotiate), bob answers, through the new server.
    for agent in [&mut alice, &mut bob] {
        agent.log.clear();
    }
    let asked = Instant::now();
    bob.engine.restart_ice().expect("restart ICE");
    for agent in [&mut alice, &mut bob] {
        agent.wait_state(CallState::Reconnecting).await;
        agent.wait_state(CallState::Connected).await;
    }
    println!(
        "restart asked -> both connected again: {:?}",
        asked.elapsed()
    );
    let now = bob.engine.call_counters().video_frames_decoded;
    frames_beyond(&bob, now + 30).await;
    assert!(
        alice.engine.metrics().sent.get("renegotiate").copied() >= Some(1),
        "alice offered the restart through the server: {:?}",
        alice.engine.metrics()
    );

    alice.engine.hangup().expect("hang up");
    assert_eq!(alice.wait_ended().await, EndReason::HungUp(Side::Local));
    assert_eq!(bob.wait_ended().await, EndReason::HungUp(Side::Remote));

    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    again.kill();
}

/// Waits until the agent has decoded more than `than` video frames.
async fn frames_beyond(agent: &Agent, than: u64) {
    let end = Instant::now() + WAIT;
    loop {
        let now = agent.engine.call_counters().video_frames_decoded;
        if now > than {
            return;
        }
        assert!(Instant::now() < end, "video stopped at {now} frames");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// No event so far says the call ended.
fn still_in_call(agent: &mut Agent) {
    agent.drain();
    let ended = agent.log.iter().find(|e| {
        matches!(
            e,
            EngineEvent::CallState {
                state: CallState::Ended(_),
                ..
            }
        )
    });
    assert!(ended.is_none(), "the call ended: {:#?}", agent.log);
}

/// Waits for the agent to join the new server afresh; its new id.
async fn rejoined(agent: &mut Agent) -> PeerId {
    match agent
        .wait_for("joined afresh", |e| {
            matches!(e, EngineEvent::Connected { .. })
        })
        .await
    {
        EngineEvent::Connected { id, .. } => id,
        _ => unreachable!(),
    }
}

/// Waits for the call to be re-paired; the peer's new id.
async fn repaired(agent: &mut Agent) -> PeerId {
    match agent
        .wait_for("the call re-paired", |e| {
            matches!(e, EngineEvent::CallRepaired { .. })
        })
        .await
    {
        EngineEvent::CallRepaired { peer, .. } => peer,
        _ => unreachable!(),
    }
}
