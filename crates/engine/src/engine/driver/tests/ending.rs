//! How calls end: hang-up, signaling lost, session errors, and nothing sent after close.

use peercall_protocol as proto;
use peercall_signal::client::{ClientEvent, CloseReason};

use super::super::sim::{Record, SIM_FAILURE};
use super::harness::{bob, sent, Sim};
use crate::call::{CallState, EndReason, MediaKinds, Side, Signal};
use crate::engine::{Command, EngineErrorCode, EngineEvent};
use crate::session::{ChannelError, SessionEvent};

fn server_gone() -> ClientEvent {
    ClientEvent::Closed {
        reason: CloseReason::ServerGone { attempts: 5 },
    }
}

fn is_sent(r: &Record) -> bool {
    matches!(r, Record::Sent { .. })
}

/// Our hang-up goes over the data channel and the server, then the session closes.
#[tokio::test]
async fn hang_up_tells_the_peer_then_closes_the_session() {
    let (mut sim, call) = Sim::connected().await;
    sim.command(Command::Hangup);
    sim.state(CallState::Ended(EndReason::HungUp(Side::Local)))
        .await;
    let data = sim.log.wait_for_record(&Record::DataHangup).await;
    let signaled = sim
        .log
        .wait_for_record(&sent(Signal::Hangup { call }))
        .await;
    let closed = sim.log.wait_for_record(&Record::SessionClosed).await;
    assert!(data < signaled && signaled < closed, "{:?}", sim.log.all());
    sim.shutdown().await;
}

/// The server gone for good while a call rings (either way) ends it, and says why.
#[tokio::test]
async fn signaling_lost_while_ringing_ends_the_call() {
    for incoming in [true, false] {
        let mut sim = if incoming {
            Sim::ringing().await
        } else {
            Sim::calling().await.0
        };
        sim.server(server_gone()).await;
        sim.state(CallState::Ended(EndReason::SignalingLost)).await;
        sim.event("Error(SignalingClosed)", |e| {
            matches!(
                e,
                EngineEvent::Error {
                    code: EngineErrorCode::SignalingClosed,
                    ..
                }
            )
        })
        .await;
        if !incoming {
            sim.log.wait_for_record(&Record::SessionClosed).await;
        }
        sim.shutdown().await;
    }
}

/// A session that breaks ends the call with the reason it gave, and closes.
#[tokio::test]
async fn a_session_error_ends_the_call_with_its_reason() {
    let cases = [
        (
            SessionEvent::error(ChannelError::NotOpen),
            EndReason::SessionError("data channel: data channel not open".to_owned()),
            None,
        ),
        (
            SessionEvent::Failed,
            EndReason::ConnectionFailed,
            Some(EngineErrorCode::Ice),
        ),
    ];
    for (event, reason, error) in cases {
        let (mut sim, call) = Sim::calling().await;
        sim.bob_sends(proto::SignalData::Answer {
            call: call.0.clone(),
            sdp: "bob-answer".to_owned(),
        })
        .await;
        sim.state(CallState::Connecting).await;
        sim.session(event);
        if let Some(code) = error {
            let e = sim
                .event("Error", |e| matches!(e, EngineEvent::Error { .. }))
                .await;
            let EngineEvent::Error { code: got, message } = e else {
                unreachable!()
            };
            assert_eq!((got, message.as_str()), (code, SIM_FAILURE));
        }
        sim.state(CallState::Ended(reason)).await;
        sim.log.wait_for_record(&Record::SessionClosed).await;
        sim.shutdown().await;
    }
}

/// A connection that never comes up (no failure reported, e.g. a DTLS handshake that
/// stalls on a path ICE found) ends the call at the deadline, saying why as a reported
/// failure does.
#[tokio::test]
async fn a_call_that_never_connects_ends_at_the_deadline_and_says_why() {
    let (mut sim, call) = Sim::calling_with(|c| {
        c.call.connect_timeout = std::time::Duration::from_millis(200);
    })
    .await;
    sim.bob_sends(proto::SignalData::Answer {
        call: call.0.clone(),
        sdp: "bob-answer".to_owned(),
    })
    .await;
    sim.state(CallState::Connecting).await;
    let e = sim
        .event("Error", |e| matches!(e, EngineEvent::Error { .. }))
        .await;
    let EngineEvent::Error { code, message } = e else {
        unreachable!()
    };
    assert_eq!(
        (code, message.as_str()),
        (EngineErrorCode::Ice, SIM_FAILURE)
    );
    sim.state(CallState::Ended(EndReason::ConnectionFailed))
        .await;
    sim.log.wait_for_record(&Record::SessionClosed).await;
    sim.shutdown().await;
}

/// Once the signaling client closed, nothing more goes to it: the call it ended closes
/// its session, and a new call reports it cannot send its offer.
#[tokio::test]
async fn nothing_is_sent_to_the_server_after_it_closed() {
    let (mut sim, _call) = Sim::connected().await;
    sim.settle().await;
    let before = sim.log.all().len();
    sim.server(server_gone()).await;
    sim.state(CallState::Ended(EndReason::SignalingLost)).await;
    sim.log.wait_for_record(&Record::SessionClosed).await;

    let (reply, _id) = tokio::sync::oneshot::channel();
    sim.command(Command::Call(bob(), MediaKinds::BOTH, reply));
    sim.event("Error(Signaling)", |e| {
        matches!(
            e,
            EngineEvent::Error {
                code: EngineErrorCode::Signaling,
                ..
            }
        )
    })
    .await;
    let log = sim.shutdown().await.all();
    let after = &log[before..];
    assert!(!after.iter().any(is_sent), "sent after close: {after:?}");
    assert!(
        !after.contains(&Record::SignalingClosed),
        "closed twice: {after:?}"
    );
}

/// Shutting down hangs up the call (data channel, server), closes the session, then
/// leaves the server; nothing follows.
#[tokio::test]
async fn shutdown_hangs_up_then_leaves_the_server_last() {
    let (sim, call) = Sim::connected().await;
    let log = sim.shutdown().await.all();
    let tail: Vec<&Record> = log
        .iter()
        .skip_while(|r| **r != Record::DataHangup)
        .filter(|r| !matches!(r, Record::Busy(_)))
        .collect();
    let want = [
        Record::DataHangup,
        sent(Signal::Hangup { call }),
        Record::SessionClosed,
        Record::SignalingClosed,
    ];
    assert_eq!(tail, want.iter().collect::<Vec<_>>(), "{log:?}");
}
