//! NAT lab, app ↔ browser across a network change: an agent calls the web client in
//! headless Chromium (libwebrtc), then moves to another address mid-call. The agent
//! restarts ICE with a `renegotiate` offer, the browser answers it, and the call goes on:
//! it never ends, and video flows both ways after the move.

mod common;
use std::time::Duration;

use common::lab_browser::{BrowserOutput, LabBrowser};
use common::labcall::{agent_in, finish};
use common::natlab::{Nat, NatLab, PROGRAMS};
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
    let browser = LabBrowser::start(&lab.b, "nat-browser-callee.mjs", &[]);
    let agent = agent_in(
        &lab.a,
        &NatLab::server_url(),
        "alice",
        &["--call", "web", "--wait-peer", "60", "--duration", "12"],
    );
    let ready = browser.ready(Duration::from_secs(90));
    if ready {
        lab.move_host(1);
    }
    let alice = finish(agent, Duration::from_secs(90));
    let BrowserOutput {
        stdout: out,
        stderr: err,
        report: web,
    } = browser.finish();
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
