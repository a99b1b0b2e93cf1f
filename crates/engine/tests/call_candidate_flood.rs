//! A caller that floods candidates while its call rings cannot make the callee hold more
//! than [`MAX_HELD_CANDIDATES`] of them: the rest are dropped, and accepting hands the
//! session the first ones, in order.

mod common;

use std::time::Instant;

use common::machine::{cand, config, offer, signal, BOB, CALL};
use peercall_engine::call::{
    Action, CallId, CallMachine, Input, SessionRole, Signal, MAX_HELD_CANDIDATES,
};

#[test]
fn a_candidate_flood_while_ringing_is_capped() {
    let mut m = CallMachine::new(config());
    let now = Instant::now();
    m.handle(offer(BOB, CALL), now);
    for n in 0..10_000 {
        let c = Signal::Candidate {
            call: CallId::from(CALL),
            candidate: cand(n),
        };
        m.handle(signal(BOB, c), now);
    }
    let held = m
        .handle(Input::Accept, now)
        .into_iter()
        .find_map(|a| match a {
            Action::OpenSession {
                role: SessionRole::Callee { candidates, .. },
                ..
            } => Some(candidates),
            _ => None,
        })
        .expect("accept opens the session");
    assert_eq!(held.len(), MAX_HELD_CANDIDATES);
    assert_eq!(held[0], cand(0));
    assert_eq!(
        held[MAX_HELD_CANDIDATES - 1],
        cand(MAX_HELD_CANDIDATES as u32 - 1)
    );
}
