//! Helpers for driving the pure call state machine in tests.

use std::time::{Duration, Instant};

use peercall_engine::call::{
    Action, CallConfig, CallId, CallMachine, CallState, IceCandidate, Input, MediaKinds, PeerId,
    Signal,
};

pub const BOB: &str = "bob";
pub const CAROL: &str = "carol";
pub const CALL: &str = "c5";

pub fn config() -> CallConfig {
    CallConfig {
        ring_timeout: Duration::from_secs(30),
        caller_grace: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(20),
        reconnect_grace: Duration::from_secs(5),
    }
}

pub fn cand(n: u32) -> IceCandidate {
    IceCandidate {
        candidate: format!(
            "candidate:{n} 1 udp 2130706431 127.0.0.1 {} typ host",
            50000 + n
        ),
        sdp_mid: Some("0".to_owned()),
        sdp_mline_index: Some(0),
    }
}

pub fn signal(from: &str, signal: Signal) -> Input {
    Input::Signal {
        from: PeerId::from(from),
        signal,
    }
}

pub fn offer(from: &str, call: &str) -> Input {
    signal(
        from,
        Signal::Offer {
            call: CallId::from(call),
            sdp: format!("offer-sdp-{call}"),
            media: MediaKinds::BOTH,
        },
    )
}

/// A short token for a state, used by the tables: idle, out, in, conn, ok, re, end/<code>.
pub fn token(state: &CallState) -> String {
    match state {
        CallState::Idle => "idle".to_owned(),
        CallState::OutgoingRinging => "out".to_owned(),
        CallState::IncomingRinging => "in".to_owned(),
        CallState::Connecting => "conn".to_owned(),
        CallState::Connected => "ok".to_owned(),
        CallState::Reconnecting => "re".to_owned(),
        CallState::Ended(reason) => format!("end/{}", reason.code()),
    }
}

/// The `data.kind` of every `Send` action, in order.
pub fn sent_kinds(actions: &[Action]) -> Vec<&'static str> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { signal, .. } => Some(signal.kind()),
            _ => None,
        })
        .collect()
}

/// The named starting states of the exhaustive table, each built by real inputs.
pub const FIXTURES: [&str; 9] = [
    "idle",
    "out_pre",
    "out",
    "in",
    "conn_out",
    "conn_in",
    "connected",
    "reconn",
    "ended",
];

/// Builds a machine in the named fixture state at time `t0`.
pub fn fixture(name: &str, t0: Instant) -> CallMachine {
    let mut m = CallMachine::new(config());
    let call = || CallId::from(CALL);
    let feed = |m: &mut CallMachine, inputs: Vec<Input>| {
        for i in inputs {
            m.handle(i, t0);
        }
    };
    let place = vec![Input::Call {
        peer: PeerId::from(BOB),
        call: call(),
        media: MediaKinds::BOTH,
    }];
    let offered = vec![Input::LocalOffer {
        call: call(),
        sdp: "offer-sdp".to_owned(),
    }];
    let answered = vec![signal(
        BOB,
        Signal::Answer {
            call: call(),
            sdp: "answer-sdp".to_owned(),
        },
    )];
    let connected = vec![Input::PeerConnected { call: call() }];
    match name {
        "idle" => {}
        "out_pre" => feed(&mut m, place),
        "out" => feed(&mut m, [place, offered].concat()),
        "in" => feed(&mut m, vec![offer(BOB, CALL)]),
        "conn_out" => feed(&mut m, [place, offered, answered].concat()),
        "conn_in" => feed(
            &mut m,
            vec![
                offer(BOB, CALL),
                Input::Accept,
                Input::LocalAnswer {
                    call: call(),
                    sdp: "answer-sdp".to_owned(),
                },
            ],
        ),
        "connected" => feed(&mut m, [place, offered, answered, connected].concat()),
        "reconn" => feed(
            &mut m,
            [
                place,
                offered,
                answered,
                connected,
                vec![Input::PeerDisconnected { call: call() }],
            ]
            .concat(),
        ),
        "ended" => feed(
            &mut m,
            [place, offered, answered, connected, vec![Input::Hangup]].concat(),
        ),
        other => panic!("unknown fixture {other}"),
    }
    m
}
