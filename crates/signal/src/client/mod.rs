//! The signaling client: connects, says hello, and turns the socket into a stream of
//! [`ClientEvent`]s; sends `signal` and `update`; reconnects with jittered exponential
//! backoff and resumes its session so the room never sees it leave.
//!
//! ```no_run
//! # async fn demo() -> Result<(), peercall_signal::client::ClientError> {
//! use peercall_signal::client::{ClientConfig, ClientEvent, SignalClient};
//! let (client, mut events) =
//!     SignalClient::connect(ClientConfig::new("ws://127.0.0.1:7788/ws", "Alice")).await?;
//! while let Some(event) = events.recv().await {
//!     if let ClientEvent::PeerJoined { peer } = event {
//!         println!("{} joined as {}", peer.name, peer.id);
//!     }
//! }
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! Event order: the first event is always `Welcome`. After a dropped connection come
//! `Reconnecting` (once per attempt), then either `Reconnected` (the session was resumed:
//! same id, nobody saw us leave, messages relayed meanwhile follow) or a fresh `Welcome`
//! (the old id is gone: forget the old peer list and any call in progress). `Closed` is
//! always last.

mod backoff;
mod driver;
mod error;
mod handshake;
mod pin;
mod refresh;
mod tls;

pub use backoff::{backoff_delay, ReconnectPolicy};
pub use error::ClientError;
pub use pin::CertPin;

use crate::proof::ServerSecret;
use peercall_protocol::{ErrorCode, IceServer, PeerId, PeerInfo, SignalData};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Everything the client needs to connect. Its `Debug` output shows neither the token
/// nor the proof secret.
#[derive(Clone)]
pub struct ClientConfig {
    /// `ws://host:port/ws` or `wss://host:port/ws`.
    pub url: String,
    /// Display name.
    pub name: String,
    /// Room; `None` joins `lobby`.
    pub room: Option<String>,
    /// Shared secret, when the server requires one.
    pub token: Option<String>,
    /// When set, the server must prove it knows this secret in the WebSocket handshake
    /// (see [`crate::proof`]) before anything is sent to it: the app's local server.
    pub server_proof: Option<ServerSecret>,
    /// A LAN host's join code: over `wss://`, the host must prove it knows the code for the
    /// certificate it serves (see [`crate::lan_proof`]) before anything is sent; its
    /// certificate is then not checked against roots. (The token is set separately:
    /// the app sends the code as the token too.)
    pub lan_code: Option<String>,
    /// The self-signed certificate a `wss://` server must present (not checked against
    /// roots): the one in the local server's record, or the one a LAN host proved with its
    /// code the first time (an empty pin is filled then, and the app keeps it).
    pub cert_pin: Option<CertPin>,
    /// A persistent private id of this installation (`hello.client`): a fresh hello
    /// makes the server drop our own earlier, detached session at once, so we never
    /// see ourselves listed. `None` sends none.
    pub client_id: Option<String>,
    /// Reconnect behaviour.
    pub reconnect: ReconnectPolicy,
    /// Extra trusted root certificates (DER) for `wss://`, e.g. a self-signed server's.
    pub extra_root_certs: Vec<Vec<u8>>,
    /// Time allowed for TCP + TLS + WebSocket handshake + `welcome`.
    pub connect_timeout: Duration,
    /// The client pings this often; silence for two intervals means the server is gone.
    pub ping_interval: Duration,
    /// Largest message accepted from the server.
    pub max_message_size: usize,
    /// Capacity of the event channel and of the outgoing queue kept while reconnecting.
    pub queue_capacity: usize,
    /// Messages per second the client sends at most, sustained (0: unpaced). Kept under
    /// the server's limit (50/s by default), which also counts pings and pongs: a burst
    /// of sends waits here instead of getting the connection closed.
    pub send_rate: f64,
    /// Messages the client may send at once before the rate applies.
    pub send_burst: f64,
    /// How long after a welcome with TURN credentials the client first asks for fresh
    /// ones (then halfway through each answer's lifetime); see `client::refresh`.
    pub ice_refresh_first: Duration,
}

impl ClientConfig {
    /// A configuration with defaults for everything but the URL and the name.
    pub fn new(url: impl Into<String>, name: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            name: name.into(),
            room: None,
            token: None,
            server_proof: None,
            lan_code: None,
            cert_pin: None,
            client_id: None,
            reconnect: ReconnectPolicy::default(),
            extra_root_certs: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(15),
            max_message_size: 1 << 20,
            queue_capacity: 1024,
            send_rate: 40.0,
            send_burst: 80.0,
            ice_refresh_first: refresh::FIRST,
        }
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |set: bool| if set { "<redacted>" } else { "<none>" };
        f.debug_struct("ClientConfig")
            .field("url", &self.url)
            .field("name", &self.name)
            .field("room", &self.room)
            .field("token", &redacted(self.token.is_some()))
            .field("server_proof", &redacted(self.server_proof.is_some()))
            .field("lan_code", &redacted(self.lan_code.is_some()))
            .field("cert_pin", &self.cert_pin.as_ref().and_then(CertPin::get))
            .field("client_id", &redacted(self.client_id.is_some()))
            .field("reconnect", &self.reconnect)
            .field("connect_timeout", &self.connect_timeout)
            .field("ping_interval", &self.ping_interval)
            .finish_non_exhaustive()
    }
}

/// Why the client stopped for good.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// [`SignalClient::close`] was called or the client was dropped.
    ByClient,
    /// The server closed with a policy code. (No longer produced: a close after
    /// `welcome` is retried like a drop and comes back with a fresh identity.)
    ByServer {
        /// WebSocket close code.
        code: u16,
        /// Close reason text.
        reason: String,
    },
    /// A reconnect was refused (bad token, other protocol, …).
    Refused(String),
    /// The connection dropped and reconnecting is disabled or gave up.
    ServerGone {
        /// Reconnect attempts made.
        attempts: u32,
    },
}

/// What the client reports, in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// Joined a room (first event, and again after a reconnect that could not resume).
    Welcome {
        /// Our own id.
        id: PeerId,
        /// Everyone else in the room.
        peers: Vec<PeerInfo>,
        /// For the peer-connection configuration.
        ice_servers: Vec<IceServer>,
    },
    /// Someone entered the room.
    PeerJoined {
        /// The newcomer.
        peer: PeerInfo,
    },
    /// Someone changed name or busy flag.
    PeerUpdated {
        /// The new entry.
        peer: PeerInfo,
    },
    /// Someone left.
    PeerLeft {
        /// Who.
        id: PeerId,
    },
    /// A relayed message from another peer.
    Signal {
        /// The sender (stamped by the server).
        from: PeerId,
        /// The payload.
        data: SignalData,
    },
    /// A relayed message whose `data` is not a known [`SignalData`] (e.g. from a newer
    /// client); passed on untouched.
    RawSignal {
        /// The sender.
        from: PeerId,
        /// The payload.
        data: Value,
    },
    /// The server reported an error about something we sent.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable message.
        message: String,
        /// For `unknown-peer`: the id we sent to.
        to: Option<PeerId>,
    },
    /// The connection dropped; attempt `attempt` follows after `delay`.
    Reconnecting {
        /// 1-based attempt number.
        attempt: u32,
        /// Wait before this attempt.
        delay: Duration,
    },
    /// Freshly minted ICE servers (TURN credentials), replacing those of the welcome.
    IceServers {
        /// For the next peer connections.
        ice_servers: Vec<IceServer>,
    },
    /// The session was resumed: same id, queued messages follow.
    Reconnected,
    /// The client stopped; no more events follow.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Commands from the handle to the driver task.
#[derive(Debug)]
pub(crate) enum Command {
    Send(String),
    Close(oneshot::Sender<()>),
    Reconnect,
}

/// A connected signaling client. Clones share one connection; dropping the last clone
/// closes it cleanly (a leave), as does [`SignalClient::close`] on any clone.
#[derive(Debug, Clone)]
pub struct SignalClient {
    commands: mpsc::Sender<Command>,
    id: Arc<Mutex<PeerId>>,
}

impl SignalClient {
    /// Connects, sends `hello` and waits for `welcome`. The returned receiver yields a
    /// `Welcome` event first, then presence, relayed messages and connection events.
    ///
    /// Errors: [`ClientError::Unauthorized`], [`ClientError::UnsupportedProtocol`],
    /// [`ClientError::Refused`] (e.g. room full), [`ClientError::Timeout`],
    /// [`ClientError::WebSocket`] when the server cannot be reached.
    pub async fn connect(
        config: ClientConfig,
    ) -> Result<(SignalClient, mpsc::Receiver<ClientEvent>), ClientError> {
        let connector = handshake::Connector::new(&config)?;
        let (socket, welcome) = connector.open(&config, None, 0).await?;
        let id = Arc::new(Mutex::new(welcome.id.clone()));
        let (cmd_tx, cmd_rx) = mpsc::channel(config.queue_capacity.max(1));
        let (event_tx, event_rx) = mpsc::channel(config.queue_capacity.max(1));
        let driver = driver::Driver::new(config, connector, cmd_rx, event_tx, id.clone());
        tokio::spawn(driver.run(socket, welcome));
        Ok((
            SignalClient {
                commands: cmd_tx,
                id,
            },
            event_rx,
        ))
    }

    /// Our current id (changes only after a reconnect that could not resume).
    pub fn id(&self) -> PeerId {
        match self.id.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Relays `data` to peer `to`. While reconnecting the message is queued and sent
    /// once the connection is back.
    pub async fn send_signal(&self, to: &PeerId, data: SignalData) -> Result<(), ClientError> {
        let data = serde_json::to_value(&data).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.send_raw_signal(to, data).await
    }

    /// Relays an arbitrary JSON object to peer `to` (the server treats `data` as opaque).
    pub async fn send_raw_signal(&self, to: &PeerId, data: Value) -> Result<(), ClientError> {
        let msg = peercall_protocol::ClientMessage::Signal(peercall_protocol::Relay {
            to: to.clone(),
            data,
        });
        self.send(msg.to_json()).await
    }

    /// Changes our name and/or busy flag; others get `peer-updated`.
    pub async fn update(
        &self,
        name: Option<String>,
        busy: Option<bool>,
    ) -> Result<(), ClientError> {
        let msg =
            peercall_protocol::ClientMessage::Update(peercall_protocol::Update { name, busy });
        self.send(msg.to_json()).await
    }

    /// Drops the connection without a close frame and resumes the session on a new one
    /// at once: for when the network under it changed (a new local address), which
    /// leaves the old TCP connection dead without anyone noticing for a ping interval
    /// or two. Messages sent meanwhile are queued and go out once resumed.
    pub async fn reconnect_now(&self) -> Result<(), ClientError> {
        self.commands
            .send(Command::Reconnect)
            .await
            .map_err(|_| ClientError::ServerGone)
    }

    /// Closes the connection with a close frame (the room sees `peer-left` at once) and
    /// waits until the driver has finished.
    pub async fn close(self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Close(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    async fn send(&self, text: String) -> Result<(), ClientError> {
        self.commands
            .send(Command::Send(text))
            .await
            .map_err(|_| ClientError::ServerGone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_cross_threads() {
        send_sync::<SignalClient>();
        send_sync::<ClientEvent>();
        send_sync::<ClientError>();
    }

    #[test]
    fn bad_urls_are_refused_before_connecting() {
        let config = ClientConfig::new("http://example.invalid/ws", "x");
        assert!(matches!(
            handshake::Connector::new(&config),
            Err(ClientError::InvalidUrl(_))
        ));
    }
}
