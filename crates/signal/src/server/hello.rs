//! The first phase of a connection: wait (bounded) for `hello`, check it, join or
//! resume, send `welcome` and whatever was queued. Anything else first → `error`, close.

use super::registry::{Joined, Outbox};
use super::state::{random_id, Shared};
use super::turn::ice_servers;
use super::wire::WsIo;
use super::wire::{self, close};
use axum::extract::ws::Message;
use peercall_protocol::{
    decode_client_message, ClientMessage, DecodeError, ErrorCode, ErrorMessage, Hello,
    ServerMessage, Welcome, DEFAULT_ROOM, PROTOCOL_VERSION,
};
use std::time::Instant;

/// The server's name and version in `welcome.server`.
pub const SERVER_NAME: &str = concat!("peercall-signal ", env!("CARGO_PKG_VERSION"));

/// Runs the hello phase. `Some(joined)`: welcome was sent and the peer is attached with
/// connection number `conn`. `None`: the socket is done (closed or refused).
pub async fn handshake<S: WsIo>(
    ws: &mut S,
    shared: &Shared,
    conn: u64,
    outbox: Outbox,
) -> Option<Joined> {
    let text = first_text(ws, shared).await?;
    if text.len() > shared.config.limits.max_message_bytes {
        let msg = format!(
            "message of {} bytes exceeds the limit of {}",
            text.len(),
            shared.config.limits.max_message_bytes
        );
        return refuse(
            ws,
            shared,
            ErrorMessage::new(ErrorCode::TooLarge, msg),
            close::POLICY,
        )
        .await;
    }
    let hello = match decode_client_message(&text) {
        Ok(ClientMessage::Hello(h)) => h,
        Ok(other) => {
            let msg = format!(
                "`{}` before `hello`: the first message must be hello",
                other.kind()
            );
            return refuse(
                ws,
                shared,
                ErrorMessage::new(ErrorCode::HelloRequired, msg),
                close::POLICY,
            )
            .await;
        }
        Err(e) => return refuse_decode(ws, shared, &e).await,
    };
    if !shared.token_ok(hello.token.as_deref()) {
        let err = ErrorMessage::new(ErrorCode::Unauthorized, "missing or wrong token");
        return refuse(ws, shared, err, close::POLICY).await;
    }
    let joined = match join(shared, &hello, conn, outbox) {
        Some(j) => j,
        None => {
            let msg = format!("room is full ({} peers)", shared.config.limits.room_size);
            return refuse(
                ws,
                shared,
                ErrorMessage::new(ErrorCode::RoomFull, msg),
                close::TRY_AGAIN,
            )
            .await;
        }
    };
    if joined.resumed {
        shared.metrics.resumed();
    } else if hello.last.is_some() {
        // `last` on a fresh hello: this client acknowledges what it gets.
        shared.registry().ack(&joined.id, 0);
    }
    let welcome = ServerMessage::Welcome(Welcome {
        protocol: PROTOCOL_VERSION,
        server: SERVER_NAME.to_owned(),
        id: joined.id.clone(),
        session: joined.session.clone(),
        peers: joined.peers.clone(),
        ice_servers: ice_servers(&shared.config, &joined.id),
        resumed: joined.resumed,
    });
    // Failures here surface as a dropped socket in the main loop.
    if wire::send(ws, &welcome).await {
        for text in &joined.queued {
            if ws.send(Message::Text(text.clone().into())).await.is_err() {
                break;
            }
        }
    }
    Some(joined)
}

fn join(shared: &Shared, hello: &Hello, conn: u64, outbox: Outbox) -> Option<Joined> {
    let room = hello.room.as_deref().unwrap_or(DEFAULT_ROOM);
    let now = Instant::now();
    let mut registry = shared.registry();
    if let Some(session) = &hello.resume {
        let resumed = registry.resume(
            session,
            random_id(32),
            room,
            &hello.name,
            conn,
            outbox.clone(),
            now,
            hello.last,
        );
        if let Some(j) = resumed {
            return Some(j);
        }
    }
    if let Some(client) = &hello.client {
        let dropped = registry.drop_stale_sessions(room, client, now);
        if dropped > 0 {
            tracing::debug!(
                dropped,
                "a fresh hello replaced detached sessions of its client"
            );
        }
    }
    let joined = registry
        .join(
            random_id(16).into(),
            random_id(32),
            hello.name.clone(),
            room,
            conn,
            outbox,
            now,
        )
        .ok()?;
    registry.set_client(&joined.id, hello.client.clone());
    Some(joined)
}

/// Waits for the first text frame, within the hello timeout.
async fn first_text<S: WsIo>(ws: &mut S, shared: &Shared) -> Option<String> {
    let deadline = tokio::time::sleep(shared.config.timing.hello_timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => {
                wire::close(ws, close::POLICY, "no hello in time").await;
                return None;
            }
            _ = shared.shutdown.cancelled() => {
                wire::close(ws, close::GOING_AWAY, "server shutting down").await;
                return None;
            }
            frame = ws.recv() => match frame {
                Some(Ok(Message::Text(t))) => return Some(t.to_string()),
                Some(Ok(Message::Binary(_))) => {
                    let err = ErrorMessage::new(ErrorCode::BadJson, "binary frames are not accepted; send JSON text");
                    return refuse::<String, S>(ws, shared, err, close::POLICY).await;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Err(e)) => {
                    if wire::is_capacity_error(e) {
                        let err = ErrorMessage::new(ErrorCode::TooLarge, "frame exceeds the WebSocket size limit");
                        wire::send_error(ws, shared, err).await;
                        wire::close(ws, close::TOO_BIG, "message too big").await;
                    }
                    return None;
                }
                Some(Ok(Message::Close(_))) | None => return None,
            }
        }
    }
}

async fn refuse_decode<S: WsIo>(ws: &mut S, shared: &Shared, e: &DecodeError) -> Option<Joined> {
    refuse(ws, shared, ErrorMessage::from(e), close::POLICY).await
}

/// Sends `err`, closes with `code`, and ends the connection.
async fn refuse<T, S: WsIo>(
    ws: &mut S,
    shared: &Shared,
    err: ErrorMessage,
    code: u16,
) -> Option<T> {
    tracing::debug!(code = %err.code, "refusing connection: {}", err.message);
    wire::send_error(ws, shared, err).await;
    wire::close(ws, code, "refused before welcome").await;
    None
}
