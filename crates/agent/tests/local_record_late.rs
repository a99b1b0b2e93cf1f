//! `peercall-agent --server ws://127.0.0.1:PORT/ws` started in the instant between this
//! user's app binding its local server and publishing its record (the token): the server
//! refuses the agent's first tries, and the agent gets in once the record appears, instead
//! of failing with `unauthorized` (the lossy GUI test's agent failed so on a slow CI machine).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::xdg::{Hosted, Xdg};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_started_before_the_record_gets_in_once_it_appears() {
    let hosted = Hosted::start().await;
    let url = hosted.url.clone();
    let xdg = Xdg::new();

    // The agent asks for a peer nobody is: once in, it reports "peer not found".
    let mut agent = Command::new(common::agent_bin())
        .args(["--report", "json", "--server", &url, "--name", "Late"])
        .args([
            "--call",
            "Nobody",
            "--wait-peer",
            "1",
            "--video",
            "none",
            "--audio",
            "none",
        ])
        .env("XDG_RUNTIME_DIR", &xdg.0)
        .env("RUST_LOG", "peercall_agent=debug")
        .env_remove("PEERCALL_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start peercall-agent");
    let stderr = agent.stderr.take().expect("stderr");
    let (refused_tx, refused_rx) = std::sync::mpsc::channel();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("no record of a local server on this URL yet") {
                let _ = refused_tx.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });

    // The app publishes its record only after its server listens: do that once the agent
    // was refused (its first try had no token).
    let refused = tokio::task::spawn_blocking(move || {
        refused_rx.recv_timeout(std::time::Duration::from_secs(30))
    })
    .await
    .expect("waited");
    let _published = hosted.publish(&xdg);
    let out = tokio::task::spawn_blocking(move || agent.wait_with_output())
        .await
        .expect("waited")
        .expect("agent output");
    let log = log.join().unwrap_or_default();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        refused.is_ok(),
        "the agent never tried again after its refusal: {report}\n{log}"
    );
    assert!(
        report.contains("peer not found: Nobody"),
        "the agent did not get in once the record appeared: {report}\n{log}"
    );
    hosted.server.shutdown().await;
}
