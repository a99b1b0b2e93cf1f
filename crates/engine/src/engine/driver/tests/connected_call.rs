//! A connected call: an ICE restart uses the newest TURN credentials, not the ones the
//! call started with; a data-channel flood the session reports reaches the app; the app's
//! keyframe request reaches the session.

use peercall_protocol::{self as proto, IceServer};
use peercall_signal::client::ClientEvent;

use super::super::sim::Record;
use super::harness::Sim;
use crate::call::CallState;
use crate::engine::{Command, EngineEvent};
use crate::session::SessionEvent;

#[tokio::test]
async fn a_restart_hands_the_session_the_credentials_minted_since_the_call_began() {
    let (mut sim, call) = Sim::calling_with(|c| c.keep_ice_servers = false).await;
    sim.bob_sends(proto::SignalData::Answer {
        call: call.0.clone(),
        sdp: "bob-answer".to_owned(),
    })
    .await;
    sim.session(SessionEvent::Connected);
    sim.state(CallState::Connected).await;
    sim.server(ClientEvent::IceServers {
        ice_servers: vec![IceServer {
            urls: vec!["turn:turn.example:3478".to_owned()],
            username: Some("1800000000:fresh".to_owned()),
            credential: Some("c".to_owned()),
        }],
    })
    .await;
    sim.settle().await;
    sim.command(Command::RestartIce);
    let handed = sim
        .log
        .wait_for_record(&Record::IceServers(vec![Some(
            "1800000000:fresh".to_owned(),
        )]))
        .await;
    let offered = sim.log.wait_for_record(&Record::RestartOffer).await;
    assert!(handed < offered, "{:?}", sim.log.all());
    sim.settle().await;
    sim.shutdown().await;
}

/// Not a restart, but the same connected call: the session's report of a data-channel
/// flood reaches the app as `DataChannelFlood` with the count.
#[tokio::test]
async fn a_data_channel_flood_is_told_to_the_app_with_its_count() {
    let (mut sim, _call) = Sim::connected().await;
    sim.session(SessionEvent::ControlDropped { total: 9_948 });
    sim.event("DataChannelFlood", |e| {
        matches!(e, EngineEvent::DataChannelFlood { dropped: 9_948 })
    })
    .await;
    sim.shutdown().await;
}

/// `Engine::request_keyframe` on a connected call asks the session (which sends the PLI).
#[tokio::test]
async fn a_keyframe_request_from_the_app_reaches_the_session() {
    let (sim, _call) = Sim::connected().await;
    sim.command(Command::RequestKeyframe);
    sim.log.wait_for_record(&Record::KeyframeRequest).await;
    sim.shutdown().await;
}
