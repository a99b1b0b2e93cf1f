//! Glare: both peers call each other at the same moment. Both sides must agree on one
//! call (the smaller call id), with no user asked and nobody left ringing.

mod common;

use common::pair::Pair;
use peercall_engine::call::{
    Action, CallId, CallState, Direction, Input, MediaKinds, PeerId, SessionRole,
};

fn call(pair: &mut Pair, from_a: bool, id: &str) {
    let peer = if from_a {
        pair.b.id.clone()
    } else {
        pair.a.id.clone()
    };
    pair.input(
        from_a,
        Input::Call {
            peer,
            call: CallId::from(id),
            media: MediaKinds::BOTH,
        },
    );
    pair.input(
        from_a,
        Input::LocalOffer {
            call: CallId::from(id),
            sdp: format!("sdp-{id}"),
        },
    );
}

fn opened_as_callee(log: &[Action], id: &str) -> bool {
    log.iter().any(|a| {
        matches!(a, Action::OpenSession { call, role: SessionRole::Callee { offer, .. }, .. }
            if call.0 == id && offer == &format!("sdp-{id}"))
    })
}

fn glare(a_id: &str, b_id: &str) {
    let mut pair = Pair::new("alice", "bob");
    call(&mut pair, true, a_id);
    call(&mut pair, false, b_id);
    // Both offers cross on the wire.
    pair.deliver_all();

    let winner = a_id.min(b_id);
    let a_wins = winner == a_id;
    // The loser's session produces its answer to the winning offer.
    pair.input(
        !a_wins,
        Input::LocalAnswer {
            call: CallId::from(winner),
            sdp: "answer".to_owned(),
        },
    );
    pair.deliver_all();
    for (side, caller) in [(&pair.a, a_wins), (&pair.b, !a_wins)] {
        assert_eq!(side.machine.state(), &CallState::Connecting, "{}", side.id);
        assert_eq!(side.machine.call_id(), Some(&CallId::from(winner)));
        let incoming = side
            .log
            .iter()
            .any(|a| matches!(a, Action::IncomingCall { .. }));
        assert!(!incoming, "{}: glare must not ring the user", side.id);
        if !caller {
            assert!(opened_as_callee(&side.log, winner), "{}", side.id);
        }
    }
    // The caller of the winning call got the answer and sees an outgoing call.
    let (caller, callee) = if a_wins {
        (&pair.a, &pair.b)
    } else {
        (&pair.b, &pair.a)
    };
    assert!(caller
        .log
        .iter()
        .any(|a| matches!(a, Action::ApplyAnswer { .. })));
    let last_dir = |log: &[Action]| {
        log.iter().rev().find_map(|a| match a {
            Action::StateChanged { direction, .. } => Some(*direction),
            _ => None,
        })
    };
    assert_eq!(last_dir(&caller.log), Some(Direction::Outgoing));
    assert_eq!(last_dir(&callee.log), Some(Direction::Incoming));

    // The call connects on both sides and nothing is left in flight.
    for to_a in [true, false] {
        pair.input(
            to_a,
            Input::PeerConnected {
                call: CallId::from(winner),
            },
        );
    }
    pair.deliver_all();
    assert_eq!(pair.a.machine.state(), &CallState::Connected);
    assert_eq!(pair.b.machine.state(), &CallState::Connected);
    assert_eq!(pair.a.machine.peer(), Some(&PeerId::from("bob")));
}

#[test]
fn glare_resolves_to_the_smaller_call_id_when_alice_has_it() {
    glare("0a7f", "9c21");
}

#[test]
fn glare_resolves_to_the_smaller_call_id_when_bob_has_it() {
    glare("f00d", "1234");
}

#[test]
fn glare_with_offers_delivered_one_after_the_other() {
    // Alice's offer reaches Bob before Bob's own offer is created: no glare at all,
    // Bob simply rings. Bob's later call intent is refused (he is busy ringing).
    let mut pair = Pair::new("alice", "bob");
    call(&mut pair, true, "b1");
    pair.deliver_all();
    assert_eq!(pair.b.machine.state(), &CallState::IncomingRinging);
    let actions = pair.input(
        false,
        Input::Call {
            peer: PeerId::from("alice"),
            call: CallId::from("a0"),
            media: MediaKinds::BOTH,
        },
    );
    assert!(matches!(actions.as_slice(), [Action::IntentIgnored { .. }]));
}
