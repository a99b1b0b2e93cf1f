//! The task that owns the socket: reads frames into events, writes commands, pings, and
//! reconnects with resume when the connection drops.

use super::backoff::backoff_delay;
use super::handshake::{Connector, Socket};
use super::refresh::IceRefresh;
use super::{ClientConfig, ClientEvent, CloseReason, Command};
use crate::ratelimit::TokenBucket;
use crate::seq::seq_of;
use futures_util::{SinkExt, StreamExt};
use peercall_protocol::{Ack, ClientMessage, ErrorCode};
use peercall_protocol::{PeerId, ServerMessage, SignalData, Welcome};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// How one connection ended.
enum Ended {
    /// `close()` was called (with its acknowledgement) or every handle was dropped.
    ByClient(Option<oneshot::Sender<()>>),
    /// The socket dropped or went silent: reconnect and resume.
    Dropped,
    /// Stop for good.
    Fatal(CloseReason),
}

pub(crate) struct Driver {
    config: ClientConfig,
    connector: Arc<Connector>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<ClientEvent>,
    id: Arc<Mutex<PeerId>>,
    session: String,
    outbox: VecDeque<String>,
    /// Paces sends under the server's rate limit (`None`: unpaced).
    pace: Option<TokenBucket>,
    /// The highest `seq` received in this session (0: none), and the highest acked.
    last_seq: u64,
    acked: u64,
    /// When to ask for fresh TURN credentials.
    refresh: IceRefresh,
}

/// Acknowledge after this many sequenced messages, or [`ACK_INTERVAL`] after the first
/// unacknowledged one, whichever comes first (acks count against the rate limit).
const ACK_EVERY: u64 = 16;
const ACK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

impl Driver {
    pub(crate) fn new(
        config: ClientConfig,
        connector: Connector,
        commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<ClientEvent>,
        id: Arc<Mutex<PeerId>>,
    ) -> Self {
        Driver {
            connector: Arc::new(connector),
            commands,
            events,
            id,
            pace: (config.send_rate > 0.0).then(|| {
                TokenBucket::new(
                    config.send_rate,
                    config.send_burst,
                    std::time::Instant::now(),
                )
            }),
            config,
            session: String::new(),
            outbox: VecDeque::new(),
            last_seq: 0,
            acked: 0,
            refresh: IceRefresh::default(),
        }
    }

    pub(crate) async fn run(mut self, first: Socket, welcome: Welcome) {
        self.adopt(welcome).await;
        let mut socket = first;
        let ended = loop {
            match self.serve(&mut socket).await {
                Ended::Dropped => {
                    // No close frame: to the server this is a drop, so it keeps our id.
                    // The old socket is shut down before the first new attempt.
                    let _ = tokio::time::timeout(
                        std::time::Duration::from_millis(100),
                        tokio::io::AsyncWriteExt::shutdown(socket.get_mut()),
                    )
                    .await;
                    match self.reconnect().await {
                        Ok(next) => socket = next,
                        Err(ended) => break ended,
                    }
                }
                ended @ Ended::ByClient(_) => {
                    let close = socket.close(None);
                    let _ = tokio::time::timeout(self.config.connect_timeout, close).await;
                    break ended;
                }
                ended => break ended,
            }
        };
        match ended {
            Ended::ByClient(ack) => {
                self.emit(ClientEvent::Closed {
                    reason: CloseReason::ByClient,
                })
                .await;
                if let Some(ack) = ack {
                    let _ = ack.send(());
                }
            }
            Ended::Fatal(reason) => self.emit(ClientEvent::Closed { reason }).await,
            Ended::Dropped => {}
        }
    }

    /// Takes over the identity of a `welcome` and reports it.
    async fn adopt(&mut self, welcome: Welcome) {
        self.session = welcome.session;
        let with_credentials = welcome.ice_servers.iter().any(|s| s.credential.is_some());
        self.refresh.on_welcome(
            with_credentials,
            self.config.ice_refresh_first,
            Instant::now(),
        );
        match self.id.lock() {
            Ok(mut g) => *g = welcome.id.clone(),
            Err(poisoned) => *poisoned.into_inner() = welcome.id.clone(),
        }
        if welcome.resumed {
            self.emit(ClientEvent::Reconnected).await;
        } else {
            // A fresh identity: anything queued for the old one's peers is meaningless.
            self.outbox.clear();
            self.last_seq = 0;
            self.acked = 0;
            self.emit(ClientEvent::Welcome {
                id: welcome.id,
                peers: welcome.peers,
                ice_servers: welcome.ice_servers,
            })
            .await;
        }
    }

    async fn serve(&mut self, socket: &mut Socket) -> Ended {
        let interval = self.config.ping_interval;
        let mut ticker = tokio::time::interval_at(Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        let mut acks = tokio::time::interval(ACK_INTERVAL);
        acks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let wait = self.pace_wait();
            // What queued up while reconnecting goes first, paced like everything else.
            let backlog = !self.outbox.is_empty();
            tokio::select! {
                frame = socket.next() => {
                    let frame = match frame {
                        Some(Ok(frame)) => frame,
                        Some(Err(e)) => {
                            tracing::debug!("signaling connection failed: {e}");
                            return Ended::Dropped;
                        }
                        None => return Ended::Dropped,
                    };
                    last_heard = Instant::now();
                    match frame {
                        Message::Text(text) => self.on_text(&text).await,
                        Message::Close(frame) => return on_close(frame),
                        _ => {}
                    }
                    if self.last_seq >= self.acked + ACK_EVERY && !self.ack(socket).await {
                        return Ended::Dropped;
                    }
                }
                _ = acks.tick() => {
                    if self.last_seq > self.acked && !self.ack(socket).await {
                        return Ended::Dropped;
                    }
                }
                _ = tokio::time::sleep(wait), if backlog || !wait.is_zero() => {
                    if backlog && self.take_token() {
                        if let Some(text) = self.outbox.pop_front() {
                            if socket.send(Message::text(text.clone())).await.is_err() {
                                self.outbox.push_front(text);
                                return Ended::Dropped;
                            }
                        }
                    }
                }
                cmd = self.commands.recv(), if !backlog && wait.is_zero() => match cmd {
                    None => return Ended::ByClient(None),
                    Some(Command::Close(ack)) => return Ended::ByClient(Some(ack)),
                    Some(Command::Reconnect) => {
                        tracing::info!("reconnecting at once: the network changed");
                        return Ended::Dropped;
                    }
                    Some(Command::Send(text)) => {
                        self.take_token();
                        if socket.send(Message::text(text.clone())).await.is_err() {
                            self.queue(text);
                            return after_write_error(socket).await;
                        }
                    }
                },
                _ = sleep_until_opt(self.refresh.due()), if wait.is_zero() => {
                    self.take_token();
                    let ask = ClientMessage::IceServers.to_json();
                    if socket.send(Message::text(ask)).await.is_err() {
                        return Ended::Dropped;
                    }
                    self.refresh.sent(Instant::now());
                }
                _ = ticker.tick() => {
                    if last_heard.elapsed() > interval * 2 {
                        tracing::info!("signaling server silent for {:?}; reconnecting", last_heard.elapsed());
                        return Ended::Dropped;
                    }
                    if socket.send(Message::Ping(Default::default())).await.is_err() {
                        return Ended::Dropped;
                    }
                }
            }
        }
    }

    /// Acknowledges everything received, if the pacer has a token for it (else a
    /// later tick does); `false` if the socket failed.
    async fn ack(&mut self, socket: &mut Socket) -> bool {
        if !self.pace_wait().is_zero() || !self.take_token() {
            return true;
        }
        let seq = self.last_seq;
        let text = ClientMessage::Ack(Ack { seq }).to_json();
        if socket.send(Message::text(text)).await.is_err() {
            return false;
        }
        self.acked = seq;
        true
    }

    /// How long until the pacer lets the next message go.
    fn pace_wait(&mut self) -> std::time::Duration {
        self.pace.as_mut().map_or(std::time::Duration::ZERO, |p| {
            p.wait(std::time::Instant::now())
        })
    }

    fn take_token(&mut self) -> bool {
        self.pace
            .as_mut()
            .is_none_or(|p| p.try_take(std::time::Instant::now()))
    }

    async fn reconnect(&mut self) -> Result<Socket, Ended> {
        let policy = self.config.reconnect.clone();
        let mut attempt: u32 = 0;
        loop {
            if !policy.enabled || policy.max_attempts.is_some_and(|max| attempt >= max) {
                return Err(Ended::Fatal(CloseReason::ServerGone { attempts: attempt }));
            }
            attempt += 1;
            let delay = backoff_delay(&policy, attempt, rand::random::<f64>());
            self.emit(ClientEvent::Reconnecting { attempt, delay })
                .await;
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    cmd = self.commands.recv() => if self.command_while_away(cmd)? {
                        break; // asked to try now
                    },
                }
            }
            let session = self.session.clone();
            let config = self.config.clone();
            let connector = self.connector.clone();
            let open = connector.open(&config, Some(&session), self.last_seq);
            tokio::pin!(open);
            let result = loop {
                tokio::select! {
                    r = &mut open => break r,
                    cmd = self.commands.recv() => {
                        self.command_while_away(cmd)?;
                    }
                }
            };
            match result {
                Ok((socket, welcome)) => {
                    self.adopt(welcome).await;
                    return Ok(socket);
                }
                Err(e) if e.is_fatal() => {
                    return Err(Ended::Fatal(CloseReason::Refused(e.to_string())));
                }
                Err(e) => tracing::debug!("reconnect attempt {attempt} failed: {e}"),
            }
        }
    }

    /// A command while reconnecting; `Ok(true)` when it asks to try at once.
    fn command_while_away(&mut self, cmd: Option<Command>) -> Result<bool, Ended> {
        match cmd {
            None => Err(Ended::ByClient(None)),
            Some(Command::Close(ack)) => Err(Ended::ByClient(Some(ack))),
            Some(Command::Reconnect) => Ok(true),
            Some(Command::Send(text)) => {
                self.queue(text);
                Ok(false)
            }
        }
    }

    fn queue(&mut self, text: String) {
        if self.outbox.len() >= self.config.queue_capacity {
            tracing::warn!("signaling outbox full while reconnecting; dropping the oldest message");
            self.outbox.pop_front();
        }
        self.outbox.push_back(text);
    }

    async fn on_text(&mut self, text: &str) {
        if let Some(seq) = seq_of(text) {
            if seq <= self.last_seq {
                return; // replayed after a resume, but it had arrived: exactly once
            }
            self.last_seq = seq;
        }
        let msg = match ServerMessage::from_json(text) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("ignoring malformed server message: {e}");
                return;
            }
        };
        let event = match msg {
            ServerMessage::PeerJoined { peer } => ClientEvent::PeerJoined { peer },
            ServerMessage::PeerUpdated { peer } => ClientEvent::PeerUpdated { peer },
            ServerMessage::PeerLeft { id } => ClientEvent::PeerLeft { id },
            ServerMessage::Signal { from, data } => {
                match serde_json::from_value::<SignalData>(data.clone()) {
                    Ok(data) => ClientEvent::Signal { from, data },
                    Err(_) => ClientEvent::RawSignal { from, data },
                }
            }
            ServerMessage::IceServers { ice_servers, ttl } => {
                self.refresh.answered(ttl, Instant::now());
                ClientEvent::IceServers { ice_servers }
            }
            ServerMessage::Error(e)
                if e.code == ErrorCode::UnknownType && self.refresh.refused_unknown_type() =>
            {
                tracing::debug!("the server cannot refresh ICE servers; keeping the welcome's");
                return;
            }
            ServerMessage::Error(e) => ClientEvent::Error {
                code: e.code,
                message: e.message,
                to: e.to,
            },
            ServerMessage::Welcome(_) | ServerMessage::Unknown => return,
        };
        self.emit(event).await;
    }

    async fn emit(&self, event: ClientEvent) {
        // A dropped receiver only means nobody listens; the connection stays useful.
        let _ = self.events.send(event).await;
    }
}

/// Sleeps until `at`, or forever without one.
async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A write failed: the server may have closed with a reason we have not read yet.
async fn after_write_error(socket: &mut Socket) -> Ended {
    let read_close = async {
        while let Some(Ok(frame)) = socket.next().await {
            if let Message::Close(frame) = frame {
                return on_close(frame);
            }
        }
        Ended::Dropped
    };
    tokio::time::timeout(std::time::Duration::from_millis(200), read_close)
        .await
        .unwrap_or(Ended::Dropped)
}

/// Any close after `welcome` is retried: going away (a restart), superseded, too big,
/// and a policy close (1008, e.g. after repeated refusals) too — the server removed the
/// peer then, so the reconnect comes back with a fresh identity instead of leaving the
/// app offline while it believes it is online. The backoff keeps the retries slow.
fn on_close(frame: Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>) -> Ended {
    if let Some(f) = frame.filter(|f| f.code == CloseCode::Policy) {
        tracing::warn!(reason = %f.reason, "the signaling server closed us (1008); reconnecting");
    }
    Ended::Dropped
}
