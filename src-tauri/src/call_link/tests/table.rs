//! Every engine event in every shell state: the effects, and the ringtone playing exactly
//! while the model says a call rings.

use peercall_engine::call::{CallId, CallState, EndReason, PeerId, Side};
use peercall_engine::engine::EngineErrorCode;
use peercall_engine::EngineEvent;
use peercall_signal::protocol::ErrorCode as ServerCode;

use super::*;

type Row = (&'static str, EngineEvent, [&'static str; 7]);

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let call = |state| call_state(FIRST, state);
    // Columns: new, online, hosting, remote, ringing, in call, replaced (see `shell_states`).
    vec![
        ("connected", connected(), [
            "peers:1 status:online", "peers:1 status:online", "peers:1 status:online+host",
            "peers:1 status:online", "peers:1 status:online", "peers:1 status:online",
            "peers:1 status:online"]),
        ("reconnecting", reconnecting(), [
            "status:reconnecting takeover", "status:reconnecting takeover",
            "status:reconnecting+host", "status:reconnecting", "status:reconnecting takeover",
            "status:reconnecting takeover", "status:reconnecting takeover"]),
        ("reconnected", EngineEvent::Reconnected, [
            "status:online", "status:online", "status:online+host", "status:online",
            "status:online", "status:online", "status:online"]),
        ("peer joined", EngineEvent::PeerJoined(info("bob-id", "Bob", false)), [
            "peers:1", "peers:3", "peers:3", "peers:3", "peers:3", "peers:3", "peers:3"]),
        ("peer updated", EngineEvent::PeerUpdated(info(ALICE, "Alice", true)), [
            "peers:1", "peers:2", "peers:2", "peers:2", "peers:2", "peers:2", "peers:2"]),
        ("peer left", EngineEvent::PeerLeft(PeerId(ALICE.into())), [
            "peers:0", "peers:1", "peers:1", "peers:1", "peers:1", "peers:1", "peers:1"]),
        ("incoming call", incoming(SECOND), [
            "incoming:Your contact ring notify:Your contact", "incoming:Alice ring notify:Alice",
            "incoming:Alice ring notify:Alice", "incoming:Alice ring notify:Alice",
            "incoming:Alice notify:Alice", "incoming:Alice ring notify:Alice",
            "incoming:Alice notify:Alice"]),
        ("ringing", call(CallState::IncomingRinging), [
            "call:incoming", "call:incoming", "call:incoming", "call:incoming", "call:incoming",
            "call:incoming", "call:incoming"]),
        ("accepted", call(CallState::Connecting), [
            "call:connecting", "call:connecting", "call:connecting", "call:connecting",
            "unring call:connecting", "call:connecting", "unring call:connecting"]),
        ("connected call", call(CallState::Connected), [
            "call:connected", "call:connected", "call:connected", "call:connected",
            "unring call:connected", "call:connected", "unring call:connected"]),
        ("reconnecting call", call(CallState::Reconnecting), [
            "call:reconnecting", "call:reconnecting", "call:reconnecting", "call:reconnecting",
            "unring call:reconnecting", "call:reconnecting", "unring call:reconnecting"]),
        ("rejected", ended(FIRST, EndReason::Declined(Side::Local)), [
            "call:ended:declined-local", "call:ended:declined-local",
            "call:ended:declined-local", "call:ended:declined-local",
            "unring call:ended:declined-local", "call:ended:declined-local",
            "unring call:ended:declined-local"]),
        ("caller cancelled", ended(FIRST, EndReason::Cancelled(Side::Remote)), [
            "call:ended:cancelled-remote", "call:ended:cancelled-remote",
            "call:ended:cancelled-remote", "call:ended:cancelled-remote",
            "unring call:ended:cancelled-remote", "call:ended:cancelled-remote",
            "unring call:ended:cancelled-remote"]),
        ("missed", ended(FIRST, EndReason::Timeout), [
            "call:ended:timeout", "call:ended:timeout", "call:ended:timeout",
            "call:ended:timeout", "unring call:ended:timeout", "call:ended:timeout",
            "unring call:ended:timeout"]),
        ("signaling lost", ended(FIRST, EndReason::SignalingLost), [
            "call:ended:signaling-lost", "call:ended:signaling-lost",
            "call:ended:signaling-lost", "call:ended:signaling-lost",
            "unring call:ended:signaling-lost", "call:ended:signaling-lost",
            "unring call:ended:signaling-lost"]),
        ("hung up", ended(FIRST, EndReason::HungUp(Side::Remote)), [
            "call:ended:hangup-remote", "call:ended:hangup-remote", "call:ended:hangup-remote",
            "call:ended:hangup-remote", "unring call:ended:hangup-remote",
            "call:ended:hangup-remote", "unring call:ended:hangup-remote"]),
        ("another call ended", ended(SECOND, EndReason::Busy), [
            "call:ended:busy", "call:ended:busy", "call:ended:busy", "call:ended:busy",
            "call:ended:busy", "call:ended:busy", "call:ended:busy"]),
        ("chat", EngineEvent::Chat { text: "hi".into() }, [
            "chat", "chat", "chat", "chat", "chat", "chat", "chat"]),
        ("remote media", EngineEvent::RemoteMedia { mic_muted: true, camera_on: false }, [
            "media", "media", "media", "media", "media", "media", "media"]),
        ("stats", stats(), [
            "stats", "stats", "stats", "stats", "stats", "stats", "stats"]),
        ("first remote frame", EngineEvent::FirstRemoteFrame, [
            "", "", "", "", "", "", ""]),
        // The ringing call re-paired keeps ringing (same call id).
        ("call repaired", EngineEvent::CallRepaired {
            call: CallId(FIRST.into()), peer: PeerId("alice-2".into()) }, [
            "", "", "", "", "", "", ""]),
        ("data channel flood", EngineEvent::DataChannelFlood { dropped: 100 }, [
            "", "", "", "", "", "", ""]),
        ("error", EngineEvent::Error { code: EngineErrorCode::Camera, message: "gone".into() }, [
            "notice:camera", "notice:camera", "notice:camera", "notice:camera", "notice:camera",
            "notice:camera", "notice:camera"]),
        ("peer gone from the server", EngineEvent::Error {
            code: EngineErrorCode::Server(ServerCode::UnknownPeer),
            message: "unknown-peer: no such peer in this room".into() }, [
            "", "", "", "", "", "", ""]),
        ("server gave up", EngineEvent::Error {
            code: EngineErrorCode::SignalingClosed, message: "Unauthorized".into() }, [
            "status:offline peers:0", "status:offline peers:0", "status:offline peers:0",
            "status:offline peers:0", "status:offline peers:0", "status:offline peers:0", ""]),
        ("closed", closed(), [
            "status:offline peers:0 finish", "status:offline peers:0 finish",
            "status:offline peers:0 finish", "status:offline peers:0 finish",
            "unring status:offline peers:0 finish", "status:offline peers:0 finish",
            "unring finish"]),
    ]
}

#[test]
fn every_engine_event_in_every_shell_state() {
    let states = shell_states();
    let mut failures = Vec::new();
    for (event_name, event, expected) in rows() {
        for ((state_name, start), want) in states.iter().zip(expected) {
            let mut model = start.clone();
            let mut speaker = Speaker {
                ringing: model.is_ringing(),
                ..Speaker::default()
            };
            let effects = translate(event.clone(), &mut model);
            speaker.apply(&effects);
            let got = summary(&effects);
            if got != want {
                failures.push(format!(
                    "{event_name} in {state_name}: {got:?}, want {want:?}"
                ));
            }
            assert_eq!(
                speaker.ringing,
                model.is_ringing(),
                "{event_name} in {state_name}: the ringtone disagrees with the model"
            );
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_states_are_what_the_table_says() {
    let ringing: Vec<_> = shell_states()
        .into_iter()
        .map(|(name, model)| (name, model.is_ringing()))
        .collect();
    assert_eq!(
        ringing,
        [
            ("new", false),
            ("online", false),
            ("hosting", false),
            ("remote", false),
            ("ringing", true),
            ("in call", false),
            ("replaced", true),
        ]
    );
}
