//! Command-line flags (with environment fallbacks) of the `peercall-signal` binary.

use super::config::{Config, Limits, Timing, TlsConfig, TurnConfig};
use super::ServerError;
use clap::Parser;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Peercall signaling server (protocol v1): WebSocket at /ws, /healthz, /metrics.
#[derive(Debug, Clone, Parser)]
#[command(name = "peercall-signal", version, about, long_about = None)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 7788)]
    pub port: u16,
    /// TLS certificate chain (PEM). With --key the server speaks wss://.
    #[arg(long, env = "CERT", requires = "key")]
    pub cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "KEY", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Shared secret every hello must carry as `token` (compared in constant time).
    #[arg(long, env = "PEERCALL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// STUN URL for clients, e.g. stun:stun.example.org:3478 (repeatable).
    #[arg(long = "stun", value_name = "URL")]
    pub stun: Vec<String>,
    /// TURN URL for clients, e.g. turn:turn.example.org:3478 (repeatable; needs --turn-secret).
    #[arg(long = "turn-url", value_name = "URL", requires = "turn_secret")]
    pub turn_url: Vec<String>,
    /// Secret shared with the TURN server (coturn static-auth-secret).
    #[arg(
        long,
        env = "PEERCALL_TURN_SECRET",
        hide_env_values = true,
        requires = "turn_url"
    )]
    pub turn_secret: Option<String>,
    /// Mint TURN credentials without --token (anyone who says hello gets them).
    #[arg(long, env = "PEERCALL_TURN_WITHOUT_TOKEN")]
    pub turn_without_token: bool,
    /// Lifetime of minted TURN credentials, seconds. Short: a leaked credential is good for
    /// this long. Clients ask for fresh ones halfway through, a call's relay outlives them
    /// (coturn does not check them again while an allocation lives), and an ICE restart
    /// allocates with the newest (docs/protocol.md, "TURN credentials").
    #[arg(long, env = "PEERCALL_TURN_TTL", default_value_t = 600)]
    pub turn_ttl: u64,
    /// Directory served at / (a web client); default: the built-in web client (`web/`).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Web origin allowed to open a WebSocket besides the server's own pages, e.g.
    /// https://app.example.org (repeatable, or comma-separated; `*` allows any page).
    #[arg(
        long = "allow-origin",
        env = "PEERCALL_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    pub allow_origin: Vec<String>,
    /// Largest message answered normally, bytes; bigger ones get `too-large`.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_message_bytes: usize,
    /// WebSocket library message/frame maximum, bytes (past it: `too-large`, close 1009).
    #[arg(long, default_value_t = 256 * 1024)]
    pub ws_max_message_bytes: usize,
    /// Peers per room.
    #[arg(long, default_value_t = 256)]
    pub room_size: usize,
    /// Sustained messages per second per connection.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// Burst of messages per connection.
    #[arg(long, default_value_t = 100.0)]
    pub burst: f64,
    /// Consecutive refused messages before the connection is closed (1008).
    #[arg(long, default_value_t = 20)]
    pub max_strikes: u32,
    /// Messages queued for a dropped peer until it resumes.
    #[arg(long, default_value_t = 256)]
    pub resume_queue: usize,
    /// Seconds from WebSocket open to hello.
    #[arg(long, default_value_t = 5.0)]
    pub hello_timeout: f64,
    /// Seconds between pings.
    #[arg(long, default_value_t = 15.0)]
    pub ping_interval: f64,
    /// Unanswered pings before a connection counts as dropped.
    #[arg(long, default_value_t = 2)]
    pub missed_pongs: u32,
    /// Seconds a dropped peer may resume its session.
    #[arg(long, default_value_t = 30.0)]
    pub resume_window: f64,
    /// Outgoing bytes buffered per connection (and for a dropped peer) before it counts
    /// as too slow.
    #[arg(long, env = "PEERCALL_OUTBOUND_BYTES", default_value_t = 512 * 1024)]
    pub outbound_bytes: usize,
    /// Open connections at most (0: no cap).
    #[arg(long, env = "PEERCALL_MAX_CONNECTIONS", default_value_t = 16_384)]
    pub max_connections: usize,
    /// Open connections per source address, IPv6 per /64 (0: no cap).
    #[arg(long, env = "PEERCALL_MAX_CONNECTIONS_PER_IP", default_value_t = 256)]
    pub max_connections_per_ip: usize,
    /// Seconds a write to a client may take before the connection is dropped.
    #[arg(long, env = "PEERCALL_WRITE_TIMEOUT", default_value_t = 10.0)]
    pub write_timeout: f64,
    /// Seconds idle before TCP keepalive probes (then every third of it, three probes).
    #[arg(long, env = "PEERCALL_TCP_KEEPALIVE", default_value_t = 30.0)]
    pub tcp_keepalive: f64,
    /// Seconds sent data may stay unacknowledged before the kernel drops the connection.
    #[arg(long, env = "PEERCALL_TCP_USER_TIMEOUT", default_value_t = 30.0)]
    pub tcp_user_timeout: f64,
}

impl Args {
    /// Builds the server configuration, reading the certificate files.
    pub fn into_config(self) -> Result<Config, ServerError> {
        let tls = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(TlsConfig {
                cert_pem: std::fs::read(cert)
                    .map_err(|e| ServerError::Tls(format!("{}: {e}", cert.display())))?,
                key_pem: std::fs::read(key)
                    .map_err(|e| ServerError::Tls(format!("{}: {e}", key.display())))?,
            }),
            _ => None,
        };
        let turn = self.turn_secret.map(|secret| TurnConfig {
            urls: self.turn_url,
            secret,
            ttl: Duration::from_secs(self.turn_ttl),
        });
        Ok(Config {
            host: self.host,
            port: self.port,
            tls,
            token: self.token.filter(|t| !t.is_empty()),
            proof_secret: None,
            lan_proof: false,
            stun: self.stun,
            turn,
            turn_without_token: self.turn_without_token,
            static_dir: self.static_dir,
            allowed_origins: self.allow_origin,
            limits: Limits {
                max_message_bytes: self.max_message_bytes,
                ws_max_message_bytes: self.ws_max_message_bytes,
                room_size: self.room_size,
                rate_per_sec: self.rate,
                rate_burst: self.burst,
                max_strikes: self.max_strikes.max(1),
                resume_queue: self.resume_queue,
                outbound_bytes: self.outbound_bytes.max(1),
                max_connections: self.max_connections,
                max_connections_per_ip: self.max_connections_per_ip,
            },
            timing: Timing {
                hello_timeout: secs(self.hello_timeout),
                ping_interval: secs(self.ping_interval),
                missed_pongs: self.missed_pongs.max(1),
                resume_window: secs(self.resume_window),
                write_timeout: secs(self.write_timeout),
                tcp_keepalive: secs(self.tcp_keepalive),
                tcp_user_timeout: secs(self.tcp_user_timeout),
                ..Timing::default()
            },
        })
    }
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s)
        .unwrap_or(Duration::from_millis(1))
        .max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_spec() {
        let c = Args::parse_from(["peercall-signal"]).into_config().unwrap();
        assert_eq!(c.port, 7788);
        assert_eq!(c.limits.max_message_bytes, 65536);
        assert_eq!(c.limits.room_size, 256);
        assert_eq!(c.timing.resume_window, Duration::from_secs(30));
        assert!(c.tls.is_none() && c.turn.is_none());
        let l = Limits::default();
        assert_eq!(
            (
                c.limits.outbound_bytes,
                c.limits.max_connections,
                c.limits.max_connections_per_ip
            ),
            (
                l.outbound_bytes,
                l.max_connections,
                l.max_connections_per_ip
            )
        );
        assert_eq!(c.timing.write_timeout, Timing::default().write_timeout);
    }

    #[test]
    fn turn_flags_need_each_other() {
        assert!(Args::try_parse_from(["x", "--turn-url", "turn:a"]).is_err());
        let c = Args::parse_from([
            "x",
            "--turn-url",
            "turn:a",
            "--turn-secret",
            "s",
            "--stun",
            "stun:b",
        ])
        .into_config()
        .unwrap();
        let turn = c.turn.unwrap();
        assert_eq!(turn.urls, ["turn:a"]);
        assert_eq!(
            turn.ttl,
            Duration::from_secs(600),
            "ten minutes unless told"
        );
        assert_eq!(c.stun, ["stun:b"]);
    }
}
