//! The desktop app's loopback server takes a token too: another user of the same machine
//! reaches 127.0.0.1 like this user does, but cannot read this user's record
//! (`peercall_signal::local_record`, 0600 in a 0700 directory), so without the token its
//! `hello` is refused. This user's clients read the token (and the secret the server proves)
//! from the record: pointing one at the plain loopback URL still needs no configuration.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use peercall_signal::client::{ClientError, ClientEvent, SignalClient};
use peercall_signal::local_record::{LocalRecord, RuntimeDir};
use peercall_signal::proof::ServerSecret;

const TOKEN: &str = "0f9e8d7c6b5a49382716050403020100";

/// A fresh base for the runtime directory (a stand-in for `XDG_RUNTIME_DIR`), removed on drop.
struct Base(PathBuf);

impl Base {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "peercall-local-token-{:016x}",
            rand::random::<u64>()
        ));
        std::fs::create_dir(&dir).expect("temp dir");
        Base(dir)
    }

    fn runtime(&self) -> RuntimeDir {
        RuntimeDir::open(self.0.to_str(), Path::new("/nonexistent")).expect("runtime dir")
    }
}

impl Drop for Base {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback server as the app hosts it: token, proof secret, and its published record.
async fn hosted(
    runtime: &RuntimeDir,
) -> (
    peercall_signal::server::ServerHandle,
    peercall_signal::local_record::Published,
) {
    let secret = ServerSecret::random();
    let mut config = fast_config();
    config.token = Some(TOKEN.into());
    config.proof_secret = Some(secret.clone());
    let server = start(config).await;
    let record = LocalRecord {
        port: server.local_addr().port(),
        pid: std::process::id(),
        secret,
        token: Some(TOKEN.into()),
        cert: None,
    };
    let published = runtime.publish(&record).expect("published");
    (server, published)
}

fn no_retry(url: &str) -> peercall_signal::client::ClientConfig {
    let mut config = client_config(url, "Mallory");
    config.reconnect.enabled = false;
    config
}

#[tokio::test]
async fn a_client_without_the_token_is_refused_by_the_loopback_server() {
    let base = Base::new();
    let (server, _published) = hosted(&base.runtime()).await;
    // Another user: the same URL, but no record to read the token from.
    for token in [None, Some(""), Some("guess")] {
        let mut config = no_retry(&server.url());
        config.token = token.map(str::to_owned);
        let err = SignalClient::connect(config)
            .await
            .expect_err("refused without the token");
        assert!(
            matches!(err, ClientError::Unauthorized(_)),
            "{token:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn this_users_client_gets_in_with_the_plain_url_and_the_record() {
    let base = Base::new();
    let runtime = base.runtime();
    let (server, _published) = hosted(&runtime).await;
    let mut config = no_retry(&server.url());
    config.name = "Alice".into();
    assert!(runtime.fill_client_config(&mut config).expect("trusted"));
    assert_eq!(config.token.as_deref(), Some(TOKEN));
    assert!(config.server_proof.is_some(), "the server is proven too");
    let (client, mut events) = SignalClient::connect(config).await.expect("gets in");
    let first = tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("an event in time");
    assert!(
        matches!(first, Some(ClientEvent::Welcome { .. })),
        "{first:?}"
    );
    client.close().await;
}

#[tokio::test]
async fn a_configured_token_or_another_server_is_left_alone() {
    let base = Base::new();
    let runtime = base.runtime();
    let (server, _published) = hosted(&runtime).await;
    let mut typed = no_retry(&server.url());
    typed.token = Some("typed-in-settings".into());
    assert!(!runtime.fill_client_config(&mut typed).expect("ok"));
    assert_eq!(typed.token.as_deref(), Some("typed-in-settings"));
    assert!(typed.server_proof.is_none());
    let port = server.local_addr().port();
    for url in [
        format!("wss://127.0.0.1:{port}/ws"),
        format!("ws://192.0.2.1:{port}/ws"),
    ] {
        let mut other = no_retry(&url);
        assert!(
            !runtime.fill_client_config(&mut other).expect("ok"),
            "{url}"
        );
        assert!(other.token.is_none() && other.server_proof.is_none());
    }
}
