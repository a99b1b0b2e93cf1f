//! A coturn configuration file for the tests that start Debian's `turnserver`: the lines
//! each test chooses (addresses, ports, realm, authentication) plus what every one of them
//! needs (no TLS/DTLS listeners, no CLI, its database, pid file and log in `dir`).

use std::path::{Path, PathBuf};

/// Writes `dir/<name>` with `specific` and the common lines; returns its path.
pub fn write_config(dir: &Path, name: &str, specific: &[String]) -> PathBuf {
    let common = [
        "fingerprint".to_owned(),
        "no-tls".to_owned(),
        "no-dtls".to_owned(),
        "no-cli".to_owned(),
        format!("userdb={}", dir.join("turndb").display()),
        format!("pidfile={}", dir.join("turn.pid").display()),
        "log-file=stdout".to_owned(),
        "simple-log".to_owned(),
    ];
    let path = dir.join(name);
    let text = specific.iter().chain(&common).cloned().collect::<Vec<_>>();
    std::fs::write(&path, text.join("\n") + "\n").expect("write the coturn configuration");
    path
}
