//! A fresh stand-in for `XDG_RUNTIME_DIR` (0700, as the spec wants), removed on drop, and
//! a loopback server hosted the way the app hosts it (a token and a proof secret, its record
//! published into such a directory when the test says so).

use std::path::{Path, PathBuf};

use peercall_signal::local_record::{LocalRecord, Published, RuntimeDir};
use peercall_signal::proof::ServerSecret;
use peercall_signal::server::{Config, Server, ServerHandle};

pub struct Xdg(pub PathBuf);

impl Xdg {
    pub fn new() -> Self {
        use std::os::unix::fs::DirBuilderExt;
        let dir = std::env::temp_dir().join(format!(
            "peercall-agent-xdg-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .expect("xdg dir");
        Xdg(dir)
    }
}

impl Drop for Xdg {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback server with the app's kind of token and proof secret, not yet published.
pub struct Hosted {
    pub server: ServerHandle,
    pub port: u16,
    pub url: String,
    secret: ServerSecret,
    token: String,
}

impl Hosted {
    pub async fn start() -> Self {
        let secret = ServerSecret::random();
        let token = "0123456789abcdef0123456789abcdef".to_owned();
        let server = Server::bind(Config {
            port: 0,
            token: Some(token.clone()),
            proof_secret: Some(secret.clone()),
            ..Config::default()
        })
        .await
        .expect("binds on loopback");
        let port = server.local_addr().port();
        Hosted {
            url: format!("ws://127.0.0.1:{port}/ws"),
            server,
            port,
            secret,
            token,
        }
    }

    /// Writes its record (token and secret) into `xdg`, as the app does once it listens;
    /// removed when the guard drops.
    pub fn publish(&self, xdg: &Xdg) -> Published {
        let runtime = RuntimeDir::open(xdg.0.to_str(), Path::new("/nonexistent")).expect("runtime");
        runtime
            .publish(&LocalRecord {
                port: self.port,
                pid: std::process::id(),
                secret: self.secret.clone(),
                token: Some(self.token.clone()),
                cert: None,
            })
            .expect("published")
    }
}
