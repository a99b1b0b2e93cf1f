//! NAT lab: a connected call survives one side changing its address mid-call (a laptop
//! moving to another network). The side that moved restarts ICE on the new address
//! (or its peer does, once the path goes silent), the call goes `reconnecting` and
//! back to `connected`, never ends, and video and audio flow again. The pause each side
//! saw is printed as the figure for `BENCHMARKS.md`.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::agent_log::{tee_stderr, wait_for_line};
use common::labcall::{agent_in, assert_worked, explain, finish, Outcome};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

/// Seconds of connected call: the move happens right after the first frame, and the
/// rest must hold the restart and plenty of media after it.
const CALL_SECONDS: &str = "10";

/// Calls B from A, moves side `mover` once video flows, and returns both outcomes.
fn call_and_move(lab: &NatLab, mover: u8) -> (Outcome, Outcome) {
    let url = NatLab::server_url();
    let mut bob = agent_in(&lab.b, &url, "bob", &["--auto-answer"]);
    let mut alice = agent_in(
        &lab.a,
        &url,
        "alice",
        &["--call", "bob", "--duration", CALL_SECONDS],
    );
    let (a_tx, a_lines) = mpsc::channel();
    let (b_tx, b_lines) = mpsc::channel();
    let a_log = tee_stderr(&mut alice, a_tx);
    let b_log = tee_stderr(&mut bob, b_tx);
    let limit = Duration::from_secs(30);
    let flowing = wait_for_line(&a_lines, "first remote frame", limit)
        && wait_for_line(&b_lines, "first remote frame", limit);
    if flowing {
        lab.move_host(mover);
    }
    let mut a = finish(alice, Duration::from_secs(60));
    let mut b = finish(bob, Duration::from_secs(30));
    a.stderr = a_log.join().unwrap_or_default();
    b.stderr = b_log.join().unwrap_or_default();
    // LAB_KEEP_LOGS=dir keeps both agents' whole logs (with LAB_RUST_LOG for detail).
    if let Ok(dir) = std::env::var("LAB_KEEP_LOGS") {
        let _ = std::fs::write(format!("{dir}/alice.log"), &a.stderr);
        let _ = std::fs::write(format!("{dir}/bob.log"), &b.stderr);
    }
    assert!(
        flowing,
        "video never flowed before the move{}",
        explain(lab, &a, &b)
    );
    (a, b)
}

fn assert_survived(lab: &NatLab, a: &Outcome, b: &Outcome, who: &str) {
    let why = explain(lab, a, b);
    // The call ran its full length and alice hung up: it never ended on its own.
    assert_worked(a, b, &why);
    assert_eq!(a.report["reason"], serde_json::Value::Null, "{why}");
    for (name, o) in [("alice", a), ("bob", b)] {
        let r = &o.report;
        assert!(
            r["reconnects"]["count"].as_u64().unwrap_or(0) >= 1,
            "{name} never went reconnecting{why}"
        );
        let back = r["reconnects"]["backAfterMs"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(back >= 1, "{name} never came back to connected{why}");
        // A second of video at least after the pause the move caused.
        let after = r["video"]["framesAfterLongestPause"].as_u64().unwrap_or(0);
        assert!(
            after >= 30,
            "{name}: only {after} frames after the pause{why}"
        );
    }
    eprintln!(
        "FIGURE ICE restart after {who} moved: longest video pause alice {} ms, bob {} ms; \
         reconnecting -> connected alice {} ms, bob {} ms; path after: alice {}",
        a.report["video"]["longestPauseMs"],
        b.report["video"]["longestPauseMs"],
        a.report["reconnects"]["backAfterMs"],
        b.report["reconnects"]["backAfterMs"],
        a.report["network"]["path"],
    );
}

#[test]
fn call_survives_the_caller_changing_address() {
    if !prerequisites("call_survives_the_caller_changing_address", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Cone, Nat::Cone);
    let (a, b) = call_and_move(&lab, 1);
    assert_survived(&lab, &a, &b, "the caller");
}

#[test]
fn call_survives_the_callee_changing_address() {
    if !prerequisites("call_survives_the_callee_changing_address", PROGRAMS) {
        return;
    }
    let lab = NatLab::up(Nat::Cone, Nat::Cone);
    let (a, b) = call_and_move(&lab, 2);
    assert_survived(&lab, &a, &b, "the callee");
}
