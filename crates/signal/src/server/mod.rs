//! The signaling server: protocol v1 over WebSockets at `/ws`, plus `/healthz` and
//! `/metrics`. Embeddable: [`Server::bind`] returns a [`ServerHandle`] with the bound
//! address and a graceful [`ServerHandle::shutdown`].
//!
//! Layout: [`config`] (what can be set), `registry` (rooms, peers, sessions — pure),
//! `hello` (the handshake phase), `connection` (one socket after welcome), `http`
//! (router, accept loop, TLS), `turn` (credentials), `metrics`.

mod admission;
pub mod cli;
pub mod config;
mod connection;
mod hello;
mod http;
mod metrics;
mod origin;
#[doc(hidden)]
pub mod outbox;
mod registry;
mod replay;
#[doc(hidden)]
pub mod scripted;
mod state;
mod tcp;
mod timed;
mod tls;
pub mod turn;
mod wire;

pub use crate::ratelimit::TokenBucket;
pub use config::{Config, Limits, Timing, TlsConfig, TurnConfig};
pub use hello::SERVER_NAME;
pub use registry::Registry;

use state::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding the listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Certificate or key unusable.
    #[error("tls: {0}")]
    Tls(String),
    /// [`Config::lan_proof`] without a certificate or a token to prove.
    #[error("the LAN proof needs a TLS certificate and a token (the join code)")]
    LanProofNeedsTlsAndToken,
    /// TURN without a token would hand relay credentials to anyone who says hello.
    #[error(
        "TURN credentials need a token (--token): without one anyone who reaches the server \
         gets relay credentials; pass --turn-without-token to accept that"
    )]
    TurnWithoutToken,
    /// Other I/O.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Entry point of the server library.
pub struct Server;

impl Server {
    /// Binds the listener and starts serving in the background.
    pub async fn bind(config: Config) -> Result<ServerHandle, ServerError> {
        if config.turn.is_some() && config.token.is_none() {
            if !config.turn_without_token {
                return Err(ServerError::TurnWithoutToken);
            }
            tracing::warn!(
                "minting TURN credentials WITHOUT a token: anyone who reaches this server gets relay credentials"
            );
        }
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let local_addr = listener.local_addr()?;
        let acceptor = match &config.tls {
            Some(t) => Some(tls::acceptor(t)?),
            None => None,
        };
        let tls = acceptor.is_some();
        let lan_key = tls::lan_key(&config)?;
        // The real port (when asked for 0): the local-server proof is bound to it.
        let config = Config {
            port: local_addr.port(),
            ..config
        };
        let shared = Arc::new(Shared::new(config).with_lan_key(lan_key));
        let accept = tokio::spawn(http::accept_loop(listener, acceptor, shared.clone()));
        let sweeper = tokio::spawn(sweep(shared.clone()));
        tracing::info!(%local_addr, tls, "signaling server listening");
        Ok(ServerHandle {
            local_addr,
            tls,
            shared,
            accept,
            sweeper,
        })
    }
}

/// A running server.
pub struct ServerHandle {
    local_addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl ServerHandle {
    /// The bound address (the real port when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The WebSocket URL of this server on its bound address, e.g. `ws://127.0.0.1:7788/ws`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", self.local_addr)
    }

    /// Open WebSocket connections right now.
    pub fn open_connections(&self) -> i64 {
        self.shared.metrics.open_connections()
    }

    /// Stops accepting, closes every WebSocket with a close frame (1001), and waits (up
    /// to the configured grace) for every connection to finish.
    pub async fn shutdown(self) {
        self.shared.shutdown.cancel();
        let _ = self.accept.await;
        let _ = self.sweeper.await;
        self.shared.tracker.close();
        let grace = self.shared.config.timing.shutdown_grace;
        if tokio::time::timeout(grace, self.shared.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not finish within {grace:?}");
        }
    }
}

/// Removes peers whose resume window passed.
async fn sweep(shared: Arc<Shared>) {
    let window = shared.config.timing.resume_window;
    let period = (window / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut ticker = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = ticker.tick() => {
                let gone = shared.registry().expire(std::time::Instant::now(), window);
                if gone > 0 {
                    tracing::debug!("{gone} peer(s) did not resume in time");
                }
            }
        }
    }
}
