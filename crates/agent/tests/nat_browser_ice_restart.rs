//! NAT lab, app ↔ browser across a network change: an agent calls the web client in
//! headless Chromium (libwebrtc), then moves to another address mid-call. The agent
//! restarts ICE with a `renegotiate` offer, the browser answers it, and the call goes on:
//! it never ends, and video flows both ways after the move.

mod common;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::labcall::{agent_in, finish};
use common::natlab::{repo_root, Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn an_agent_that_moves_keeps_its_call_with_chromium() {
    let name = "an_agent_that_moves_keeps_its_call_with_chromium";
    let mut programs = PROGRAMS.to_vec();
    programs.extend(["node", "chromium"]);
    if !prerequisites(name, &programs) {
        return;
    }
    // Hardened: Chromium pairs its relay with the agent's private address, which the
    // default lab's coturn would try to reach and then close the allocation.
    let lab = NatLab::up_hardened(Nat::Cone, Nat::Cone);
    let script = repo_root().join("tests/interop/nat-browser-callee.mjs");
    let mut browser = lab
        .b
        .command("node")
        .arg(&script)
        .current_dir(repo_root())
        .env("LAB_HTTP", NatLab::web_url())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    let stdout = browser.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let agent = agent_in(
        &lab.a,
        &NatLab::server_url(),
        "alice",
        &["--call", "web", "--wait-peer", "60", "--duration", "12"],
    );
    let ready = lines
        .recv_timeout(Duration::from_secs(90))
        .is_ok_and(|l| l.contains("ready"));
    if ready {
        lab.move_host(1);
    }
    let alice = finish(agent, Duration::from_secs(90));
    let _ = browser.wait();
    let out = reader.join().unwrap_or_default();
    let mut err = String::new();
    if let Some(mut s) = browser.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    let web: serde_json::Value =
        serde_json::from_str(out.lines().last().unwrap_or("{}")).unwrap_or_default();
    let why = format!(
        "\nbrowser: {out}\n{err}\nagent: {}\n{}\ncoturn:\n{}",
        alice.report,
        alice.stderr,
        lab.turn_log_tail(15)
    );
    assert!(ready, "video never flowed before the move{why}");
    assert_eq!(web["ok"], true, "{why}");
    assert_eq!(web["ended"], "hangup-remote", "{why}");
    let r = &alice.report;
    assert_eq!(r["result"], "ok", "{why}");
    assert!(r["reconnects"]["count"].as_u64().unwrap_or(0) >= 1, "{why}");
    let after = r["video"]["framesAfterLongestPause"].as_u64().unwrap_or(0);
    assert!(after >= 30, "only {after} frames after the pause{why}");
    eprintln!(
        "FIGURE ICE restart agent -> Chromium after the agent moved: agent's longest video pause {} ms, reconnecting -> connected {} ms",
        r["video"]["longestPauseMs"], r["reconnects"]["backAfterMs"],
    );
}
