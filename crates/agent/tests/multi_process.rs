//! Multi-process: the `peercall-signal` binary and two `peercall-agent` processes on
//! loopback; the agents' JSON reports and exit codes are checked.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{agent_bin, start_server};

fn agent(url: &str, name: &str, extra: &[&str]) -> Child {
    agent_logging(url, name, extra, "warn")
}

fn agent_logging(url: &str, name: &str, extra: &[&str], log: &str) -> Child {
    Command::new(agent_bin())
        .args(["--server", url, "--name", name, "--bind", "127.0.0.1:0"])
        .args(["--resolution", "320x240", "--report", "json"])
        .args(extra)
        .env("RUST_LOG", log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peercall-agent")
}

/// Waits for the process (killing it after `limit`) and parses its report.
fn finish(mut child: Child, limit: Duration) -> (bool, Value, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let out = child.wait_with_output().expect("output");
            let text = String::from_utf8_lossy(&out.stdout);
            let line = text.lines().last().unwrap_or("{}");
            let report: Value = serde_json::from_str(line).unwrap_or_else(|e| {
                panic!(
                    "bad report {line:?}: {e}; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
            return (status.success(), report, start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("agent did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

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
    let mut bob = agent_logging(&server.url, "bob", &["--auto-answer"], "info");
    let alice = agent(&server.url, "alice", &["--call", "bob", "--duration", "60"]);
    // Wait until bob logs the connection, then kill it without a goodbye.
    let stderr = bob.stderr.take().expect("bob stderr");
    let mut lines = BufReader::new(stderr).lines();
    let start = Instant::now();
    let mut connected = false;
    while start.elapsed() < Duration::from_secs(60) {
        match lines.next() {
            Some(Ok(line)) if line.ends_with("connected") => {
                connected = true;
                break;
            }
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    assert!(connected, "bob never connected");
    std::thread::sleep(Duration::from_secs(1));
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
