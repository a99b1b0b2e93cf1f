//! NAT lab, browser ↔ app: headless Chromium (libwebrtc, the web client served by the
//! lab's signaling server) behind one symmetric NAT calls an agent behind the other.
//! Only the lab's coturn can carry this call, so both stacks must use the TURN
//! credentials the server minted; video must flow to the browser and the agent must
//! report a relayed path.

mod common;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::labcall::{agent_in, finish};
use common::natlab::{repo_root, Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn chromium_behind_a_symmetric_nat_calls_an_agent_through_turn() {
    let name = "chromium_behind_a_symmetric_nat_calls_an_agent_through_turn";
    let mut programs = PROGRAMS.to_vec();
    programs.extend(["node", "chromium"]);
    if !prerequisites(name, &programs) {
        return;
    }
    // Chromium pairs its relay with the agent's private host address; the default lab's
    // coturn would try to relay there and close Chromium's allocation (our agents leave
    // such candidates out, `session/reach.rs`; browsers do not). A hardened server
    // answers 403 instead, as public TURN servers should.
    let lab = NatLab::up_hardened(Nat::Symmetric, Nat::Symmetric);
    let url = NatLab::server_url();
    let agent = agent_in(&lab.a, &url, "bob", &["--auto-answer"]);
    let script = repo_root().join("tests/interop/nat-browser-peer.mjs");
    let mut browser = lab
        .b
        .command("node")
        .arg(&script)
        .current_dir(repo_root())
        .env("LAB_HTTP", NatLab::web_url())
        .env("LAB_CALLEE", "bob")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    let start = Instant::now();
    while browser.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = browser.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = browser.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = browser.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    let _ = browser.wait();
    let bob = finish(agent, Duration::from_secs(30));
    let web: serde_json::Value =
        serde_json::from_str(out.lines().last().unwrap_or("{}")).unwrap_or_default();
    let why = format!(
        "\nbrowser: {out}\n{err}\nagent: {}\n{}\ncoturn:\n{}",
        bob.report,
        bob.stderr,
        lab.turn_log_tail(15)
    );
    assert_eq!(web["ok"], true, "{why}");
    assert_eq!(web["ended"], "hangup-local", "{why}");
    assert_eq!(bob.report["result"], "ok", "{why}");
    let path = &bob.report["network"]["path"];
    assert!(
        path["local"] == "relay" || path["remote"] == "relay",
        "not relayed: {path}{why}"
    );
    assert!(
        bob.report["video"]["framesReceived"].as_u64().unwrap_or(0) >= 10,
        "{why}"
    );
}
