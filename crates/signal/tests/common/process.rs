//! The real `peercall-signal` binary in its own process, so its memory can be measured
//! apart from the test's clients.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// A running server process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts the binary on 127.0.0.1 with an ephemeral port plus `args` and `env`, and
    /// waits for the URL it prints.
    pub async fn start(args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_peercall-signal"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
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
        let addr = url
            .trim_start_matches("ws://")
            .trim_end_matches("/ws")
            .parse()
            .expect("host:port");
        ServerProcess { child, url, addr }
    }

    /// A field of `/proc/PID/status` in KiB (`VmRSS`: resident now, `VmHWM`: the peak).
    pub fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc/PID/status"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
