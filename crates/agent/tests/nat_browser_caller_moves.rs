//! NAT lab, a browser caller whose own network changes (issue 15): the web client in
//! headless Chromium calls an agent, then the browser's machine moves to another address
//! mid-call. The agent did not move (its network watcher sees nothing) and, as callee,
//! does not restart; the browser, as caller, must restart ICE on its own when its path
//! drops. The call never ends and video flows again after the move.

mod common;
use std::time::Duration;

use common::lab_browser::{BrowserOutput, LabBrowser};
use common::labcall::{agent_in, finish};
use common::natlab::{Nat, NatLab, PROGRAMS};
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
    let browser = LabBrowser::start(
        &lab.a,
        "nat-browser-caller-moves.mjs",
        &[("LAB_CALLEE", "bob")],
    );
    let ready = browser.ready(Duration::from_secs(90));
    if ready {
        lab.move_host(1);
    }
    let BrowserOutput {
        stdout: out,
        stderr: err,
        report: web,
    } = browser.finish();
    let bob = finish(agent, Duration::from_secs(30));
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
