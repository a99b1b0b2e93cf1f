//! Consent: before its user accepts, the callee opens nothing and sends nothing for
//! the call but `reject`; the caller's candidates are buffered and handed over on accept.

mod common;

use common::machine::{cand, offer, sent_kinds, signal, BOB, CALL};
use common::pair::Pair;
use peercall_engine::call::{
    Action, CallConfig, CallId, CallMachine, CallState, Input, MediaKinds, PeerId, RejectReason,
    SessionRole, Signal,
};
use std::time::{Duration, Instant};

fn opens_or_sends(actions: &[Action]) -> bool {
    actions.iter().any(|a| {
        matches!(
            a,
            Action::OpenSession { .. }
                | Action::ApplyLocalMedia { .. }
                | Action::SetBusy(_)
                | Action::AddRemoteCandidate(_)
        ) || matches!(a, Action::Send { signal, .. } if signal.kind() != "reject")
    })
}

#[test]
fn ringing_callee_opens_and_sends_nothing_and_buffers_candidates() {
    let t0 = Instant::now();
    let mut m = CallMachine::new(CallConfig::default());
    let call = CallId::from(CALL);
    let mut all = Vec::new();
    all.extend(m.handle(offer(BOB, CALL), t0));
    for n in 1..=3 {
        let c = Signal::Candidate {
            call: call.clone(),
            candidate: cand(n),
        };
        all.extend(m.handle(signal(BOB, c), t0));
    }
    all.extend(m.handle(
        signal(BOB, Signal::EndOfCandidates { call: call.clone() }),
        t0,
    ));
    // Session events cannot exist yet, but even if they came they must not leak out.
    all.extend(m.handle(
        Input::LocalCandidate {
            call: call.clone(),
            candidate: cand(9),
        },
        t0,
    ));
    all.extend(m.handle(
        Input::LocalAnswer {
            call: call.clone(),
            sdp: "x".to_owned(),
        },
        t0,
    ));
    all.extend(m.handle(Input::SetMicMuted(true), t0));
    all.extend(m.handle(Input::SetCameraOn(false), t0));
    all.extend(m.handle(Input::Tick, t0 + Duration::from_secs(29)));
    assert_eq!(m.state(), &CallState::IncomingRinging);
    assert!(!opens_or_sends(&all), "consent violated: {all:?}");
    assert!(matches!(all.first(), Some(Action::IncomingCall { .. })));

    // Accept: the session opens with the offer and the three candidates, in order.
    let accepted = m.handle(Input::Accept, t0 + Duration::from_secs(29));
    let role = accepted.iter().find_map(|a| match a {
        Action::OpenSession { role, .. } => Some(role.clone()),
        _ => None,
    });
    assert_eq!(
        role,
        Some(SessionRole::Callee {
            offer: format!("offer-sdp-{CALL}"),
            candidates: vec![cand(1), cand(2), cand(3)],
            end_of_candidates: true,
        })
    );
    // The user sees Connecting before the session (and so the devices) opens.
    let position = |want: fn(&Action) -> bool| accepted.iter().position(want);
    assert!(
        position(|a| matches!(
            a,
            Action::StateChanged {
                state: CallState::Connecting,
                ..
            }
        )) < position(|a| matches!(a, Action::OpenSession { .. })),
        "Connecting is announced after the devices open: {accepted:?}"
    );
    // Local media prefs chosen while ringing apply once the session opens.
    assert!(accepted.contains(&Action::ApplyLocalMedia {
        mic_muted: true,
        camera_on: false
    }));
    assert!(
        sent_kinds(&accepted).is_empty(),
        "the answer waits for the session"
    );

    // Local candidates gathered before the answer is ready wait for it.
    let early = m.handle(
        Input::LocalCandidate {
            call: call.clone(),
            candidate: cand(7),
        },
        t0,
    );
    assert!(sent_kinds(&early).is_empty());
    let answered = m.handle(
        Input::LocalAnswer {
            call: call.clone(),
            sdp: "ans".to_owned(),
        },
        t0,
    );
    assert_eq!(sent_kinds(&answered), ["answer", "candidate"]);
    // Remote candidates now go straight to the session.
    let later = m.handle(
        signal(
            BOB,
            Signal::Candidate {
                call,
                candidate: cand(4),
            },
        ),
        t0,
    );
    assert_eq!(later, vec![Action::AddRemoteCandidate(cand(4))]);
}

#[test]
fn ringing_callee_that_rejects_sends_only_reject() {
    for reason in [RejectReason::Declined, RejectReason::Busy] {
        let mut m = CallMachine::new(CallConfig::default());
        let t0 = Instant::now();
        let mut all = m.handle(offer(BOB, CALL), t0);
        all.extend(m.handle(Input::Reject(reason), t0));
        assert!(!opens_or_sends(&all), "{all:?}");
        let sends: Vec<_> = all
            .iter()
            .filter_map(|a| match a {
                Action::Send { to, signal } => Some((to.clone(), signal.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            sends,
            vec![(
                PeerId::from(BOB),
                Signal::Reject {
                    call: CallId::from(CALL),
                    reason
                }
            )]
        );
    }
}

#[test]
fn busy_callee_answers_busy_without_asking_its_user() {
    let mut pair = Pair::new("alice", "bob");
    // Bob is already in a call with carol (ringing out).
    pair.input(
        false,
        Input::Call {
            peer: PeerId::from("carol"),
            call: CallId::from("k1"),
            media: MediaKinds::BOTH,
        },
    );
    let t = pair.take_wire();
    assert!(t.is_empty());
    // Alice calls Bob.
    pair.input(
        true,
        Input::Call {
            peer: PeerId::from(BOB),
            call: CallId::from("a1"),
            media: MediaKinds::BOTH,
        },
    );
    pair.input(
        true,
        Input::LocalOffer {
            call: CallId::from("a1"),
            sdp: "o".to_owned(),
        },
    );
    pair.deliver_all();
    assert!(!pair
        .b
        .log
        .iter()
        .any(|a| matches!(a, Action::IncomingCall { .. })));
    assert_eq!(
        pair.a.machine.state(),
        &CallState::Ended(peercall_engine::call::EndReason::Busy)
    );
    assert_eq!(pair.b.machine.state(), &CallState::OutgoingRinging);
}
