//! One call through a lab: "bob" answers on side B, "alice" calls from side A for a few
//! seconds; both JSON reports come back, with the agents' logs kept for failure messages.

use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::agent_bin;
use super::natlab::NatLab;
use super::netns::Netns;

/// How long the connected call lasts, seconds.
pub const CALL_SECONDS: &str = "3";

/// What one agent left behind.
pub struct Outcome {
    pub ok: bool,
    pub report: Value,
    pub stderr: String,
}

/// Waits for the agent (killing it after `limit`) and parses its last stdout line.
pub fn finish(mut child: Child, limit: Duration) -> Outcome {
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut stdout);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut stderr);
    }
    let ok = child.wait().is_ok_and(|s| s.success());
    let line = stdout.lines().last().unwrap_or("{}");
    let report = serde_json::from_str(line).unwrap_or(Value::Null);
    Outcome { ok, report, stderr }
}

/// Starts `peercall-agent` in `ns` with a JSON report, a small picture and these extra
/// flags; stdout and stderr are piped.
pub fn agent_in(ns: &Netns, url: &str, name: &str, extra: &[&str]) -> Child {
    ns.command(agent_bin())
        .args(["--server", url, "--name", name])
        .args(["--resolution", "320x240", "--report", "json"])
        .args(extra)
        .env(
            "RUST_LOG",
            std::env::var("LAB_RUST_LOG")
                .unwrap_or_else(|_| "warn,peercall_agent=info,peercall_engine=info".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peercall-agent in a namespace")
}

/// "alice" in `a` calls "bob" in `b` through the server at `url`, each with its extra
/// flags.
pub fn call_between(
    a: &Netns,
    b: &Netns,
    url: &str,
    alice_extra: &[&str],
    bob_extra: &[&str],
) -> (Outcome, Outcome) {
    let mut bob_args = vec!["--auto-answer"];
    bob_args.extend_from_slice(bob_extra);
    let bob = agent_in(b, url, "bob", &bob_args);
    let mut alice_args = vec!["--call", "bob", "--duration", CALL_SECONDS];
    alice_args.extend_from_slice(alice_extra);
    let alice = agent_in(a, url, "alice", &alice_args);
    let a = finish(alice, Duration::from_secs(60));
    let b = finish(bob, Duration::from_secs(30));
    (a, b)
}

/// Calls the lab's side B from side A with these extra agent flags on both sides.
pub fn call(lab: &NatLab, extra: &[&str]) -> (Outcome, Outcome) {
    call_between(&lab.a, &lab.b, &NatLab::server_url(), extra, extra)
}

/// A failure message with both reports, the tails of both logs and of coturn's.
pub fn explain(lab: &NatLab, a: &Outcome, b: &Outcome) -> String {
    explain_with(a, b, &lab.turn_log_tail(15))
}

/// A failure message with both reports, the tails of both logs and `more`.
pub fn explain_with(a: &Outcome, b: &Outcome, more: &str) -> String {
    let tail = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    };
    format!(
        "\nalice: {}\n{}\nbob: {}\n{}\n{more}",
        a.report,
        tail(&a.stderr),
        b.report,
        tail(&b.stderr),
    )
}

/// Both agents had a call with video and audio both ways.
pub fn assert_call_worked(lab: &NatLab, a: &Outcome, b: &Outcome) {
    assert_worked(a, b, &explain(lab, a, b));
}

/// Both agents had a call with video and audio both ways; `why` explains a failure.
pub fn assert_worked(a: &Outcome, b: &Outcome, why: &str) {
    assert!(a.ok && b.ok, "exit codes{why}");
    for r in [&a.report, &b.report] {
        assert_eq!(r["result"], "ok", "{why}");
        let frames = r["video"]["framesReceived"].as_u64().unwrap_or(0);
        assert!(frames >= 20, "only {frames} frames{why}");
        assert_eq!(r["audio"]["toneDetected"], true, "{why}");
    }
}

/// The candidate types of the pair each side used: `(local, remote)`.
pub fn path(o: &Outcome) -> (String, String) {
    let p = &o.report["network"]["path"];
    let s = |v: &Value| v.as_str().unwrap_or("none").to_owned();
    (s(&p["local"]), s(&p["remote"]))
}

/// Each side's chosen pair goes through a TURN relay (its own or the peer's).
pub fn assert_relayed(lab: &NatLab, a: &Outcome, b: &Outcome) {
    for o in [a, b] {
        let (local, remote) = path(o);
        assert!(
            local == "relay" || remote == "relay",
            "path {local} -> {remote} is not relayed{}",
            explain(lab, a, b)
        );
    }
}
