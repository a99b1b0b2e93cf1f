//! NAT lab: an address change that leaves the call's path intact costs no ICE restart
//! (issue 15). Mid-call both hosts gain a second address on their LAN interface (as a
//! DHCP renewal, a second IPv6 address or a VPN adds one): the path's own address and
//! the default route stay, so neither side goes `reconnecting`, and video keeps flowing.
//! Before `path_check`, every settled change restarted ICE (a visible pause); the harmful
//! changes still restart (`nat_address_change`).

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::agent_log::{tee_stderr, wait_for_any, wait_for_line};
use common::labcall::{agent_in, assert_worked, explain, finish};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

const KEPT: &str = "network change: no ICE restart";
const RESTARTED: &str = "network change: ICE restart";

#[test]
fn a_second_address_mid_call_does_not_restart_ice() {
    if !prerequisites("a_second_address_mid_call_does_not_restart_ice", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Cone, Nat::Cone);
    let url = NatLab::server_url();
    let mut bob = agent_in(&lab.b, &url, "bob", &["--auto-answer"]);
    let mut alice = agent_in(&lab.a, &url, "alice", &["--call", "bob", "--duration", "8"]);
    let (a_tx, a_lines) = mpsc::channel();
    let (b_tx, b_lines) = mpsc::channel();
    let a_log = tee_stderr(&mut alice, a_tx);
    let b_log = tee_stderr(&mut bob, b_tx);
    let limit = Duration::from_secs(30);
    // Video flows and each side knows its path (from its first stats).
    let flowing = wait_for_line(&a_lines, "the call's selected path", limit)
        && wait_for_line(&b_lines, "the call's selected path", limit);
    let mut seen = Vec::new();
    if flowing {
        lab.a
            .sh(&["ip", "addr", "add", "10.0.1.20/24", "dev", "eth0"]);
        lab.b
            .sh(&["ip", "addr", "add", "10.0.2.20/24", "dev", "eth0"]);
        // Each side notices the change (the watcher samples every 200 ms) and judges it.
        for lines in [&a_lines, &b_lines] {
            seen.push(wait_for_any(lines, &[KEPT, RESTARTED], limit));
        }
    }
    let mut a = finish(alice, Duration::from_secs(60));
    let mut b = finish(bob, Duration::from_secs(30));
    a.stderr = a_log.join().unwrap_or_default();
    b.stderr = b_log.join().unwrap_or_default();
    eprintln!(
        "FIGURE a second address mid-call: longest video pause alice {} ms, bob {} ms; \
         reconnects alice {} bob {}; path {}",
        a.report["video"]["longestPauseMs"],
        b.report["video"]["longestPauseMs"],
        a.report["reconnects"]["count"],
        b.report["reconnects"]["count"],
        a.report["network"]["path"],
    );
    let why = explain(&lab, &a, &b);
    assert!(flowing, "video never flowed before the change{why}");
    for (name, line) in ["alice", "bob"].iter().zip(&seen) {
        let line = line
            .as_deref()
            .unwrap_or_else(|| panic!("{name} never judged the network change{why}"));
        assert!(line.contains(KEPT), "{name}: {line}{why}");
    }
    assert_worked(&a, &b, &why);
    for (name, o) in [("alice", &a), ("bob", &b)] {
        let reconnects = o.report["reconnects"]["count"].as_u64();
        assert_eq!(reconnects, Some(0), "{name} went reconnecting{why}");
    }
}
