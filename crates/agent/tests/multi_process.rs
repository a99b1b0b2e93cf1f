//! Multi-process: the `peercall-signal` binary and two `peercall-agent` processes on
//! loopback; the agents' JSON reports and exit codes are checked.

use std::time::Duration;

mod common;
use common::process::{agent, connected_call, finish};
use common::start_server;

#[test]
fn two_agents_call_and_report() {
    let server = start_server();
    let bob = agent(&server.url, "bob", &["--auto-answer"]);
    let alice = agent(&server.url, "alice", &["--call", "bob", "--duration", "4"]);
    let (alice_ok, a, _) = finish(alice, Duration::from_secs(60));
    let (bob_ok, b, _) = finish(bob, Duration::from_secs(30));
    assert!(alice_ok && bob_ok, "exit codes: alice {a}, bob {b}");
    for (name, r, peer) in [("alice", &a, &b), ("bob", &b, &a)] {
        assert_eq!(r["result"], "ok", "{name}: {r}");
        assert!(
            r["setupMs"]["offerToConnected"].as_f64().is_some(),
            "{name}: {r}"
        );
        assert!(
            r["setupMs"]["offerToFirstFrame"].as_f64().is_some(),
            "{name}: {r}"
        );
        let received = r["video"]["framesReceived"].as_u64().unwrap_or(0);
        let sent = peer["video"]["framesSent"].as_u64().unwrap_or(0);
        assert!(received >= 20, "{name} received {received} frames: {r}");
        assert!(
            received * 10 >= sent * 8,
            "{name} received {received} of {sent}: {r}"
        );
        assert!(
            r["video"]["latencyMs"]["p50"].as_f64().is_some(),
            "{name}: {r}"
        );
        assert_eq!(r["audio"]["toneDetected"], true, "{name}: {r}");
        assert!(
            r["audio"]["packetsReceived"].as_u64().unwrap_or(0) > 50,
            "{name}: {r}"
        );
        assert!(
            r["cpuPercent"].as_f64().is_some() && r["rssMb"].as_f64().is_some(),
            "{r}"
        );
        // Neither agent sends chat lines.
        assert_eq!(r["chat"]["received"], 0, "{name}: {r}");
    }
}

#[test]
fn a_busy_callee_is_reported_by_both() {
    let server = start_server();
    let bob = agent(&server.url, "bob", &["--busy"]);
    let alice = agent(&server.url, "alice", &["--call", "bob", "--duration", "2"]);
    let (alice_ok, a, _) = finish(alice, Duration::from_secs(60));
    let (bob_ok, b, _) = finish(bob, Duration::from_secs(30));
    assert!(!alice_ok, "a caller that got busy exits non-zero: {a}");
    assert_eq!(a["result"], "busy");
    assert!(bob_ok, "the --busy agent did its job: {b}");
    assert_eq!(b["result"], "busy");
}

#[test]
fn a_missing_peer_or_server_fails_with_a_reason() {
    let server = start_server();
    let alice = agent(
        &server.url,
        "alice",
        &["--call", "nobody", "--wait-peer", "1"],
    );
    let (ok, a, _) = finish(alice, Duration::from_secs(30));
    assert!(!ok);
    assert_eq!(a["result"], "failed");
    assert!(
        a["reason"]
            .as_str()
            .is_some_and(|r| r.contains("peer not found")),
        "{a}"
    );
    drop(server);
    let lone = agent("ws://127.0.0.1:9/ws", "alice", &["--call", "bob"]);
    let (ok, a, _) = finish(lone, Duration::from_secs(30));
    assert!(!ok);
    assert!(
        a["reason"]
            .as_str()
            .is_some_and(|r| r.contains("server unreachable")),
        "{a}"
    );
}

#[test]
fn killing_one_agent_ends_the_others_call_with_a_reason() {
    let server = start_server();
    // Once connected, bob is killed without a goodbye.
    let (mut bob, alice) = connected_call(&server.url);
    bob.kill().expect("kill bob");
    let _ = bob.wait();
    // Alice's own end (--duration 60) would report success: a failure with one of these
    // reasons is the loss detected. The limit only guards against a hang.
    let (ok, a, took) = finish(alice, Duration::from_secs(90));
    assert!(!ok, "{a}");
    assert_eq!(a["result"], "failed", "{a}");
    let reason = a["reason"].as_str().unwrap_or("");
    assert!(reason == "connection-lost" || reason == "peer-left", "{a}");
    // A figure, not a bar (the goal is 10 s: ICE disconnect 2 s + 5 s grace).
    println!("alice's call ended {took:?} after bob was killed ({reason})");
}
