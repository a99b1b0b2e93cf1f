//! The real `peercall-signal` binary in its own process, for scenarios that kill the
//! server (SIGKILL: no close frames, no goodbyes) and start a new one on the same port.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running server process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl ServerProcess {
    /// Starts the binary on 127.0.0.1 at `port` (0: any free one) and waits for the URL
    /// it prints.
    pub async fn start(port: u16) -> ServerProcess {
        let mut child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start peercall-signal");
        let stdout = child.stdout.take().expect("stdout");
        let url = tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| l.trim().strip_prefix("ws://").map(|u| format!("ws://{u}")))
        })
        .await
        .expect("reader")
        .expect("the server prints its URL");
        let port = url
            .trim_end_matches("/ws")
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the URL");
        ServerProcess { child, url, port }
    }

    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/debug/peercall-signal`, built on demand when only this crate's tests were.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug");
    let path = debug.join("peercall-signal");
    if !path.exists() {
        let target = debug.parent().expect("target dir");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "peercall-signal", "--bin", "peercall-signal"])
            .env("CARGO_TARGET_DIR", target)
            .status()
            .expect("cargo build");
        assert!(status.success(), "building peercall-signal failed");
    }
    path
}
