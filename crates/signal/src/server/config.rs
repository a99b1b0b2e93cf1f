//! Server configuration: addresses, TLS, auth, ICE servers, limits and timing.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::proof::ServerSecret;

/// Everything the server needs to run. `Config::default()` is the spec's defaults on
/// `0.0.0.0:7788`; tests use `Config::loopback()` with port 0. Its `Debug` output shows
/// neither the token nor the proof secret.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on (0: any free port; see [`super::ServerHandle::local_addr`]).
    pub port: u16,
    /// Certificate and key: when set the server speaks `wss://`.
    pub tls: Option<TlsConfig>,
    /// When set, `hello.token` must equal it.
    pub token: Option<String>,
    /// When set, a WebSocket upgrade that carries a challenge gets the answer that proves
    /// this server knows the secret (see [`crate::proof`]); for the app's local server.
    pub proof_secret: Option<ServerSecret>,
    /// The desktop app's LAN host: with `tls` and `token` (its join code), a WebSocket
    /// upgrade that carries a challenge also gets the answer that proves the server knows
    /// the code for the certificate it serves (see [`crate::lan_proof`]).
    pub lan_proof: bool,
    /// STUN URLs handed out in `welcome.iceServers`.
    pub stun: Vec<String>,
    /// TURN server for which per-client credentials are minted.
    pub turn: Option<TurnConfig>,
    /// Mint TURN credentials even without a token, i.e. for anyone who says hello
    /// (refused otherwise: see [`super::ServerError::TurnWithoutToken`]).
    pub turn_without_token: bool,
    /// Directory served at `/` (a web client).
    pub static_dir: Option<PathBuf>,
    /// Web origins (`https://host[:port]`, or `*`) allowed to open a WebSocket besides
    /// the server's own pages; a handshake without `Origin` (a native client) is always
    /// allowed.
    pub allowed_origins: Vec<String>,
    /// Size, rate and room limits.
    pub limits: Limits,
    /// Timeouts and intervals.
    pub timing: Timing,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |set: bool| if set { "<redacted>" } else { "<none>" };
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("token", &redacted(self.token.is_some()))
            .field("proof_secret", &redacted(self.proof_secret.is_some()))
            .field("lan_proof", &self.lan_proof)
            .field("stun", &self.stun)
            .field("turn", &self.turn)
            .field("turn_without_token", &self.turn_without_token)
            .field("static_dir", &self.static_dir)
            .field("allowed_origins", &self.allowed_origins)
            .field("limits", &self.limits)
            .field("timing", &self.timing)
            .finish()
    }
}

/// PEM-encoded certificate chain and private key.
#[derive(Clone)]
pub struct TlsConfig {
    /// Certificate chain, PEM.
    pub cert_pem: Vec<u8>,
    /// Private key, PEM.
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// TURN REST credentials (coturn `use-auth-secret`).
#[derive(Clone)]
pub struct TurnConfig {
    /// `turn:`/`turns:` URLs.
    pub urls: Vec<String>,
    /// The secret shared with the TURN server (`static-auth-secret`).
    pub secret: String,
    /// Credential lifetime.
    pub ttl: Duration,
}

impl std::fmt::Debug for TurnConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnConfig")
            .field("urls", &self.urls)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Limits; the defaults are the spec's.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest message answered normally; bigger ones get `too-large` (64 KiB).
    pub max_message_bytes: usize,
    /// The WebSocket library's message and frame maximum. A frame past it cannot even be
    /// read: the server answers `too-large` and closes (code 1009). Default 4 × the
    /// message limit, so moderately large messages get an error and the connection lives.
    pub ws_max_message_bytes: usize,
    /// Peers per room (256).
    pub room_size: usize,
    /// Sustained messages per second per connection (50).
    pub rate_per_sec: f64,
    /// Burst allowance per connection (100).
    pub rate_burst: f64,
    /// Consecutive refused messages (rate-limited or too large) after which the
    /// connection is closed with 1008.
    pub max_strikes: u32,
    /// Messages kept for a dropped peer until it resumes (bounded queue).
    pub resume_queue: usize,
    /// Outgoing bytes buffered per connection (and kept for a dropped peer until it
    /// resumes) before it counts as too slow. One message always fits an empty queue.
    pub outbound_bytes: usize,
    /// Open TCP connections at most (0: no cap).
    pub max_connections: usize,
    /// Open TCP connections per source address (IPv6: per /64) at most (0: no cap).
    pub max_connections_per_ip: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 64 * 1024,
            ws_max_message_bytes: 256 * 1024,
            room_size: 256,
            rate_per_sec: 50.0,
            rate_burst: 100.0,
            max_strikes: 20,
            resume_queue: 256,
            outbound_bytes: 512 * 1024,
            max_connections: 16_384,
            max_connections_per_ip: 256,
        }
    }
}

/// Timing; the defaults are the spec's.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Time allowed from WebSocket open to `hello` (5 s).
    pub hello_timeout: Duration,
    /// Ping interval (15 s).
    pub ping_interval: Duration,
    /// Unanswered pings after which a connection counts as dropped (2).
    pub missed_pongs: u32,
    /// How long a dropped peer may resume (30 s).
    pub resume_window: Duration,
    /// How long shutdown waits for connections to close.
    pub shutdown_grace: Duration,
    /// Longest a write (or close frame) to a client may take; past it the connection
    /// is dropped (10 s).
    pub write_timeout: Duration,
    /// TCP keepalive: idle time before the first probe (probes then every third of it,
    /// three of them) (30 s).
    pub tcp_keepalive: Duration,
    /// TCP user timeout: longest sent data may stay unacknowledged before the kernel
    /// drops the connection (30 s).
    pub tcp_user_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            hello_timeout: Duration::from_secs(5),
            ping_interval: Duration::from_secs(15),
            missed_pongs: 2,
            resume_window: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            tcp_keepalive: Duration::from_secs(30),
            tcp_user_timeout: Duration::from_secs(30),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 7788,
            tls: None,
            token: None,
            proof_secret: None,
            lan_proof: false,
            stun: Vec::new(),
            turn: None,
            turn_without_token: false,
            static_dir: None,
            allowed_origins: Vec::new(),
            limits: Limits::default(),
            timing: Timing::default(),
        }
    }
}

impl Config {
    /// Defaults, but on `127.0.0.1` and an ephemeral port (for tests and embedding).
    pub fn loopback() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            ..Config::default()
        }
    }
}
