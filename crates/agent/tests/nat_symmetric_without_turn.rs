//! NAT lab without a TURN relay: both agents behind symmetric NATs and the server hands
//! out only a STUN server. No path can work; the calls fail, and the reason is given
//! in words, not just "ICE failed".

mod common;
use common::labcall::{call, explain};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn symmetric_to_symmetric_without_turn_fails_with_the_reason() {
    if !prerequisites(
        "symmetric_to_symmetric_without_turn_fails_with_the_reason",
        PROGRAMS,
    ) {
        return;
    }
    let lab = NatLab::up_without_turn(Nat::Symmetric, Nat::Symmetric);
    let (a, b) = call(&lab, &[]);
    let why = explain(&lab, &a, &b);
    for o in [&a, &b] {
        assert!(!o.ok, "{why}");
        assert_eq!(o.report["result"], "failed", "{why}");
    }
    // The side whose ICE gives up first says why; its hang-up may end the other's call
    // before the other's own ICE gives up.
    let explained = [&a, &b].iter().any(|o| {
        let reason = o.report["reason"].as_str().unwrap_or_default();
        reason.starts_with("did not connect: no direct path")
            && reason.contains("no TURN relay is configured")
    });
    assert!(explained, "{why}");
}
