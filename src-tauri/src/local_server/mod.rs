//! The zero-config default: use a signaling server already running on this machine, else host
//! the embedded one (the same crate as the standalone server) for the local network.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use peercall_signal::server::{Config, Server, ServerError, ServerHandle};

/// The port the embedded server uses, so other apps on the machine and the LAN can find it.
pub const LOCAL_PORT: u16 = 7788;

/// Where the app should connect, and the server it hosts (if it had to).
pub struct LocalSignaling {
    pub url: String,
    /// Set when this app hosts the server: the address others can join.
    pub hosting: Option<String>,
    /// The hosted server, held for the app's life.
    pub _handle: Option<ServerHandle>,
}

/// Why the local server could be neither found nor hosted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalServerError {
    /// Nothing answered on the port and the embedded server could not start on it.
    #[error(transparent)]
    Host(#[from] ServerError),
}

fn port() -> u16 {
    std::env::var("PEERCALL_LOCAL_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(LOCAL_PORT)
}

/// Finds or starts the local server.
pub async fn find_or_host() -> Result<LocalSignaling, LocalServerError> {
    let port = port();
    let url = format!("ws://127.0.0.1:{port}/ws");
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)),
    )
    .await;
    if matches!(probe, Ok(Ok(_))) {
        tracing::info!(%url, "using the signaling server already running on this machine");
        return Ok(LocalSignaling {
            url,
            hosting: None,
            _handle: None,
        });
    }
    let config = Config {
        host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        port,
        ..Config::default()
    };
    let handle = Server::bind(config).await?;
    let hosting = lan_address().map_or_else(
        || format!("ws://127.0.0.1:{port}/ws"),
        |ip| format!("ws://{ip}:{port}/ws"),
    );
    tracing::info!(%hosting, "hosting the embedded signaling server");
    Ok(LocalSignaling {
        url,
        hosting: Some(hosting),
        _handle: Some(handle),
    })
}

/// This machine's address on the local network, as the route to a public address would use
/// (a UDP "connect" sends nothing).
fn lan_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}
