//! One WebSocket connection after `welcome`: reads client messages through the limits
//! (rate, size), applies them to the registry, writes what the registry queues for it,
//! pings, and decides how it ended — a clean close is a leave, a drop (no close frame,
//! missed pongs) keeps the peer for the resume window.

use super::hello::handshake;
use super::outbox::{self, Inbox};
use super::replay::seq_of;
use super::state::Shared;
use super::wire::WsIo;
use super::wire::{self, close};
use crate::ratelimit::TokenBucket;
use axum::extract::ws::Message;
use peercall_protocol::{
    decode_client_message, ClientMessage, ErrorCode, ErrorMessage, PeerId, ServerMessage,
};
use std::sync::Arc;
use std::time::Instant;
use tokio::time::MissedTickBehavior;

/// How the connection ended, which decides what happens to the peer.
enum End {
    /// Clean close (or closed by us for a violation): the peer leaves.
    Leave,
    /// Dropped without a close frame or silent: keep the peer for the resume window.
    Drop,
    /// The registry detached or replaced this connection; nothing to do.
    Superseded,
    /// Server shutdown.
    Shutdown,
}

/// What to do after one inbound message.
enum Flow {
    Continue,
    Close(u16, &'static str),
}

/// Serves one upgraded socket from `hello` to the end.
pub async fn serve<S: WsIo>(mut ws: S, shared: Arc<Shared>) {
    shared.metrics.connection_opened();
    let conn = shared.next_conn();
    let (outbox, mut inbox) = outbox::channel(
        shared.config.limits.outbound_bytes,
        shared.metrics.outbound_bytes.clone(),
    );
    if let Some(joined) = handshake(&mut ws, &shared, conn, outbox).await {
        let id = joined.id;
        tracing::debug!(peer = %id, conn, resumed = joined.resumed, "peer attached");
        let mut unsent = Vec::new();
        let end = Session::new(&shared, id.clone())
            .run(&mut ws, &mut inbox, &mut unsent)
            .await;
        let now = Instant::now();
        match end {
            End::Leave => shared.registry().leave(&id, conn, now),
            End::Drop => {
                // Under the registry lock nothing new can enter the inbox: the first
                // message not written is known exactly, and the peer's log keeps it and
                // everything after it for the resume.
                let mut registry = shared.registry();
                while let Some(text) = inbox.try_recv() {
                    unsent.push(text);
                }
                let first_unsent = unsent.first().and_then(|t| seq_of(t));
                registry.detach(&id, conn, now, first_unsent);
            }
            End::Superseded | End::Shutdown => {}
        }
    }
    shared.metrics.connection_closed();
}

/// Most messages written per flush.
const BATCH: usize = 64;

/// Writes `first` and whatever else is already waiting (up to [`BATCH`]) with a single
/// flush: under load one system call carries many messages. On failure the messages not
/// known to be written are left in `unsent`; returns whether all went out.
async fn write_batch<S: WsIo>(
    ws: &mut S,
    inbox: &mut Inbox,
    first: String,
    unsent: &mut Vec<String>,
) -> bool {
    let mut batch = vec![first];
    while batch.len() < BATCH {
        match inbox.try_recv() {
            Some(text) => batch.push(text),
            None => break,
        }
    }
    for (i, text) in batch.iter().enumerate() {
        if ws.feed(Message::Text(text.clone().into())).await.is_err() {
            unsent.extend(batch.drain(i..));
            return false;
        }
    }
    if ws.flush().await.is_err() {
        unsent.extend(batch);
        return false;
    }
    true
}

struct Session<'a> {
    shared: &'a Shared,
    id: PeerId,
    bucket: TokenBucket,
    strikes: u32,
}

impl<'a> Session<'a> {
    fn new(shared: &'a Shared, id: PeerId) -> Self {
        let limits = &shared.config.limits;
        let bucket = TokenBucket::new(limits.rate_per_sec, limits.rate_burst, Instant::now());
        Session {
            shared,
            id,
            bucket,
            strikes: 0,
        }
    }

    /// Runs until the connection ends; a message that could not be written is left in
    /// `unsent`.
    async fn run<S: WsIo>(
        &mut self,
        ws: &mut S,
        inbox: &mut Inbox,
        unsent: &mut Vec<String>,
    ) -> End {
        let timing = &self.shared.config.timing;
        let start = tokio::time::Instant::now() + timing.ping_interval;
        let mut ticker = tokio::time::interval_at(start, timing.ping_interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut unanswered = 0u32;
        loop {
            // Biased: a socket that has already ended is noticed before more messages
            // are written into it, so they go to the resume queue instead.
            tokio::select! {
                biased;
                _ = self.shared.shutdown.cancelled() => {
                    wire::close(ws, close::GOING_AWAY, "server shutting down").await;
                    return End::Shutdown;
                }
                frame = ws.recv() => {
                    let msg = match frame {
                        None => return End::Drop,
                        Some(Ok(m)) => m,
                        Some(Err(e)) => {
                            if wire::is_capacity_error(e) {
                                let err = ErrorMessage::new(ErrorCode::TooLarge, "frame exceeds the WebSocket size limit");
                                wire::send_error(ws, self.shared, err).await;
                                wire::close(ws, close::TOO_BIG, "message too big").await;
                                return End::Leave;
                            }
                            return End::Drop;
                        }
                    };
                    unanswered = 0;
                    let flow = match msg {
                        Message::Text(text) => self.on_text(ws, text.as_str()).await,
                        Message::Binary(bytes) => self.on_binary(ws, bytes.len()).await,
                        // Pings and pongs count against the rate limit like every frame
                        // (a ping flood would otherwise make us write a pong for each).
                        Message::Ping(_) | Message::Pong(_) => match self.admit(ws, 0).await {
                            Ok(()) => Flow::Continue,
                            Err(flow) => flow,
                        },
                        Message::Close(_) => return End::Leave,
                    };
                    if let Flow::Close(code, reason) = flow {
                        wire::close(ws, code, reason).await;
                        return End::Leave;
                    }
                }
                out = inbox.recv() => match out {
                    Some(text) => {
                        if !write_batch(ws, inbox, text, unsent).await {
                            return End::Drop;
                        }
                    }
                    None => {
                        wire::close(ws, close::TRY_AGAIN, "connection superseded").await;
                        return End::Superseded;
                    }
                },
                _ = ticker.tick() => {
                    if unanswered >= timing.missed_pongs {
                        tracing::debug!(peer = %self.id, "missed {unanswered} pongs; dropping");
                        return End::Drop;
                    }
                    unanswered += 1;
                    if ws.send(Message::Ping(Default::default())).await.is_err() {
                        return End::Drop;
                    }
                }
            }
        }
    }

    /// The limits every inbound frame passes: rate, then size. `Err` carries the flow
    /// after a refusal (an error was sent; maybe close).
    async fn admit<S: WsIo>(&mut self, ws: &mut S, len: usize) -> Result<(), Flow> {
        let limits = &self.shared.config.limits;
        let refusal = if !self.bucket.try_take(Instant::now()) {
            ErrorMessage::new(
                ErrorCode::RateLimited,
                format!(
                    "more than {} messages/s (burst {}); message dropped",
                    limits.rate_per_sec, limits.rate_burst
                ),
            )
        } else if len > limits.max_message_bytes {
            ErrorMessage::new(
                ErrorCode::TooLarge,
                format!(
                    "message of {len} bytes exceeds the limit of {}",
                    limits.max_message_bytes
                ),
            )
        } else {
            self.strikes = 0;
            return Ok(());
        };
        self.strikes += 1;
        let code = refusal.code;
        if !wire::send_error(ws, self.shared, refusal).await {
            return Err(Flow::Close(close::POLICY, "write failed"));
        }
        if self.strikes >= limits.max_strikes {
            tracing::info!(peer = %self.id, %code, "closing a connection that kept going past a limit");
            return Err(Flow::Close(close::POLICY, "limit exceeded repeatedly"));
        }
        Err(Flow::Continue)
    }

    async fn on_binary<S: WsIo>(&mut self, ws: &mut S, len: usize) -> Flow {
        if let Err(flow) = self.admit(ws, len).await {
            return flow;
        }
        let err = ErrorMessage::new(
            ErrorCode::BadJson,
            "binary frames are not accepted; send JSON text",
        );
        wire::send_error(ws, self.shared, err).await;
        Flow::Continue
    }

    async fn on_text<S: WsIo>(&mut self, ws: &mut S, text: &str) -> Flow {
        if let Err(flow) = self.admit(ws, text.len()).await {
            return flow;
        }
        let now = Instant::now();
        let reply = match decode_client_message(text) {
            Err(e) => Some(ErrorMessage::from(&e)),
            Ok(ClientMessage::Hello(_)) => Some(ErrorMessage::new(
                ErrorCode::DuplicateHello,
                "already welcomed; hello is only valid as the first message",
            )),
            Ok(ClientMessage::Ack(ack)) => {
                self.shared.registry().ack(&self.id, ack.seq);
                None
            }
            Ok(ClientMessage::Update(u)) => {
                self.shared.registry().update(&self.id, u.name, u.busy, now);
                None
            }
            Ok(ClientMessage::IceServers) => {
                // Minted now: a call set up soon after gets credentials that are not stale,
                // however long this connection has been open.
                let config = &self.shared.config;
                let fresh = ServerMessage::IceServers {
                    ice_servers: super::turn::ice_servers(config, &self.id),
                    ttl: config.turn.as_ref().map_or(0, |t| t.ttl.as_secs()),
                };
                if !wire::send(ws, &fresh).await {
                    return Flow::Close(close::POLICY, "write failed");
                }
                None
            }
            Ok(ClientMessage::Signal(relay)) => {
                let result = self
                    .shared
                    .registry()
                    .relay(&self.id, &relay.to, relay.data, now);
                match result {
                    Ok(()) => {
                        self.shared.metrics.relayed();
                        None
                    }
                    Err(_) => Some(ErrorMessage {
                        to: Some(relay.to.clone()),
                        ..ErrorMessage::new(ErrorCode::UnknownPeer, "no such peer in this room")
                    }),
                }
            }
        };
        if let Some(err) = reply {
            if !wire::send_error(ws, self.shared, err).await {
                return Flow::Close(close::POLICY, "write failed");
            }
        }
        Flow::Continue
    }
}
