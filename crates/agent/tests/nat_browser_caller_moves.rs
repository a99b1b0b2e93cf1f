//! NAT lab, a browser caller whose own network changes (issue 15): the web client in
//! headless Chromium calls an agent, then the browser's machine moves to another address
//! mid-call. The agent did not move (its network watcher sees nothing) and, as callee,
//! does not restart; the browser, as caller, must restart ICE on its own when its path
//! drops. The call never ends and video flows again after the move.

mod common;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::labcall::{agent_in, finish};
use common::natlab::{repo_root, Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

#[test]
fn a_browser_caller_that_moves_restarts_ice_itself() {
    let name = "a_browser_caller_that_moves_restarts_ice_itself";
    let mut programs = PROGRAMS.to_vec();
    programs.extend(["node", "chromium"]);
    if !prerequisites(name, &programs) {
        return;
    }
    // Hardened: Chromium pairs its relay with the agent's private address, which the
    // default lab's coturn would try to reach and then close the allocation.
    let lab = NatLab::up_hardened(Nat::Cone, Nat::Cone);
    let agent = agent_in(&lab.b, &NatLab::server_url(), "bob", &["--auto-answer"]);
    let script = repo_root().join("tests/interop/nat-browser-caller-moves.mjs");
    let mut browser = lab
        .a
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
    let ready = lines
        .recv_timeout(Duration::from_secs(90))
        .is_ok_and(|l| l.contains("ready"));
    if ready {
        lab.move_host(1);
    }
    let _ = browser.wait();
    let out = reader.join().unwrap_or_default();
    let mut err = String::new();
    if let Some(mut s) = browser.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    let bob = finish(agent, Duration::from_secs(30));
    let web: serde_json::Value =
        serde_json::from_str(out.lines().last().unwrap_or("{}")).unwrap_or_default();
    let why = format!(
        "\nbrowser: {out}\n{err}\nagent: {}\n{}\ncoturn:\n{}",
        bob.report,
        bob.stderr,
        lab.turn_log_tail(15)
    );
    assert!(ready, "video never flowed before the move{why}");
    assert_eq!(web["ok"], true, "{why}");
    assert_eq!(web["ended"], "hangup-local", "{why}");
    let r = &bob.report;
    assert_eq!(r["result"], "ok", "{why}");
    assert!(r["reconnects"]["count"].as_u64().unwrap_or(0) >= 1, "{why}");
    let after = r["video"]["framesAfterLongestPause"].as_u64().unwrap_or(0);
    assert!(after >= 30, "only {after} frames after the pause{why}");
    eprintln!(
        "FIGURE ICE restart Chromium (caller) -> agent after the browser moved: agent's longest video pause {} ms, reconnecting -> connected {} ms",
        r["video"]["longestPauseMs"], r["reconnects"]["backAfterMs"],
    );
}
