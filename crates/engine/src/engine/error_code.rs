//! What an [`EngineEvent::Error`](super::EngineEvent::Error) is about: a closed set, so an
//! app that puts errors in words matches it exhaustively and a new kind cannot slip through
//! as "something went wrong".

use std::fmt;

use peercall_protocol::ErrorCode as ServerCode;

/// The kind of an in-call error; its word (`Display`) is stable, kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineErrorCode {
    /// The camera could not be opened.
    Camera,
    /// The microphone could not be opened.
    Microphone,
    /// A chat line could not be sent (no call, or its data channel failed).
    Chat,
    /// A signaling message could not be sent (not connected, or the write failed).
    Signaling,
    /// The server answered one of our messages with an error (its code).
    Server(ServerCode),
    /// The signaling client gave up on the server for good.
    SignalingClosed,
    /// A user intent that makes no sense in the call's state (a late click).
    IntentIgnored,
    /// The call could not connect; the message explains why in the user's words.
    Ice,
}

impl EngineErrorCode {
    /// The stable word for logs and UIs.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Microphone => "microphone",
            Self::Chat => "chat",
            Self::Signaling => "signaling",
            Self::Server(_) => "server",
            Self::SignalingClosed => "signaling-closed",
            Self::IntentIgnored => "intent-ignored",
            Self::Ice => "ice",
        }
    }
}

impl fmt::Display for EngineErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares by word, so `code == "chat"` reads as before the codes were typed.
impl PartialEq<str> for EngineErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EngineErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stable_and_compare_with_strings() {
        let cases = [
            (EngineErrorCode::Camera, "camera"),
            (EngineErrorCode::Microphone, "microphone"),
            (EngineErrorCode::Chat, "chat"),
            (EngineErrorCode::Signaling, "signaling"),
            (EngineErrorCode::Server(ServerCode::RateLimited), "server"),
            (EngineErrorCode::SignalingClosed, "signaling-closed"),
            (EngineErrorCode::IntentIgnored, "intent-ignored"),
            (EngineErrorCode::Ice, "ice"),
        ];
        for (code, word) in cases {
            assert_eq!(code.to_string(), word);
            assert!(code == word, "{code:?}");
        }
    }
}
