//! NAT lab: both agents behind endpoint-independent NATs (plain MASQUERADE). Hole
//! punching works, so the call goes direct between the public mappings — never
//! through the lab's TURN server — and the report says so.

mod common;
use common::labcall::{assert_call_worked, call, explain, path};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn cone_to_cone_connects_directly() {
    if !prerequisites("cone_to_cone_connects_directly", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Cone, Nat::Cone);
    let (a, b) = call(&lab, &[]);
    assert_call_worked(&lab, &a, &b);
    for o in [&a, &b] {
        let (local, remote) = path(o);
        let direct = ["host", "srflx", "prflx"];
        assert!(
            direct.contains(&local.as_str()) && direct.contains(&remote.as_str()),
            "path {local} -> {remote} is not direct{}",
            explain(&lab, &a, &b)
        );
    }
}
