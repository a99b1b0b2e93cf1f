//! A peer that stops dead mid-call (its machine hangs: the process is frozen with SIGSTOP,
//! so nothing says goodbye, neither its media nor its signaling socket): the other side's
//! call ends with `connection-lost` or `peer-left` by itself. How long that takes is a
//! figure (the goal: ≤ 10 s), printed, not asserted.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::process::{connected_call, finish};
use common::start_server;

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {sig} {pid}");
}

#[test]
fn a_peer_frozen_mid_call_is_detected_by_the_other_side() {
    let server = start_server();
    let (mut bob, alice) = connected_call(&server.url);
    signal(bob.id(), "-STOP");
    let frozen = Instant::now();
    let (ok, report, _) = finish(alice, Duration::from_secs(90));
    let took = frozen.elapsed();
    signal(bob.id(), "-KILL");
    let _ = bob.wait();
    drop(server);
    let reason = report["reason"].as_str().unwrap_or("");
    println!("alice's call ended {took:.1?} after bob froze ({reason})");
    assert!(!ok, "{report}");
    assert_eq!(report["result"], "failed", "{report}");
    assert!(
        reason == "connection-lost" || reason == "peer-left",
        "{report}"
    );
}
