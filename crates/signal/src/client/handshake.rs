//! Opening one connection: TCP (+TLS), WebSocket upgrade, `hello`, wait for `welcome`.

use super::{tls, ClientConfig, ClientError};
use crate::proof;
use futures_util::{SinkExt, StreamExt};
use peercall_protocol::{
    ClientMessage, ErrorCode, Hello, ServerMessage, Welcome, PROTOCOL_VERSION,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The socket type of a client connection.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens connections to one server URL.
pub(crate) struct Connector {
    tls: Option<tokio_tungstenite::Connector>,
}

impl Connector {
    pub(crate) fn new(config: &ClientConfig) -> Result<Self, ClientError> {
        let url = config.url.as_str();
        let tls = if url.starts_with("wss://") {
            Some(tokio_tungstenite::Connector::Rustls(tls::client_config(
                &config.extra_root_certs,
            )?))
        } else if url.starts_with("ws://") {
            None
        } else {
            return Err(ClientError::InvalidUrl(config.url.clone()));
        };
        Ok(Connector { tls })
    }

    /// Connects and completes hello/welcome within the connect timeout.
    /// `resume`: the session to resume; `last`: the highest `seq` received on it (the
    /// server replays what follows; sent on a fresh hello too, as 0, to say that this
    /// client acknowledges).
    pub(crate) async fn open(
        &self,
        config: &ClientConfig,
        resume: Option<&str>,
        last: u64,
    ) -> Result<(Socket, Welcome), ClientError> {
        let open = self.open_inner(config, resume, last);
        tokio::time::timeout(config.connect_timeout, open)
            .await
            .map_err(|_| ClientError::Timeout)?
    }

    async fn open_inner(
        &self,
        config: &ClientConfig,
        resume: Option<&str>,
        last: u64,
    ) -> Result<(Socket, Welcome), ClientError> {
        let ws_config = WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .write_buffer_size(0)
            .max_message_size(Some(config.max_message_size))
            .max_frame_size(Some(config.max_message_size));
        let connector = self
            .tls
            .clone()
            .unwrap_or(tokio_tungstenite::Connector::Plain);
        let mut request = config.url.as_str().into_client_request()?;
        let challenge = config.server_proof.as_ref().map(|secret| {
            let nonce = proof::new_nonce();
            let port =
                request
                    .uri()
                    .port_u16()
                    .unwrap_or(if self.tls.is_some() { 443 } else { 80 });
            (secret, nonce, port)
        });
        if let Some((_, nonce, _)) = &challenge {
            let value = HeaderValue::from_str(nonce)
                .map_err(|e| ClientError::Protocol(format!("nonce not a header value: {e}")))?;
            request.headers_mut().insert(proof::NONCE_HEADER, value);
        }
        let (mut socket, response) = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(ws_config),
            true,
            Some(connector),
        )
        .await?;
        if let Some((secret, nonce, port)) = &challenge {
            let answer = response
                .headers()
                .get(proof::PROOF_HEADER)
                .and_then(|v| v.to_str().ok());
            if !secret.verify(*port, nonce, answer) {
                tracing::warn!(url = %config.url, "the server did not prove itself: not saying hello");
                // Dropped without a close frame: nothing more goes to it.
                drop(socket);
                return Err(ClientError::NotProven);
            }
        }
        let hello = ClientMessage::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            name: config.name.clone(),
            room: config.room.clone(),
            token: config.token.clone(),
            resume: resume.map(str::to_owned),
            last: Some(last),
            client: config.client_id.clone(),
        });
        socket.send(Message::text(hello.to_json())).await?;
        loop {
            let Some(frame) = socket.next().await else {
                return Err(ClientError::ServerGone);
            };
            match frame? {
                Message::Text(text) => {
                    let msg = ServerMessage::from_json(&text)
                        .map_err(|e| ClientError::Protocol(e.to_string()))?;
                    return match msg {
                        ServerMessage::Welcome(w) => Ok((socket, w)),
                        ServerMessage::Error(e) => Err(match e.code {
                            ErrorCode::Unauthorized => ClientError::Unauthorized(e.message),
                            ErrorCode::UnsupportedProtocol => {
                                ClientError::UnsupportedProtocol(e.message)
                            }
                            code => ClientError::Refused {
                                code,
                                message: e.message,
                            },
                        }),
                        other => Err(ClientError::Protocol(format!(
                            "expected welcome, got {other:?}"
                        ))),
                    };
                }
                Message::Close(_) => return Err(ClientError::ServerGone),
                _ => {}
            }
        }
    }
}
