//! NAT lab, privacy: the caller asks for relay-only. Both NATs are endpoint-independent,
//! so without the setting the call would go direct (`nat_cone_to_cone`); with it the
//! caller gathers and sends only its TURN relay candidate: the callee receives no host
//! or server-reflexive candidate (it never learns the caller's private or public
//! address), and media flows through the relay.

mod common;
use common::labcall::{assert_call_worked, call_between, explain, Outcome};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn relay_only_sends_no_address_but_the_relay() {
    if !prerequisites("relay_only_sends_no_address_but_the_relay", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Cone, Nat::Cone);
    let url = NatLab::server_url();
    let (a, b) = call_between(&lab.a, &lab.b, &url, &["--relay-only"], &[]);
    assert_call_worked(&lab, &a, &b);
    let why = explain(&lab, &a, &b);
    let received = |o: &Outcome, t: &str| o.report["network"]["candidatesReceived"][t].as_u64();
    // What left the caller, as the callee saw it.
    assert_eq!(received(&b, "host"), Some(0), "{why}");
    assert_eq!(received(&b, "srflx"), Some(0), "{why}");
    assert!(received(&b, "relay").unwrap_or(0) >= 1, "{why}");
    // The callee (no setting) did send its own addresses: the count can see them.
    assert!(received(&a, "host").unwrap_or(0) >= 1, "{why}");
    assert_eq!(a.report["network"]["path"]["local"], "relay", "{why}");
    assert_eq!(b.report["network"]["path"]["remote"], "relay", "{why}");
}
