//! Agent processes for the multi-process tests: started with a JSON report, waited for, and
//! their report parsed.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::agent_bin;

pub fn agent(url: &str, name: &str, extra: &[&str]) -> Child {
    agent_logging(url, name, extra, "warn")
}

pub fn agent_logging(url: &str, name: &str, extra: &[&str], log: &str) -> Child {
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
pub fn finish(mut child: Child, limit: Duration) -> (bool, Value, Duration) {
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

/// Reads `stderr` (an agent started with `RUST_LOG=info`) until it logs "connected";
/// false if it ends first or `limit` passes (a guard against a hang, not a bar).
pub fn wait_connected(stderr: ChildStderr, limit: Duration) -> bool {
    let start = Instant::now();
    let mut lines = BufReader::new(stderr).lines();
    while start.elapsed() < limit {
        match lines.next() {
            Some(Ok(line)) if line.ends_with("connected") => {
                // Keep draining, so the agent never blocks on a full pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return true;
            }
            Some(Ok(_)) => {}
            _ => return false,
        }
    }
    false
}

/// Bob (auto-answer) and alice (calling him, for up to 60 s) on `url`, once bob logs that
/// the call is connected and media has flowed for a moment: (bob, alice).
pub fn connected_call(url: &str) -> (Child, Child) {
    let mut bob = agent_logging(url, "bob", &["--auto-answer"], "info");
    let alice = agent(url, "alice", &["--call", "bob", "--duration", "60"]);
    let stderr = bob.stderr.take().expect("bob stderr");
    assert!(
        wait_connected(stderr, Duration::from_secs(60)),
        "bob never connected"
    );
    // Media flows for a moment (alice connected too: her call is under way).
    std::thread::sleep(Duration::from_secs(1));
    (bob, alice)
}
