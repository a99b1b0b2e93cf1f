//! The `peercall-signal` binary: `--help` documents the options, it prints the URLs
//! clients can use, and on SIGTERM it closes every socket with a close frame and exits 0.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_peercall-signal");

#[test]
fn help_documents_every_option() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--host",
        "--port",
        "--cert",
        "--key",
        "--token",
        "--stun",
        "--turn-url",
        "--turn-secret",
        "--turn-ttl",
        "--turn-without-token",
        "--allow-origin",
        "--static-dir",
        "--max-message-bytes",
        "--ws-max-message-bytes",
        "--room-size",
        "--rate",
        "--burst",
        "--max-strikes",
        "--resume-queue",
        "--hello-timeout",
        "--ping-interval",
        "--missed-pongs",
        "--resume-window",
        "--outbound-bytes",
        "--max-connections",
        "--max-connections-per-ip",
        "--write-timeout",
        "--tcp-keepalive",
        "--tcp-user-timeout",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
    for env in [
        "HOST",
        "PORT",
        "PEERCALL_TOKEN",
        "PEERCALL_MAX_CONNECTIONS",
        "PEERCALL_MAX_CONNECTIONS_PER_IP",
        "PEERCALL_WRITE_TIMEOUT",
    ] {
        assert!(
            help.contains(&format!("env: {env}")),
            "--help lacks env {env}"
        );
    }
}

#[tokio::test]
async fn prints_urls_and_closes_sockets_on_sigterm() {
    let mut child = Command::new(BIN)
        .args(["--host", "127.0.0.1", "--port", "0"])
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
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with("/ws"),
        "{url}"
    );

    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let (mut b, _) = Raw::join(&url, "B", "r").await;
    a.recv_type("peer-joined").await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(killed.expect("kill runs").success());
    assert_eq!(a.expect_close().await, Some(1001));
    assert_eq!(b.expect_close().await, Some(1001));
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "exit status {status:?}");
}
