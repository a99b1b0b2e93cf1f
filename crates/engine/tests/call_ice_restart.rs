//! ICE restart in the call state machine: a dropped path or a changed local network
//! makes the caller offer fresh ICE credentials over signaling (`renegotiate`), the
//! callee answers, and the call goes `Reconnecting` → `Connected` instead of ending.
//!
//! Each scenario is a table of steps: an input, the state after it, and what it did in
//! short words (`restart`, `apply-offer`, `apply-answer`, `add-candidate`, `send:<kind>`).

mod common;

use std::time::{Duration, Instant};

use common::machine::{cand, config, fixture, signal, token, BOB, CALL, CAROL};
use peercall_engine::call::{Action, CallId, CallMachine, Input, SdpKind, Signal};

fn c() -> CallId {
    CallId::from(CALL)
}

fn renegotiate(from: &str, kind: SdpKind) -> Input {
    signal(
        from,
        Signal::Renegotiate {
            call: c(),
            sdp: format!("{kind:?}-sdp"),
            kind,
        },
    )
}

fn remote_candidate(n: u32) -> Input {
    signal(
        BOB,
        Signal::Candidate {
            call: c(),
            candidate: cand(n),
        },
    )
}

fn local_candidate(n: u32) -> Input {
    Input::LocalCandidate {
        call: c(),
        candidate: cand(n),
    }
}

/// What the actions did, in short words (state changes are checked separately).
fn did(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::RestartIce => Some("restart".to_owned()),
            Action::ApplyRestartOffer { .. } => Some("apply-offer".to_owned()),
            Action::ApplyAnswer { .. } => Some("apply-answer".to_owned()),
            Action::AddRemoteCandidate(_) => Some("add-candidate".to_owned()),
            Action::RemoteEndOfCandidates => Some("remote-end".to_owned()),
            Action::CloseSession => Some("close".to_owned()),
            Action::Send { signal, .. } => Some(format!("send:{}", signal.kind())),
            _ => None,
        })
        .collect()
}

/// Feeds each step at `t0` and checks the state token and the actions' words.
fn run(mut m: CallMachine, t0: Instant, steps: &[(Input, &str, &[&str])]) {
    for (i, (input, state, expected)) in steps.iter().enumerate() {
        let actions = m.handle(input.clone(), t0);
        assert_eq!(
            did(&actions),
            expected.to_vec(),
            "step {i} ({input:?}): actions {actions:?}"
        );
        assert_eq!(token(m.state()), *state, "step {i} ({input:?})");
    }
}

#[test]
fn caller_restarts_when_the_path_drops_and_comes_back() {
    let t0 = Instant::now();
    run(
        fixture("connected", t0),
        t0,
        &[
            (Input::PeerDisconnected { call: c() }, "re", &["restart"]),
            // New-generation candidates wait for the offer to go out ...
            (local_candidate(7), "re", &[]),
            // ... and the peer's for its answer.
            (remote_candidate(8), "re", &[]),
            (
                Input::LocalRestartOffer {
                    call: c(),
                    sdp: "restart-offer".into(),
                },
                "re",
                &["send:renegotiate", "send:candidate"],
            ),
            (local_candidate(9), "re", &["send:candidate"]),
            (
                renegotiate(BOB, SdpKind::Answer),
                "re",
                &["apply-answer", "add-candidate"],
            ),
            (remote_candidate(10), "re", &["add-candidate"]),
            (Input::PeerConnected { call: c() }, "ok", &[]),
        ],
    );
}

#[test]
fn caller_restarts_at_once_when_its_network_changes() {
    let t0 = Instant::now();
    run(
        fixture("connected", t0),
        t0,
        &[
            (Input::NetworkChanged, "re", &["restart"]),
            // Changed again before the answer: one restart at a time, another after it.
            (Input::NetworkChanged, "re", &[]),
            (Input::PeerDisconnected { call: c() }, "re", &[]),
            (
                Input::LocalRestartOffer {
                    call: c(),
                    sdp: "o1".into(),
                },
                "re",
                &["send:renegotiate"],
            ),
            (
                renegotiate(BOB, SdpKind::Answer),
                "re",
                &["apply-answer", "restart"],
            ),
            // The first answer is spent: a repeat of it is ignored.
            (renegotiate(BOB, SdpKind::Answer), "re", &[]),
            (
                Input::LocalRestartOffer {
                    call: c(),
                    sdp: "o2".into(),
                },
                "re",
                &["send:renegotiate"],
            ),
            (renegotiate(BOB, SdpKind::Answer), "re", &["apply-answer"]),
            (Input::PeerConnected { call: c() }, "ok", &[]),
        ],
    );
}

#[test]
fn callee_answers_the_restart_and_never_offers_one() {
    let t0 = Instant::now();
    let mut m = fixture("conn_in", t0);
    m.handle(Input::PeerConnected { call: c() }, t0);
    run(
        m,
        t0,
        &[
            // The callee leaves restarts to the caller, so they never offer at once: it
            // asks for one.
            (Input::NetworkChanged, "ok", &["send:restart-ice"]),
            (Input::PeerDisconnected { call: c() }, "re", &[]),
            (renegotiate(BOB, SdpKind::Offer), "re", &["apply-offer"]),
            // The caller's new candidates follow its offer straight to the session.
            (remote_candidate(3), "re", &["add-candidate"]),
            // Ours wait for the answer.
            (local_candidate(4), "re", &[]),
            (
                Input::LocalRestartAnswer {
                    call: c(),
                    sdp: "restart-answer".into(),
                },
                "re",
                &["send:renegotiate", "send:candidate"],
            ),
            (local_candidate(5), "re", &["send:candidate"]),
            (Input::PeerConnected { call: c() }, "ok", &[]),
            // A restart the callee had not noticed yet: it shows reconnecting as well.
            (renegotiate(BOB, SdpKind::Offer), "re", &["apply-offer"]),
            (
                Input::LocalRestartAnswer {
                    call: c(),
                    sdp: "again".into(),
                },
                "re",
                &["send:renegotiate"],
            ),
            (Input::PeerConnected { call: c() }, "ok", &[]),
        ],
    );
}

#[test]
fn caller_restarts_when_the_callee_asks() {
    let t0 = Instant::now();
    let ask = || signal(BOB, Signal::RestartIce { call: c() });
    run(
        fixture("connected", t0),
        t0,
        &[
            (ask(), "re", &["restart"]),
            // Asked again before the answer: once more after it.
            (ask(), "re", &[]),
            // Not from someone else.
            (signal(CAROL, Signal::RestartIce { call: c() }), "re", &[]),
        ],
    );
    // Nothing to restart before the call is established.
    for state in ["out", "conn_out"] {
        let mut m = fixture(state, t0);
        let actions = m.handle(ask(), t0);
        assert!(did(&actions).is_empty(), "{state}: {actions:?}");
    }
}

#[test]
fn stray_renegotiations_are_ignored() {
    let t0 = Instant::now();
    run(
        fixture("connected", t0),
        t0,
        &[
            // An answer with no offer of ours out.
            (renegotiate(BOB, SdpKind::Answer), "ok", &[]),
            // From someone else, or for another call.
            (renegotiate(CAROL, SdpKind::Offer), "ok", &[]),
            (
                signal(
                    BOB,
                    Signal::Renegotiate {
                        call: CallId::from("c9"),
                        sdp: "x".into(),
                        kind: SdpKind::Offer,
                    },
                ),
                "ok",
                &[],
            ),
            (Input::NetworkChanged, "re", &["restart"]),
            // The peer offering while our offer is out: ours stands.
            (renegotiate(BOB, SdpKind::Offer), "re", &[]),
            // A description for a call that is not current.
            (
                Input::LocalRestartOffer {
                    call: CallId::from("c9"),
                    sdp: "x".into(),
                },
                "re",
                &[],
            ),
        ],
    );
    // Before the call is established there is nothing to restart.
    for state in ["out", "conn_out", "in"] {
        let mut m = fixture(state, t0);
        let actions = m.handle(Input::NetworkChanged, t0);
        assert!(did(&actions).is_empty(), "{state}: {actions:?}");
        let actions = m.handle(renegotiate(BOB, SdpKind::Offer), t0);
        assert!(did(&actions).is_empty(), "{state}: {actions:?}");
    }
}

#[test]
fn a_restart_that_never_comes_back_ends_the_call_after_the_grace() {
    let t0 = Instant::now();
    let mut m = fixture("connected", t0);
    m.handle(Input::NetworkChanged, t0);
    assert_eq!(m.next_deadline(), Some(t0 + config().reconnect_grace));
    let early = m.handle(
        Input::Tick,
        t0 + config().reconnect_grace - Duration::from_millis(1),
    );
    assert!(did(&early).is_empty());
    let late = m.handle(Input::Tick, t0 + config().reconnect_grace);
    assert_eq!(did(&late), ["send:hangup", "close"]);
    assert_eq!(token(m.state()), "end/connection-lost");
}
