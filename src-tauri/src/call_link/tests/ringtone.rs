//! The ringtone through whole calls: it rings while a call rings here and stops on accept,
//! reject, the caller's cancel, the ring timeout, a lost server and the engine closing; the
//! next call rings again, and two never overlap.

use peercall_engine::call::{CallState, EndReason, Side};
use peercall_engine::EngineEvent;

use super::*;

/// Plays `events` through a fresh online shell; returns whether it rang after each one.
fn story(events: Vec<EngineEvent>) -> (Vec<bool>, Speaker) {
    let mut model = ShellModel::new(ServerMode::Local { hosting: None });
    let mut speaker = Speaker::default();
    speaker.apply(&translate(connected(), &mut model));
    let ringing = events
        .into_iter()
        .map(|event| {
            speaker.apply(&translate(event, &mut model));
            assert_eq!(speaker.ringing, model.is_ringing());
            speaker.ringing
        })
        .collect();
    (ringing, speaker)
}

fn rings_then(end: EngineEvent) -> Vec<EngineEvent> {
    vec![
        incoming(FIRST),
        call_state(FIRST, CallState::IncomingRinging),
        end,
    ]
}

#[test]
fn accepting_stops_the_ringtone_and_the_call_stays_quiet() {
    let (ringing, _) = story(vec![
        incoming(FIRST),
        call_state(FIRST, CallState::IncomingRinging),
        call_state(FIRST, CallState::Connecting),
        call_state(FIRST, CallState::Connected),
        stats(),
        ended(FIRST, EndReason::HungUp(Side::Local)),
    ]);
    assert_eq!(ringing, [true, true, false, false, false, false]);
}

#[test]
fn every_way_a_ringing_call_ends_stops_the_ringtone() {
    for reason in [
        EndReason::Declined(Side::Local),
        EndReason::Cancelled(Side::Remote),
        EndReason::Timeout,
        EndReason::PeerLeft,
        EndReason::SignalingLost,
        EndReason::SessionError("broken".into()),
    ] {
        let (ringing, _) = story(rings_then(ended(FIRST, reason.clone())));
        assert_eq!(ringing, [true, true, false], "ended by {reason:?}");
    }
}

#[test]
fn the_engine_closing_stops_the_ringtone() {
    let (ringing, _) = story(rings_then(closed()));
    assert_eq!(ringing, [true, true, false]);
}

#[test]
fn a_second_call_rings_once_and_stops_like_the_first() {
    let mut events = rings_then(ended(FIRST, EndReason::Declined(Side::Local)));
    events.extend(rings_then(ended(
        SECOND,
        EndReason::Cancelled(Side::Remote),
    )));
    // The second call's ids differ from the first's.
    events[3] = incoming(SECOND);
    events[4] = call_state(SECOND, CallState::IncomingRinging);
    let (ringing, speaker) = story(events);
    assert_eq!(ringing, [true, true, false, true, true, false]);
    assert_eq!(speaker.rings_started, 2);
}

#[test]
fn a_second_incoming_call_while_ringing_does_not_start_another_ringtone() {
    let (ringing, speaker) = story(vec![
        incoming(FIRST),
        incoming(SECOND),
        ended(FIRST, EndReason::Cancelled(Side::Remote)),
        ended(SECOND, EndReason::Cancelled(Side::Remote)),
    ]);
    // The ringtone follows the newest ringing call.
    assert_eq!(ringing, [true, true, true, false]);
    assert_eq!(speaker.rings_started, 1);
}

#[test]
fn an_outgoing_call_never_rings_here() {
    let (ringing, _) = story(vec![
        EngineEvent::CallState {
            call: peercall_engine::call::CallId(FIRST.into()),
            peer: peercall_engine::call::PeerId(ALICE.into()),
            direction: peercall_engine::call::Direction::Outgoing,
            state: CallState::OutgoingRinging,
        },
        ended(FIRST, EndReason::Declined(Side::Remote)),
    ]);
    assert_eq!(ringing, [false, false]);
}
