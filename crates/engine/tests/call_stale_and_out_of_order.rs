//! Stale, duplicate and out-of-order messages never disturb a call.

mod common;

use common::machine::{cand, fixture, offer, sent_kinds, signal, BOB, CALL};
use common::pair::Pair;
use peercall_engine::call::{
    Action, CallId, CallState, EndReason, Input, MediaKinds, PeerId, RejectReason, Side, Signal,
};
use std::time::Instant;

#[test]
fn late_messages_of_an_ended_call_are_ignored() {
    let t0 = Instant::now();
    let mut m = fixture("ended", t0);
    let call = CallId::from(CALL);
    let late = [
        signal(
            BOB,
            Signal::Answer {
                call: call.clone(),
                sdp: "a".to_owned(),
            },
        ),
        signal(
            BOB,
            Signal::Candidate {
                call: call.clone(),
                candidate: cand(1),
            },
        ),
        signal(BOB, Signal::Hangup { call: call.clone() }),
        signal(
            BOB,
            Signal::Reject {
                call: call.clone(),
                reason: RejectReason::Busy,
            },
        ),
        offer(BOB, CALL),
        Input::PeerConnected { call: call.clone() },
        Input::PeerFailed { call: call.clone() },
        Input::LocalCandidate {
            call: call.clone(),
            candidate: cand(2),
        },
        Input::SessionError {
            call,
            message: "late".to_owned(),
        },
    ];
    for input in late {
        let actions = m.handle(input.clone(), t0);
        assert!(actions.is_empty(), "{input:?} -> {actions:?}");
    }
    assert_eq!(m.state(), &CallState::Ended(EndReason::HungUp(Side::Local)));
}

#[test]
fn candidates_before_the_answer_are_applied_after_it_in_order() {
    let t0 = Instant::now();
    let mut m = fixture("out", t0);
    let call = CallId::from(CALL);
    for n in 1..=2 {
        let got = m.handle(
            signal(
                BOB,
                Signal::Candidate {
                    call: call.clone(),
                    candidate: cand(n),
                },
            ),
            t0,
        );
        assert!(got.is_empty());
    }
    m.handle(
        signal(BOB, Signal::EndOfCandidates { call: call.clone() }),
        t0,
    );
    let got = m.handle(
        signal(
            BOB,
            Signal::Answer {
                call,
                sdp: "ans".to_owned(),
            },
        ),
        t0,
    );
    let session: Vec<_> = got
        .into_iter()
        .filter(|a| !matches!(a, Action::StateChanged { .. }))
        .collect();
    assert_eq!(
        session,
        vec![
            Action::ApplyAnswer {
                sdp: "ans".to_owned()
            },
            Action::AddRemoteCandidate(cand(1)),
            Action::AddRemoteCandidate(cand(2)),
            Action::RemoteEndOfCandidates,
        ]
    );
}

#[test]
fn local_candidates_before_the_offer_go_out_after_it() {
    let t0 = Instant::now();
    let mut m = fixture("out_pre", t0);
    let call = CallId::from(CALL);
    assert!(m
        .handle(
            Input::LocalCandidate {
                call: call.clone(),
                candidate: cand(1)
            },
            t0
        )
        .is_empty());
    assert!(m
        .handle(Input::LocalEndOfCandidates { call: call.clone() }, t0)
        .is_empty());
    let got = m.handle(
        Input::LocalOffer {
            call,
            sdp: "o".to_owned(),
        },
        t0,
    );
    assert_eq!(
        sent_kinds(&got),
        ["offer", "candidate", "end-of-candidates"]
    );
}

#[test]
fn duplicates_change_nothing() {
    let t0 = Instant::now();
    let mut m = fixture("connected", t0);
    let call = CallId::from(CALL);
    for input in [
        signal(
            BOB,
            Signal::Answer {
                call: call.clone(),
                sdp: "again".to_owned(),
            },
        ),
        offer(BOB, CALL),
        Input::PeerConnected { call: call.clone() },
        Input::LocalOffer {
            call,
            sdp: "again".to_owned(),
        },
    ] {
        let got = m.handle(input, t0);
        assert!(got.is_empty(), "{got:?}");
    }
    assert_eq!(m.state(), &CallState::Connected);
}

#[test]
fn cancel_crossing_the_answer_ends_both_sides() {
    let mut pair = Pair::new("alice", "bob");
    let call = CallId::from("x1");
    pair.input(
        true,
        Input::Call {
            peer: PeerId::from("bob"),
            call: call.clone(),
            media: MediaKinds::BOTH,
        },
    );
    pair.input(
        true,
        Input::LocalOffer {
            call: call.clone(),
            sdp: "o".to_owned(),
        },
    );
    pair.deliver_all();
    // Bob accepts and answers while Alice cancels: both messages are in flight at once.
    pair.input(false, Input::Accept);
    pair.input(
        false,
        Input::LocalAnswer {
            call: call.clone(),
            sdp: "a".to_owned(),
        },
    );
    pair.input(true, Input::Cancel);
    pair.deliver_all();
    assert_eq!(
        pair.a.machine.state(),
        &CallState::Ended(EndReason::Cancelled(Side::Local))
    );
    assert_eq!(
        pair.b.machine.state(),
        &CallState::Ended(EndReason::Cancelled(Side::Remote))
    );
    let a_closed = pair
        .a
        .log
        .iter()
        .filter(|a| matches!(a, Action::CloseSession))
        .count();
    let b_closed = pair
        .b
        .log
        .iter()
        .filter(|a| matches!(a, Action::CloseSession))
        .count();
    assert_eq!((a_closed, b_closed), (1, 1));
}

#[test]
fn a_full_call_then_a_second_call() {
    let mut pair = Pair::new("alice", "bob");
    for (n, id) in ["first", "second"].iter().enumerate() {
        let call = CallId::from(*id);
        pair.input(
            true,
            Input::Call {
                peer: PeerId::from("bob"),
                call: call.clone(),
                media: MediaKinds::BOTH,
            },
        );
        pair.input(
            true,
            Input::LocalOffer {
                call: call.clone(),
                sdp: "o".to_owned(),
            },
        );
        pair.deliver_all();
        assert_eq!(
            pair.b.machine.state(),
            &CallState::IncomingRinging,
            "call {n}"
        );
        pair.input(false, Input::Accept);
        pair.input(
            false,
            Input::LocalAnswer {
                call: call.clone(),
                sdp: "a".to_owned(),
            },
        );
        pair.input(
            false,
            Input::LocalCandidate {
                call: call.clone(),
                candidate: cand(1),
            },
        );
        pair.deliver_all();
        pair.input(true, Input::PeerConnected { call: call.clone() });
        pair.input(false, Input::PeerConnected { call: call.clone() });
        assert_eq!(pair.a.machine.state(), &CallState::Connected);
        pair.input(false, Input::Hangup);
        pair.deliver_all();
        assert_eq!(
            pair.a.machine.state(),
            &CallState::Ended(EndReason::HungUp(Side::Remote))
        );
        assert_eq!(
            pair.b.machine.state(),
            &CallState::Ended(EndReason::HungUp(Side::Local))
        );
    }
    let busy = |log: &[Action]| {
        log.iter()
            .filter(|a| matches!(a, Action::SetBusy(_)))
            .count()
    };
    assert_eq!(busy(&pair.a.log), 4, "busy on and off for each call");
    assert_eq!(busy(&pair.b.log), 4);
}
