//! The client's error type.

use peercall_protocol::ErrorCode;

/// What can go wrong connecting to or talking with a signaling server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL is not a `ws://` or `wss://` URL.
    #[error("invalid signaling URL {0:?}: expected ws:// or wss://")]
    InvalidUrl(String),
    /// Nothing accepts connections at the URL's address (refused, unreachable, no route).
    #[error("signaling server unreachable: {0}")]
    Unreachable(std::io::Error),
    /// The WebSocket could not be opened or failed.
    #[error("websocket: {0}")]
    WebSocket(#[from] Box<tokio_tungstenite::tungstenite::Error>),
    /// TLS failed: an unusable root certificate, or the server's certificate is not
    /// trusted (e.g. `InvalidCertificate(UnknownIssuer)` for an unknown self-signed one).
    #[error("tls: {0}")]
    Tls(#[from] rustls::Error),
    /// No `welcome` within the connect timeout.
    #[error("timed out waiting for the server")]
    Timeout,
    /// The server did not prove it knows the secret of
    /// [`super::ClientConfig::server_proof`]: something else listens on the address (a
    /// squatter on the local server's port). Nothing was sent to it. Retried: the real
    /// server may come back.
    #[error("the server at this address did not prove it is the expected one")]
    NotProven,
    /// The LAN host did not prove it knows [`super::ClientConfig::lan_code`] for the
    /// certificate this connection saw: a wrong code, or something in between that
    /// terminates TLS itself. Nothing was sent to it; not retried.
    #[error("the host did not prove it knows the join code: check the code (or something is in between)")]
    CodeNotProven,
    /// The self-signed server presented another certificate than the one pinned after the
    /// first proven connection ([`super::ClientConfig::cert_pin`]). Nothing was sent to
    /// it; not retried: only the code can prove a new certificate.
    #[error("the host's certificate changed: enter its code again")]
    CertificateChanged,
    /// The server refused the token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The server speaks another protocol version.
    #[error("unsupported protocol: {0}")]
    UnsupportedProtocol(String),
    /// The server refused the hello for another reason (e.g. `room-full`, `bad-name`).
    #[error("refused by server ({code}): {message}")]
    Refused {
        /// The error code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// The server sent something that is not protocol v1.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The connection is closed (the server went away, or `close()` was called).
    #[error("the signaling connection is closed")]
    ServerGone,
}

impl From<tokio_tungstenite::tungstenite::Error> for ClientError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        use std::io::ErrorKind::*;
        match e {
            tokio_tungstenite::tungstenite::Error::Io(io) => {
                let tls = io
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>());
                if let Some(tls) = tls {
                    return ClientError::Tls(tls.clone());
                }
                match io.kind() {
                    ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable
                    | TimedOut | NotFound => ClientError::Unreachable(io),
                    _ => ClientError::WebSocket(Box::new(
                        tokio_tungstenite::tungstenite::Error::Io(io),
                    )),
                }
            }
            e => ClientError::WebSocket(Box::new(e)),
        }
    }
}

impl ClientError {
    /// True for errors that retrying cannot fix.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            ClientError::InvalidUrl(_)
                | ClientError::Tls(_)
                | ClientError::CodeNotProven
                | ClientError::CertificateChanged
                | ClientError::Unauthorized(_)
                | ClientError::UnsupportedProtocol(_)
        ) || matches!(self, ClientError::Refused { code, .. } if *code != ErrorCode::RoomFull)
    }
}
