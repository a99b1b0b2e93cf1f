//! `peercall-agent --server ws://127.0.0.1:PORT/ws` with no `--token` at a loopback server
//! hosted the way the app hosts it (a token, a proof secret, the record in
//! `$XDG_RUNTIME_DIR/peercall`): the agent reads the token from the record and gets in, as
//! the GUI tests' agents do; without the record (another user) the server refuses it.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::xdg::{Hosted, Xdg};
use serde_json::Value;

/// `peercall-agent --doctor --report json` on `url` with `xdg` as `XDG_RUNTIME_DIR`.
fn doctor(url: &str, xdg: &Path) -> Output {
    Command::new(common::agent_bin())
        .args(["--doctor", "--report", "json", "--server", url])
        .args(["--video", "none", "--audio", "none"])
        .env("XDG_RUNTIME_DIR", xdg)
        .env_remove("PEERCALL_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run peercall-agent --doctor")
}

/// The doctor's `server` line: (status, detail).
fn server_line(out: &Output) -> (String, String) {
    let text = String::from_utf8_lossy(&out.stdout);
    let all: Vec<Value> = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "not a JSON list ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let line = all
        .iter()
        .find(|l| l["check"] == "server")
        .unwrap_or_else(|| panic!("no server line in {all:?}"));
    let s = |k: &str| line[k].as_str().unwrap_or_default().to_owned();
    (s("status"), s("detail"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reads_the_token_of_this_users_loopback_server() {
    let hosted = Hosted::start().await;
    let url = hosted.url.clone();

    // Another user: no record it can read, so no token.
    let stranger = Xdg::new();
    let out = tokio::task::spawn_blocking({
        let (url, dir) = (url.clone(), stranger.0.clone());
        move || doctor(&url, &dir)
    })
    .await
    .expect("doctor ran");
    let (status, detail) = server_line(&out);
    assert_eq!(status, "fail", "{detail}");

    // This user: the app's record names the server.
    let mine = Xdg::new();
    let _published = hosted.publish(&mine);
    let out = tokio::task::spawn_blocking({
        let (url, dir) = (url.clone(), mine.0.clone());
        move || doctor(&url, &dir)
    })
    .await
    .expect("doctor ran");
    let (status, detail) = server_line(&out);
    assert_eq!(status, "ok", "{detail}");
    hosted.server.shutdown().await;
}
