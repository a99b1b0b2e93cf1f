//! Opening one connection: TCP (+TLS), WebSocket upgrade, `hello`, wait for `welcome`.

use super::pin::{self, CertPin};
use super::{tls, ClientConfig, ClientError};
use crate::lan_proof::{CertFingerprint, LanKey, LAN_PROOF_HEADER};
use crate::proof;
use futures_util::{SinkExt, StreamExt};
use peercall_protocol::{
    ClientMessage, ErrorCode, Hello, ServerMessage, Welcome, PROTOCOL_VERSION,
};
use std::sync::Mutex;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The socket type of a client connection.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a connection's TLS is set up.
enum Tls {
    /// `ws://`.
    Plain,
    /// `wss://` checked against the web roots (and the configured extra roots).
    Roots(tokio_tungstenite::Connector),
    /// `wss://` to a self-signed server proven by a pin or a proof (see [`pin`]).
    SelfSigned,
}

/// Opens connections to one server URL.
pub(crate) struct Connector {
    tls: Tls,
    /// The LAN proof's key for the certificate last proven (one derivation, not one per
    /// reconnect).
    lan_key: Mutex<Option<LanKey>>,
}

impl Connector {
    pub(crate) fn new(config: &ClientConfig) -> Result<Self, ClientError> {
        let url = config.url.as_str();
        let self_signed = config.lan_code.is_some() || config.cert_pin.is_some();
        let tls = if url.starts_with("wss://") && self_signed {
            Tls::SelfSigned
        } else if url.starts_with("wss://") {
            Tls::Roots(tokio_tungstenite::Connector::Rustls(tls::client_config(
                &config.extra_root_certs,
            )?))
        } else if url.starts_with("ws://") {
            Tls::Plain
        } else {
            return Err(ClientError::InvalidUrl(config.url.clone()));
        };
        Ok(Connector {
            tls,
            lan_key: Mutex::new(None),
        })
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
        let seen: pin::Seen = Default::default();
        let pinned = config.cert_pin.as_ref().and_then(CertPin::get);
        let connector = match &self.tls {
            Tls::Plain => tokio_tungstenite::Connector::Plain,
            Tls::Roots(connector) => connector.clone(),
            Tls::SelfSigned => {
                tokio_tungstenite::Connector::Rustls(pin::recording_config(seen.clone(), pinned)?)
            }
        };
        let mut request = config.url.as_str().into_client_request()?;
        let default_port = if matches!(self.tls, Tls::Plain) {
            80
        } else {
            443
        };
        let port = request.uri().port_u16().unwrap_or(default_port);
        let nonce = proof::new_nonce();
        if config.server_proof.is_some() || config.lan_code.is_some() {
            let value = HeaderValue::from_str(&nonce)
                .map_err(|e| ClientError::Protocol(format!("nonce not a header value: {e}")))?;
            request.headers_mut().insert(proof::NONCE_HEADER, value);
        }
        let connected = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(ws_config),
            true,
            Some(connector),
        )
        .await;
        let (mut socket, response) = match connected {
            Ok(connected) => connected,
            Err(err) => {
                let seen = pin::seen(&seen);
                if pinned.is_some() && seen.is_some() && seen != pinned {
                    tracing::warn!(url = %config.url, "the server's certificate is not the one pinned");
                    return Err(ClientError::CertificateChanged);
                }
                return Err(err.into());
            }
        };
        let answer = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let proven = self
            .prove(config, pin::seen(&seen), &nonce, port, answer)
            .await;
        if let Err(err) = proven {
            tracing::warn!(url = %config.url, %err, "the server did not prove itself: not saying hello");
            // Dropped without a close frame: nothing more goes to it.
            drop(socket);
            return Err(err);
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

    /// Checks what the `101` (`answer` reads its headers) proves before anything is sent:
    /// the join code for the certificate `seen` ([`crate::lan_proof`]), the local server's
    /// secret for `port` ([`crate::proof`]); a self-signed certificate must be pinned or
    /// proven, and a proven one fills an empty pin.
    async fn prove(
        &self,
        config: &ClientConfig,
        seen: Option<CertFingerprint>,
        nonce: &str,
        port: u16,
        answer: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ClientError> {
        if let Some(code) = &config.lan_code {
            let fingerprint = seen.ok_or(ClientError::CodeNotProven)?;
            let key = self.lan_key(code, fingerprint).await?;
            if !key.verify(nonce, answer(LAN_PROOF_HEADER).as_deref()) {
                return Err(ClientError::CodeNotProven);
            }
        }
        if let Some(secret) = &config.server_proof {
            if !secret.verify(port, nonce, answer(proof::PROOF_HEADER).as_deref()) {
                return Err(ClientError::NotProven);
            }
        }
        if let Tls::SelfSigned = self.tls {
            let pin = config.cert_pin.as_ref().and_then(CertPin::get);
            if pin.is_none() && config.lan_code.is_none() && config.server_proof.is_none() {
                return Err(ClientError::NotProven);
            }
            if let (Some(pin), Some(seen)) = (&config.cert_pin, seen) {
                pin.fill(seen);
            }
        }
        Ok(())
    }

    /// The LAN proof's key for `code` and the certificate `fingerprint` (scrypt on a
    /// blocking thread, once per certificate).
    async fn lan_key(
        &self,
        code: &str,
        fingerprint: CertFingerprint,
    ) -> Result<LanKey, ClientError> {
        let cached = |held: &Option<LanKey>| {
            held.as_ref()
                .filter(|k| *k.fingerprint() == fingerprint)
                .cloned()
        };
        if let Some(key) = cached(&self.lan_key.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(key);
        }
        let code = code.to_owned();
        let key = tokio::task::spawn_blocking(move || LanKey::derive(&code, &fingerprint))
            .await
            .map_err(|e| ClientError::Protocol(format!("deriving the LAN key: {e}")))?;
        *self.lan_key.lock().unwrap_or_else(|p| p.into_inner()) = Some(key.clone());
        Ok(key)
    }
}
