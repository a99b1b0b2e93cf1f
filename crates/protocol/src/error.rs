//! Error codes of the protocol and the decoder's error.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The `code` of an `error` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame is not a JSON object (not JSON, not an object, or a binary frame).
    BadJson,
    /// `type` names no message this server knows. The connection stays up.
    UnknownType,
    /// A field is missing or has the wrong type or value; `field` names it.
    BadField,
    /// A name is empty or longer than 64 characters after trimming, or has control characters.
    BadName,
    /// The message is larger than the server's message limit.
    TooLarge,
    /// The connection sends faster than its rate limit; the message was dropped.
    RateLimited,
    /// `signal.to` is not a peer in the sender's room.
    UnknownPeer,
    /// `hello.token` is missing or wrong.
    Unauthorized,
    /// `hello.protocol` is not a version this server speaks.
    UnsupportedProtocol,
    /// The room already holds the maximum number of peers.
    RoomFull,
    /// A message other than `hello` arrived before `welcome` (the server then closes).
    HelloRequired,
    /// A second `hello` on a connection that already has its `welcome`.
    DuplicateHello,
    /// A code this version does not know (sent by a newer server).
    #[serde(other)]
    Other,
}

impl ErrorCode {
    /// The wire spelling of the code, e.g. `"bad-json"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadJson => "bad-json",
            ErrorCode::UnknownType => "unknown-type",
            ErrorCode::BadField => "bad-field",
            ErrorCode::BadName => "bad-name",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::RateLimited => "rate-limited",
            ErrorCode::UnknownPeer => "unknown-peer",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::UnsupportedProtocol => "unsupported-protocol",
            ErrorCode::RoomFull => "room-full",
            ErrorCode::HelloRequired => "hello-required",
            ErrorCode::DuplicateHello => "duplicate-hello",
            ErrorCode::Other => "other",
        }
    }

    /// Every code the server can send, for metrics labels.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::BadJson,
        ErrorCode::UnknownType,
        ErrorCode::BadField,
        ErrorCode::BadName,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::UnknownPeer,
        ErrorCode::Unauthorized,
        ErrorCode::UnsupportedProtocol,
        ErrorCode::RoomFull,
        ErrorCode::HelloRequired,
        ErrorCode::DuplicateHello,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a client frame could not be decoded; maps one-to-one onto an `error` reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON at all.
    #[error("not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("a message must be a JSON object")]
    NotObject,
    /// `type` names no known message.
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    /// A field is missing or mistyped.
    #[error("field `{field}`: {reason}")]
    BadField {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A name breaks the name rules.
    #[error("bad name: {0}")]
    BadName(#[from] crate::validate::NameError),
    /// `hello.protocol` is another version.
    #[error("unsupported protocol version {0}; this server speaks 1")]
    UnsupportedProtocol(u64),
}

impl DecodeError {
    /// The error code the server answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::NotJson(_) | DecodeError::NotObject => ErrorCode::BadJson,
            DecodeError::UnknownType(_) => ErrorCode::UnknownType,
            DecodeError::BadField { .. } => ErrorCode::BadField,
            DecodeError::BadName(_) => ErrorCode::BadName,
            DecodeError::UnsupportedProtocol(_) => ErrorCode::UnsupportedProtocol,
        }
    }

    /// The field at fault, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            DecodeError::BadField { field, .. } => Some(field),
            DecodeError::BadName(_) => Some("name"),
            DecodeError::UnsupportedProtocol(_) => Some("protocol"),
            _ => None,
        }
    }
}
