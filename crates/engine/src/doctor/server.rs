//! The signaling check: connect, hello, welcome (within the client's connect timeout),
//! then leave. It joins a room of its own so nobody in the lobby sees it come and go,
//! and sends no installation id (which would replace the app's own session).

use peercall_protocol::IceServer;
use peercall_signal::client::{ClientConfig, ClientError, ClientEvent, SignalClient};

use super::findings::ServerFinding;

/// Connects with `config`; the finding, and the welcome's ICE servers when it came.
pub async fn check(mut config: ClientConfig) -> (ServerFinding, Vec<IceServer>) {
    config.client_id = None;
    config.room = Some(format!("connection-check-{:016x}", rand::random::<u64>()));
    let limit = config.connect_timeout;
    match SignalClient::connect(config).await {
        Ok((client, mut events)) => {
            let servers = match events.recv().await {
                Some(ClientEvent::Welcome { ice_servers, .. }) => ice_servers,
                _ => Vec::new(),
            };
            client.close().await;
            let count = |turn: bool| {
                servers
                    .iter()
                    .flat_map(|s| s.urls.iter())
                    .filter(|u| u.starts_with("turn") == turn)
                    .count()
            };
            let finding = ServerFinding::Joined {
                stun: count(false),
                turn: count(true),
            };
            (finding, servers)
        }
        Err(e) => (finding_of(&e, limit), Vec::new()),
    }
}

/// The finding for a connect error.
fn finding_of(e: &ClientError, limit: std::time::Duration) -> ServerFinding {
    match e {
        ClientError::InvalidUrl(_) => ServerFinding::InvalidUrl,
        ClientError::Unreachable(io) => ServerFinding::Unreachable(io.to_string()),
        ClientError::Tls(tls) => ServerFinding::Certificate(tls.to_string()),
        ClientError::Unauthorized(m) => ServerFinding::TokenRefused(m.clone()),
        ClientError::UnsupportedProtocol(m) => {
            ServerFinding::Refused(format!("it speaks another protocol version ({m})"))
        }
        ClientError::Refused { code, message } => {
            ServerFinding::Refused(format!("{message} ({code})"))
        }
        ClientError::NotProven => ServerFinding::NotProven,
        ClientError::Timeout => ServerFinding::Timeout(limit),
        other => ServerFinding::Other(other.to_string()),
    }
}
