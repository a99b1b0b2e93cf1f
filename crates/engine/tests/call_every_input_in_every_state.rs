//! Exhaustive table: every input of the call state machine in every state.
//!
//! Each row is one input; each column one starting state (see `FIXTURES`). A cell is
//! the expected resulting state token, optionally followed by `:` and the kinds of the
//! signaling messages sent, in order. `=` means "state unchanged, nothing sent".

mod common;

use std::time::{Duration, Instant};

use common::machine::{
    cand, fixture, offer, sent_kinds, signal, token, BOB, CALL, CAROL, FIXTURES,
};
use peercall_engine::call::{
    Action, CallId, IceCandidate, Input, MediaKinds, PeerId, RejectReason, Signal,
};

fn c(id: &str) -> CallId {
    CallId::from(id)
}

fn rows() -> Vec<(&'static str, Input, [&'static str; 9])> {
    let end = |s: &'static str| s;
    vec![
        // ---- user intents ----
        (
            "call carol",
            Input::Call {
                peer: PeerId::from(CAROL),
                call: c("c9"),
                media: MediaKinds::BOTH,
            },
            ["out", "=", "=", "=", "=", "=", "=", "=", "out"],
        ),
        (
            "accept",
            Input::Accept,
            ["=", "=", "=", "conn", "=", "=", "=", "=", "="],
        ),
        (
            "reject",
            Input::Reject(RejectReason::Declined),
            [
                "=",
                "=",
                "=",
                "end/declined-local:reject",
                "=",
                "=",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "cancel",
            Input::Cancel,
            [
                "=",
                "end/cancelled-local",
                "end/cancelled-local:cancel",
                "=",
                "=",
                "=",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "hangup",
            Input::Hangup,
            [
                "=",
                "end/cancelled-local",
                "end/cancelled-local:cancel",
                "end/declined-local:reject",
                "end/hangup-local:hangup",
                "end/hangup-local:hangup",
                "end/hangup-local:hangup",
                "end/hangup-local:hangup",
                "=",
            ],
        ),
        ("mute", Input::SetMicMuted(true), ["="; 9]),
        ("camera off", Input::SetCameraOn(false), ["="; 9]),
        // ---- signaling ----
        (
            "offer from a third peer",
            offer(CAROL, "c7"),
            [
                "in", "=:reject", "=:reject", "=:reject", "=:reject", "=:reject", "=:reject",
                "=:reject", "in",
            ],
        ),
        (
            "duplicate offer (same call id)",
            offer(BOB, CALL),
            ["in", "=", "=", "=", "=", "=", "=", "=", "="],
        ),
        (
            "glare, their call id smaller",
            offer(BOB, "c3"),
            [
                "in",
                "conn",
                "conn:cancel",
                "=:reject",
                "=:reject",
                "=:reject",
                "=:reject",
                "=:reject",
                "in",
            ],
        ),
        (
            "glare, their call id larger",
            offer(BOB, "c7"),
            [
                "in", "=", "=", "=:reject", "=:reject", "=:reject", "=:reject", "=:reject", "in",
            ],
        ),
        (
            "answer",
            signal(
                BOB,
                Signal::Answer {
                    call: c(CALL),
                    sdp: "a".to_owned(),
                },
            ),
            ["=", "=", "conn", "=", "=", "=", "=", "=", "="],
        ),
        (
            "reject declined",
            signal(
                BOB,
                Signal::Reject {
                    call: c(CALL),
                    reason: RejectReason::Declined,
                },
            ),
            [
                "=",
                "end/rejected",
                "end/rejected",
                "=",
                "=",
                "=",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "reject busy",
            signal(
                BOB,
                Signal::Reject {
                    call: c(CALL),
                    reason: RejectReason::Busy,
                },
            ),
            ["=", "end/busy", "end/busy", "=", "=", "=", "=", "=", "="],
        ),
        (
            "reject timeout",
            signal(
                BOB,
                Signal::Reject {
                    call: c(CALL),
                    reason: RejectReason::Timeout,
                },
            ),
            [
                "=",
                "end/timeout",
                "end/timeout",
                "=",
                "=",
                "=",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "cancel",
            signal(BOB, Signal::Cancel { call: c(CALL) }),
            [
                "=",
                "=",
                "=",
                "end/cancelled-remote",
                "=",
                "end/cancelled-remote",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "candidate",
            signal(
                BOB,
                Signal::Candidate {
                    call: c(CALL),
                    candidate: cand(1),
                },
            ),
            ["="; 9],
        ),
        (
            "end-of-candidates",
            signal(BOB, Signal::EndOfCandidates { call: c(CALL) }),
            ["="; 9],
        ),
        (
            "hangup",
            signal(BOB, Signal::Hangup { call: c(CALL) }),
            [
                "=",
                "end/hangup-remote",
                "end/hangup-remote",
                "end/cancelled-remote",
                "end/hangup-remote",
                "end/hangup-remote",
                "end/hangup-remote",
                "end/hangup-remote",
                "=",
            ],
        ),
        (
            "hangup for another call id",
            signal(BOB, Signal::Hangup { call: c("c9") }),
            ["="; 9],
        ),
        (
            "hangup from another sender",
            signal(CAROL, Signal::Hangup { call: c(CALL) }),
            ["="; 9],
        ),
        (
            // An established call goes on: its media decides (call_repair.rs).
            "peer-left (our peer)",
            Input::PeerLeft(PeerId::from(BOB)),
            [
                "=",
                end("end/peer-left"),
                "end/peer-left",
                "end/peer-left",
                "end/peer-left",
                "end/peer-left",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "peer-left (someone else)",
            Input::PeerLeft(PeerId::from(CAROL)),
            ["="; 9],
        ),
        (
            "signaling lost",
            Input::SignalingLost,
            [
                "=",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "=",
            ],
        ),
        (
            // An established call goes on and re-pairs (call_repair.rs).
            "signaling renewed (fresh id)",
            Input::SignalingRenewed {
                id: PeerId::from("alice-2"),
            },
            [
                "=",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "end/signaling-lost",
                "=",
                "=",
                "=",
            ],
        ),
        (
            "peer rejoined (our call)",
            Input::PeerRejoined {
                call: c(CALL),
                peer: PeerId::from("bob-2"),
            },
            ["="; 9],
        ),
        // ---- session events ----
        (
            "local offer",
            Input::LocalOffer {
                call: c(CALL),
                sdp: "o".to_owned(),
            },
            ["=", "=:offer", "=", "=", "=", "=", "=", "=", "="],
        ),
        (
            "local answer",
            Input::LocalAnswer {
                call: c(CALL),
                sdp: "a".to_owned(),
            },
            ["="; 9],
        ),
        (
            "local candidate",
            Input::LocalCandidate {
                call: c(CALL),
                candidate: cand(2),
            },
            [
                "=",
                "=",
                "=:candidate",
                "=",
                "=:candidate",
                "=:candidate",
                "=:candidate",
                "=", // held until the ICE-restart offer goes out
                "=",
            ],
        ),
        (
            "local end-of-candidates",
            Input::LocalEndOfCandidates { call: c(CALL) },
            [
                "=",
                "=",
                "=:end-of-candidates",
                "=",
                "=:end-of-candidates",
                "=:end-of-candidates",
                "=:end-of-candidates",
                "=", // held until the ICE-restart offer goes out
                "=",
            ],
        ),
        (
            "peer connected",
            Input::PeerConnected { call: c(CALL) },
            ["=", "=", "=", "=", "ok", "ok", "=", "ok", "="],
        ),
        (
            "peer disconnected",
            Input::PeerDisconnected { call: c(CALL) },
            ["=", "=", "=", "=", "=", "=", "re", "=", "="],
        ),
        (
            "peer failed",
            Input::PeerFailed { call: c(CALL) },
            [
                "=",
                "=",
                "=",
                "=",
                "end/connection-failed:hangup",
                "end/connection-failed:hangup",
                "end/connection-lost:hangup",
                "end/connection-lost:hangup",
                "=",
            ],
        ),
        (
            "session error",
            Input::SessionError {
                call: c(CALL),
                message: "boom".to_owned(),
            },
            [
                "=",
                "end/session-error",
                "end/session-error:cancel",
                "=",
                "end/session-error:hangup",
                "end/session-error:hangup",
                "end/session-error:hangup",
                "end/session-error:hangup",
                "=",
            ],
        ),
        (
            "stale session event",
            Input::PeerConnected { call: c("c9") },
            ["="; 9],
        ),
        (
            "stale session failure",
            Input::PeerFailed { call: c("c9") },
            ["="; 9],
        ),
        (
            "stale local candidate",
            Input::LocalCandidate {
                call: c("c9"),
                candidate: IceCandidate {
                    candidate: "x".to_owned(),
                    sdp_mid: None,
                    sdp_mline_index: None,
                },
            },
            ["="; 9],
        ),
    ]
}

fn check(row: &str, col: &str, expected: &str, before: &str, actions: &[Action], after: &str) {
    let (state, sends) = match expected.split_once(':') {
        Some((s, k)) => (s, k.split(',').collect::<Vec<_>>()),
        None => (expected, Vec::new()),
    };
    let state = if state == "=" { before } else { state };
    assert_eq!(
        after, state,
        "row `{row}`, column `{col}`: state; actions {actions:?}"
    );
    assert_eq!(
        sent_kinds(actions),
        sends,
        "row `{row}`, column `{col}`: sent messages; actions {actions:?}"
    );
}

#[test]
fn every_input_in_every_state() {
    let t0 = Instant::now();
    let mut cells = 0;
    for (name, input, expected) in rows() {
        for (col, want) in FIXTURES.iter().zip(expected) {
            let mut m = fixture(col, t0);
            let before = token(m.state());
            let actions = m.handle(input.clone(), t0 + Duration::from_millis(1));
            check(name, col, want, &before, &actions, &token(m.state()));
            cells += 1;
        }
    }
    assert!(cells >= 30 * 9);
}

#[test]
fn timers_fire_only_when_due() {
    let t0 = Instant::now();
    let early = ["="; 9];
    let late = [
        "=",
        "end/timeout",
        "end/timeout:cancel",
        "end/timeout:reject",
        "end/connection-failed:hangup",
        "end/connection-failed:hangup",
        "=",
        "end/connection-lost:hangup",
        "=",
    ];
    for (col, (want_early, want_late)) in FIXTURES.iter().zip(early.iter().zip(late)) {
        let mut m = fixture(col, t0);
        let before = token(m.state());
        let actions = m.handle(Input::Tick, t0 + Duration::from_secs(1));
        check(
            "tick early",
            col,
            want_early,
            &before,
            &actions,
            &token(m.state()),
        );
        let actions = m.handle(Input::Tick, t0 + Duration::from_secs(3600));
        check(
            "tick late",
            col,
            want_late,
            &before,
            &actions,
            &token(m.state()),
        );
    }
}

#[test]
fn deadlines_follow_the_configured_timeouts() {
    let t0 = Instant::now();
    let cfg = common::machine::config();
    let deadline = |name: &str| fixture(name, t0).next_deadline();
    assert_eq!(deadline("idle"), None);
    assert_eq!(
        deadline("out"),
        Some(t0 + cfg.ring_timeout + cfg.caller_grace)
    );
    assert_eq!(deadline("in"), Some(t0 + cfg.ring_timeout));
    assert_eq!(deadline("conn_out"), Some(t0 + cfg.connect_timeout));
    assert_eq!(deadline("connected"), None);
    assert_eq!(deadline("reconn"), Some(t0 + cfg.reconnect_grace));
    assert_eq!(deadline("ended"), None);
    // The callee's ring timeout fires exactly at the deadline, not a moment before.
    let mut m = fixture("in", t0);
    let just_before = t0 + cfg.ring_timeout - Duration::from_millis(1);
    assert!(sent_kinds(&m.handle(Input::Tick, just_before)).is_empty());
    assert_eq!(
        sent_kinds(&m.handle(Input::Tick, t0 + cfg.ring_timeout)),
        ["reject"]
    );
}

#[test]
fn intents_that_make_no_sense_are_reported() {
    let t0 = Instant::now();
    let mut m = fixture("idle", t0);
    for input in [
        Input::Accept,
        Input::Cancel,
        Input::Hangup,
        Input::Reject(RejectReason::Declined),
    ] {
        let actions = m.handle(input, t0);
        assert!(
            matches!(actions.as_slice(), [Action::IntentIgnored { .. }]),
            "{actions:?}"
        );
    }
}
