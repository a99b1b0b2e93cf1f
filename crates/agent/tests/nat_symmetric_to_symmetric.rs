//! NAT lab: both agents behind symmetric NATs (`--random-fully`). No direct path can
//! exist, so the call must go through the lab's real coturn, with credentials minted by
//! the real signaling server; the report names the relay as the path.

mod common;
use common::labcall::{assert_call_worked, assert_relayed, call};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn symmetric_to_symmetric_goes_through_turn() {
    if !prerequisites("symmetric_to_symmetric_goes_through_turn", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Symmetric, Nat::Symmetric);
    let (a, b) = call(&lab, &[]);
    assert_call_worked(&lab, &a, &b);
    assert_relayed(&lab, &a, &b);
}
