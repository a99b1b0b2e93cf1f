//! Finding a host on the LAN with zero typing (issue 15): two namespaces joined by a veth
//! pair, as two machines on one Ethernet. A hosts a real `peercall-signal` on every
//! interface with a join code as its token and announces it (`peercall-lan announce`, what
//! the app does when "Host calls for my local network" is on); B browses (`peercall-lan
//! browse`, the lobby's list) and must find A's server URL and the interface it was found
//! on. The URL found then works with the join code, and only with it (the discovery finds
//! the address, never the code). When A stops announcing, B's list empties (goodbye).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use common::lan::{two_machines, A_IP};
use common::natlab::{signal_in, SIGNAL_PORT};
use common::netns::{prerequisites, Netns};
use serde_json::Value;

const CODE: &str = "ABCDE-FGHJK";

fn lan_bin() -> std::path::PathBuf {
    common::workspace_bin("peercall-discovery", "peercall-lan")
}

/// Runs `peercall-lan announce` in `ns`; returns once it announces.
fn announce(ns: &Netns, name: &str) -> Child {
    let mut child = ns
        .command(lan_bin())
        .args(["announce", "--name", name, "--port", SIGNAL_PORT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn peercall-lan announce");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read announce");
    assert!(line.starts_with("announcing "), "announce said {line:?}");
    child
}

/// `peercall-lan browse` in `ns`, printing the list (JSON) each time it changes.
fn browse(ns: &Netns, args: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let mut child = ns
        .command(lan_bin())
        .arg("browse")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn peercall-lan browse");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

/// Reads lists until one satisfies `done`; panics with everything seen if the browser
/// gives up (its `--timeout`) first.
fn wait_for_list(out: &mut BufReader<ChildStdout>, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    for line in out.lines() {
        let line = line.expect("read browse");
        let list: Vec<Value> = serde_json::from_str(&line).expect("a JSON list");
        seen.push(line);
        if done(&list) {
            return list;
        }
    }
    panic!("the browser gave up; it saw {seen:?}");
}

/// The doctor's `server` line from B against `url`, with `token` if given.
fn server_check(b: &Netns, url: &str, token: Option<&str>) -> (String, String) {
    let mut cmd: Command = b.command(common::agent_bin());
    cmd.args(["--doctor", "--report", "json", "--server", url])
        .args(["--video", "test-pattern", "--audio", "tone"]);
    if let Some(token) = token {
        cmd.args(["--token", token]);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("run the doctor");
    let lines: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let server = lines
        .iter()
        .find(|l| l["check"] == "server")
        .unwrap_or_else(|| panic!("no server line in {lines:?}"));
    let s = |k: &str| server[k].as_str().unwrap_or_default().to_owned();
    (s("status"), s("detail"))
}

#[test]
fn a_host_on_the_lan_is_found_and_its_url_needs_the_join_code() {
    if !prerequisites(
        "a_host_on_the_lan_is_found_and_its_url_needs_the_join_code",
        &["ip"],
    ) {
        return;
    }
    let (a, b) = two_machines();
    let mut server = signal_in(&a, "0.0.0.0", &["--token", CODE], &[]);
    let mut announcer = announce(&a, "Alice Smith");

    let (mut browser, mut out) = browse(&b, &["--timeout", "30"]);
    let list = wait_for_list(&mut out, |l| {
        l.iter()
            .any(|h| h["url"].as_str().is_some_and(|u| u.contains(A_IP)))
    });
    let host = list
        .iter()
        .find(|h| h["name"] == "Alice Smith")
        .unwrap_or_else(|| panic!("Alice's host not named in {list:?}"));
    let url = format!("ws://{A_IP}:{SIGNAL_PORT}/ws");
    assert_eq!(host["url"], url.as_str(), "{list:?}");
    assert_eq!(
        host["foundOn"],
        format!("{A_IP} on eth0").as_str(),
        "{list:?}"
    );

    // The URL found reaches the server, with the join code only.
    let (status, detail) = server_check(&b, &url, Some(CODE));
    assert_eq!(status, "ok", "with the join code: {detail}");
    let (status, detail) = server_check(&b, &url, None);
    assert_eq!(status, "fail", "without the join code: {detail}");

    // Stopping the announcement (the host turned LAN hosting off, or quit) says goodbye:
    // B's list empties without waiting for the records to expire.
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(announcer.id() as libc::pid_t, libc::SIGTERM) };
    let status = announcer.wait().expect("announcer exits");
    assert!(status.success(), "announcer: {status}");
    wait_for_list(&mut out, |l| l.is_empty());

    let _ = browser.kill();
    let _ = browser.wait();
    let _ = server.kill();
    let _ = server.wait();
}
