//! A call between two agents through the real signaling server, inside a private network
//! namespace whose loopback runs through the impairment emulator. The parent test re-runs
//! one ignored child test of its own binary under `scripts/netem-run.sh`; the child starts
//! the server and the two agents (bob answers, alice calls) and prints their JSON reports,
//! which the parent reads back.

use std::process::{Command, Stdio};

use peercall_netem::namespace::run_child_test;
use serde_json::Value;

use super::{agent_bin, start_server, workspace_bin};

/// In the child: the call, `seconds` long, with `extra` arguments for both agents;
/// prints `REPORT <name> <json>` for each.
pub fn run_call(seconds: &str, extra: &[&str]) {
    run_call_with(seconds, extra, &[], &[]);
}

/// [`run_call`] with environment variables of alice's and bob's own.
pub fn run_call_with(
    seconds: &str,
    extra: &[&str],
    alice_env: &[(&str, &str)],
    bob_env: &[(&str, &str)],
) {
    let server = start_server();
    let agent = |args: &[&str], env: &[(&str, &str)]| {
        Command::new(agent_bin())
            .args(["--server", &server.url, "--bind", "127.0.0.1:0"])
            .args(["--resolution", "320x240", "--report", "json"])
            .args(extra)
            .args(args)
            // `PEERCALL_TEST_AGENT_LOG` (a `RUST_LOG` filter) to see why a call failed.
            .env(
                "RUST_LOG",
                std::env::var("PEERCALL_TEST_AGENT_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn peercall-agent")
    };
    let bob = agent(&["--name", "bob", "--auto-answer"], bob_env);
    let alice = agent(
        &["--name", "alice", "--call", "bob", "--duration", seconds],
        alice_env,
    );
    for (name, child) in [("alice", alice), ("bob", bob)] {
        let out = child.wait_with_output().expect("agent output");
        let report = String::from_utf8_lossy(&out.stdout);
        let json = report.get(report.find('{').unwrap_or(0)..).unwrap_or("");
        println!("REPORT {name} {}", json.replace('\n', " "));
    }
}

/// In the parent: runs `child_test` under the emulator `spec` (seeded); each agent's
/// report by name.
pub fn reports_under(
    spec: &str,
    seed: u64,
    child_test: &str,
    env: &[(&str, &str)],
) -> Vec<(String, Value)> {
    let netem = workspace_bin("peercall-netem", "peercall-netem");
    let out = run_child_test(spec, seed, child_test, &netem, env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "netem-run.sh failed:\n{stdout}\n{stderr}"
    );
    // The agents' logs: libtest shows them only when the test fails.
    eprintln!("{stderr}");
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("REPORT "))
        .map(|l| {
            let (name, json) = l.split_once(' ').expect("REPORT name json");
            let value = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{name}'s report: {e}\n{json}\n{stderr}"));
            (name.to_owned(), value)
        })
        .collect()
}

/// The number at `path` in a report.
pub fn num(report: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(report, |v, k| &v[*k])
        .as_f64()
        .unwrap_or_else(|| panic!("no number at {path:?} in {report}"))
}
