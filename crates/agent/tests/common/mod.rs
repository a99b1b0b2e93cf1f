//! Shared by the agent's process tests: the binaries, and a signaling server on loopback.
#![allow(dead_code)]

pub mod agent_log;
pub mod coturn;
pub mod lab_browser;
pub mod labcall;
pub mod lan;
pub mod natlab;
pub mod netem_call;
pub mod netns;
pub mod process;
pub mod sink;
pub mod xdg;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A binary of this workspace next to ours, built on demand when only this crate's tests
/// were built.
pub fn workspace_bin(package: &str, bin: &str) -> PathBuf {
    let dir = agent_bin().parent().expect("bin dir").to_path_buf();
    let path = dir.join(bin);
    if !path.exists() {
        let target = dir.parent().expect("target dir");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", package, "--bin", bin])
            .env("CARGO_TARGET_DIR", target)
            .status()
            .expect("cargo build");
        assert!(status.success(), "building {bin} failed");
    }
    path
}

pub fn agent_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_peercall-agent"))
}

/// The signaling server binary.
pub fn signal_bin() -> PathBuf {
    workspace_bin("peercall-signal", "peercall-signal")
}

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_server() -> Server {
    let mut child = Command::new(signal_bin())
        .args(["--host", "127.0.0.1", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn peercall-signal");
    let stdout = child.stdout.take().expect("stdout");
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read server stdout");
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("ws://")) {
            url = Some(u.to_owned());
            break;
        }
    }
    Server {
        child,
        url: url.expect("server printed its URL"),
    }
}
