//! Headless Chromium in one of the NAT lab's namespaces: a node script of
//! `tests/interop/` driving the web client, its stdout read line by line (the script says
//! "ready" once video flows) and its last line the browser's JSON report.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::natlab::{repo_root, NatLab};
use super::netns::Netns;

pub struct LabBrowser {
    child: Child,
    lines: mpsc::Receiver<String>,
    reader: Option<JoinHandle<String>>,
}

/// What the browser printed once it exited.
pub struct BrowserOutput {
    pub stdout: String,
    pub stderr: String,
    /// Its last line, parsed (`{}` when it is not JSON).
    pub report: serde_json::Value,
}

impl LabBrowser {
    /// Runs `tests/interop/<script>` in `ns` with the lab's web URL and `env`.
    pub fn start(ns: &Netns, script: &str, env: &[(&str, &str)]) -> Self {
        let mut child = ns
            .command("node")
            .arg(repo_root().join("tests/interop").join(script))
            .current_dir(repo_root())
            .env("LAB_HTTP", NatLab::web_url())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node");
        let stdout = child.stdout.take().expect("stdout");
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
        LabBrowser {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Whether the script's first line says "ready" within `limit` (a hang guard).
    pub fn ready(&self, limit: Duration) -> bool {
        self.lines
            .recv_timeout(limit)
            .is_ok_and(|l| l.contains("ready"))
    }

    /// Waits for the script to end; what it printed.
    pub fn finish(mut self) -> BrowserOutput {
        let _ = self.child.wait();
        let stdout = self
            .reader
            .take()
            .and_then(|r| r.join().ok())
            .unwrap_or_default();
        let mut stderr = String::new();
        if let Some(mut s) = self.child.stderr.take() {
            let _ = s.read_to_string(&mut stderr);
        }
        let report =
            serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap_or_default();
        BrowserOutput {
            stdout,
            stderr,
            report,
        }
    }
}
