//! Reading an agent's log while it runs: its stderr lines forwarded to a channel (and
//! kept whole for the failure message), and waiting for a line.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Forwards each stderr line of `child` to `lines` and returns all of them at the end.
pub fn tee_stderr(child: &mut Child, lines: mpsc::Sender<String>) -> JoinHandle<String> {
    let stderr = child.stderr.take().expect("stderr piped");
    std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    })
}

/// Waits (up to `limit`) for a line containing `needle`.
pub fn wait_for_line(lines: &mpsc::Receiver<String>, needle: &str, limit: Duration) -> bool {
    wait_for_any(lines, &[needle], limit).is_some()
}

/// Waits (up to `limit`) for a line containing one of `needles`; returns that line.
pub fn wait_for_any(
    lines: &mpsc::Receiver<String>,
    needles: &[&str],
    limit: Duration,
) -> Option<String> {
    let end = Instant::now() + limit;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if needles.iter().any(|n| line.contains(n)) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}
