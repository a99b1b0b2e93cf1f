//! An established call survives losing its signaling identity and re-pairs by call id:
//! every new transition (a fresh id of ours, the peer's announced new id, `peer-left` of
//! the peer) in the states where it matters, as a table of the actions that come out.
//!
//! Action tokens: `announce <id>` (our new id over the data channel), `busy`, `repaired
//! <id>`, `restart` (make an ICE-restart offer), `<kind>><to>` (a signaling message),
//! `state <token>`.

mod common;

use std::time::{Duration, Instant};

use common::machine::{fixture, signal, token, BOB, CALL};
use peercall_engine::call::{Action, CallId, CallMachine, Input, PeerId, Signal};

fn c(id: &str) -> CallId {
    CallId::from(id)
}

fn renewed(id: &str) -> Input {
    Input::SignalingRenewed {
        id: PeerId::from(id),
    }
}

fn rejoined(call: &str, peer: &str) -> Input {
    Input::PeerRejoined {
        call: c(call),
        peer: PeerId::from(peer),
    }
}

/// Bob called us (we are the callee) and the call is connected (`"in_ok"`), or its path
/// dropped (`"in_re"`); the other names are the shared fixtures (we are the caller).
fn start(name: &str, t0: Instant) -> CallMachine {
    let callee = |extra: Vec<Input>| {
        let mut m = fixture("conn_in", t0);
        for i in [vec![Input::PeerConnected { call: c(CALL) }], extra].concat() {
            m.handle(i, t0);
        }
        m
    };
    match name {
        "in_ok" => callee(vec![]),
        "in_re" => callee(vec![Input::PeerDisconnected { call: c(CALL) }]),
        other => fixture(other, t0),
    }
}

fn tokens(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::AnnounceRejoin { id, .. } => Some(format!("announce {id}")),
            Action::SetBusy(true) => Some("busy".to_owned()),
            Action::PeerRepaired { peer, .. } => Some(format!("repaired {peer}")),
            Action::RestartIce => Some("restart".to_owned()),
            Action::Send { to, signal } => Some(format!("{}>{to}", signal.kind())),
            Action::StateChanged { state, .. } => Some(format!("state {}", token(state))),
            _ => None,
        })
        .collect()
}

/// What, the starting machine, the inputs; the actions of the last input, the state and
/// the call's peer after.
type Row = (
    &'static str,
    &'static str,
    Vec<Input>,
    Vec<&'static str>,
    &'static str,
    &'static str,
);

#[test]
fn repair_transitions() {
    let rows: Vec<Row> = vec![
        (
            "caller gets a fresh id: tells the peer, busy again",
            "connected",
            vec![renewed("alice-2")],
            vec!["announce alice-2", "busy"],
            "ok",
            BOB,
        ),
        (
            "callee gets a fresh id",
            "in_ok",
            vec![renewed("alice-2")],
            vec!["announce alice-2", "busy"],
            "ok",
            BOB,
        ),
        (
            "caller mid-restart gets a fresh id: the offer went with the old one, offer anew",
            "reconn",
            vec![renewed("alice-2")],
            vec!["announce alice-2", "busy", "restart"],
            "re",
            BOB,
        ),
        (
            "callee mid-restart gets a fresh id: asks again",
            "in_re",
            vec![renewed("alice-2")],
            vec!["announce alice-2", "busy", "restart-ice>bob"],
            "re",
            BOB,
        ),
        (
            "the peer announces its new id: re-paired",
            "connected",
            vec![rejoined(CALL, "bob-2")],
            vec!["repaired bob-2"],
            "ok",
            "bob-2",
        ),
        (
            "re-paired, a hang-up goes to the new id",
            "connected",
            vec![rejoined(CALL, "bob-2"), Input::Hangup],
            vec!["hangup>bob-2", "state end/hangup-local"],
            "end/hangup-local",
            "-",
        ),
        (
            "re-paired, the peer's restart request from its new id is honoured",
            "connected",
            vec![
                rejoined(CALL, "bob-2"),
                signal("bob-2", Signal::RestartIce { call: c(CALL) }),
            ],
            vec!["state re", "restart"],
            "re",
            "bob-2",
        ),
        (
            "re-paired, the old id is a stranger",
            "connected",
            vec![
                rejoined(CALL, "bob-2"),
                signal(BOB, Signal::Hangup { call: c(CALL) }),
            ],
            vec![],
            "ok",
            "bob-2",
        ),
        (
            "callee mid-restart, the caller announces: asks it to restart, at its new id",
            "in_re",
            vec![rejoined(CALL, "alice-2")],
            vec!["repaired alice-2", "restart-ice>alice-2"],
            "re",
            "alice-2",
        ),
        (
            "caller mid-restart, the callee announces: offers anew",
            "reconn",
            vec![rejoined(CALL, "bob-2")],
            vec!["repaired bob-2", "restart"],
            "re",
            "bob-2",
        ),
        (
            "an unanswered restart offer is forgotten with the old id: the next restart offers",
            "reconn",
            vec![
                Input::PeerConnected { call: c(CALL) },
                renewed("alice-2"),
                Input::NetworkChanged,
            ],
            vec!["state re", "restart"],
            "re",
            BOB,
        ),
        (
            "an announcement naming another call is ignored",
            "connected",
            vec![rejoined("c9", "bob-2")],
            vec![],
            "ok",
            BOB,
        ),
        (
            "the same id again is a duplicate",
            "connected",
            vec![rejoined(CALL, "bob-2"), rejoined(CALL, "bob-2")],
            vec![],
            "ok",
            "bob-2",
        ),
        (
            "a ringing call has no data channel: an announcement is ignored",
            "in",
            vec![rejoined(CALL, "bob-2")],
            vec![],
            "in",
            BOB,
        ),
        (
            "the peer left signaling: an established call goes on, and re-pairs later",
            "connected",
            vec![Input::PeerLeft(PeerId::from(BOB)), rejoined(CALL, "bob-2")],
            vec!["repaired bob-2"],
            "ok",
            "bob-2",
        ),
        (
            "a fresh id while connecting ends the call as before",
            "conn_out",
            vec![renewed("alice-2")],
            vec!["state end/signaling-lost"],
            "end/signaling-lost",
            "-",
        ),
        (
            "gone for good ends even an established call",
            "connected",
            vec![Input::SignalingLost],
            vec!["state end/signaling-lost"],
            "end/signaling-lost",
            "-",
        ),
    ];
    let t0 = Instant::now();
    for (what, from, inputs, want, state, peer) in rows {
        let mut m = start(from, t0);
        let mut last = Vec::new();
        for input in inputs {
            last = m.handle(input, t0 + Duration::from_millis(1));
        }
        assert_eq!(tokens(&last), want, "{what}: actions {last:?}");
        assert_eq!(token(m.state()), state, "{what}: state");
        let now = m.peer().map_or("-".to_owned(), |p| p.0.clone());
        assert_eq!(now, peer, "{what}: the call's peer");
    }
}

#[test]
fn an_established_call_survives_a_fresh_id_on_both_sides_in_either_order() {
    let t0 = Instant::now();
    for caller_first in [true, false] {
        let mut caller = start("connected", t0);
        let mut callee = start("in_ok", t0);
        // Each announcement crosses the data channel to the other machine.
        let renew = |me: &mut CallMachine, other: &mut CallMachine, id: &str| {
            for a in me.handle(renewed(id), t0) {
                if let Action::AnnounceRejoin { call, id } = a {
                    other.handle(Input::PeerRejoined { call, peer: id }, t0);
                }
            }
        };
        if caller_first {
            renew(&mut caller, &mut callee, "alice-2");
            renew(&mut callee, &mut caller, "bob-2");
        } else {
            renew(&mut callee, &mut caller, "bob-2");
            renew(&mut caller, &mut callee, "alice-2");
        }
        assert_eq!(caller.peer(), Some(&PeerId::from("bob-2")));
        assert_eq!(callee.peer(), Some(&PeerId::from("alice-2")));
        assert_eq!(token(caller.state()), "ok");
        assert_eq!(token(callee.state()), "ok");
    }
}
