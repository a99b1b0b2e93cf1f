//! Our host candidates as `.local` names (issue 15), as browsers send theirs: two machines
//! on one Ethernet (two namespaces, a veth pair, no STUN or TURN). Both agents run with
//! `--mdns-candidates`: each one's host candidate leaves as `<uuid>.local`, never with its
//! address. Neither then knows an address of the other from signaling, so the call connects
//! only if a side resolved the other's name over mDNS and sent its checks there.

mod common;

use std::process::{Child, Stdio};
use std::time::Duration;

use common::labcall::{assert_worked, explain_with, finish, Outcome};
use common::lan::{two_machines, A_IP, B_IP};
use common::natlab::{signal_in, SIGNAL_PORT};
use common::netns::{prerequisites, Netns};

/// An agent in `ns` whose log lists every local candidate it sends (engine debug).
fn agent(ns: &Netns, name: &str, extra: &[&str]) -> Child {
    ns.command(common::agent_bin())
        .args([
            "--server",
            &format!("ws://{A_IP}:{SIGNAL_PORT}/ws"),
            "--name",
            name,
        ])
        .args(["--resolution", "320x240", "--report", "json"])
        .args(extra)
        .env("RUST_LOG", "warn,peercall_agent=info,peercall_engine=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peercall-agent")
}

/// The candidate lines `o` sent (the driver's `LocalCandidate` events in its log).
fn sent(o: &Outcome) -> Vec<String> {
    o.stderr
        .lines()
        .filter(|l| l.contains("session event LocalCandidate"))
        .filter_map(|l| l.split("candidate: \"").nth(1))
        .filter_map(|l| l.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn host_candidates_go_as_local_names_and_the_peer_resolves_them() {
    if !prerequisites(
        "host_candidates_go_as_local_names_and_the_peer_resolves_them",
        &["ip"],
    ) {
        return;
    }
    let (a, b) = two_machines();
    let mut server = signal_in(&a, "0.0.0.0", &[], &[]);
    let bob = agent(&b, "bob", &["--auto-answer", "--mdns-candidates"]);
    let alice = agent(
        &a,
        "alice",
        &[
            "--call",
            "bob",
            "--wait-peer",
            "20",
            "--duration",
            "3",
            "--mdns-candidates",
        ],
    );
    let alice = finish(alice, Duration::from_secs(60));
    let bob = finish(bob, Duration::from_secs(30));
    let _ = server.kill();
    let _ = server.wait();
    let why = explain_with(&alice, &bob, "");
    assert_worked(&alice, &bob, &why);

    for (name, o, own) in [("alice", &alice, A_IP), ("bob", &bob, B_IP)] {
        let lines = sent(o);
        assert!(!lines.is_empty(), "{name} sent no candidate{why}");
        for line in &lines {
            assert!(!line.contains(own), "{name}'s address left in {line}{why}");
            assert!(
                line.contains(".local "),
                "{name}: not a .local host candidate: {line}{why}"
            );
        }
        let net = &o.report["network"];
        assert_eq!(net["candidatesReceived"]["host"], 1, "{name}{why}");
        assert_eq!(net["path"]["local"], "host", "{name}{why}");
    }
    eprintln!(
        "FIGURE .local host candidates both ways: offer to connected {} ms, path alice {} bob {}",
        alice.report["setupMs"]["offerToConnected"],
        alice.report["network"]["path"],
        bob.report["network"]["path"],
    );
}
