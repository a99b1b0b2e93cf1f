//! NAT lab: the caller behind a symmetric NAT, the callee behind an endpoint-independent
//! one with address-and-port-dependent filtering. Hole punching cannot work (the
//! symmetric side's mapping toward the callee is not the one its STUN server saw), so the
//! call connects through TURN.

mod common;
use common::labcall::{assert_call_worked, assert_relayed, call};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn symmetric_to_cone_connects_through_turn() {
    if !prerequisites("symmetric_to_cone_connects_through_turn", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Symmetric, Nat::Cone);
    let (a, b) = call(&lab, &[]);
    assert_call_worked(&lab, &a, &b);
    assert_relayed(&lab, &a, &b);
}
