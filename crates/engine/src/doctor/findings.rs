//! What the checks find, raw: the drivers fill these in, `lines.rs` puts them in words.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The signaling server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerFinding {
    /// Hello / welcome went through; the welcome lists this many STUN and TURN URLs.
    Joined {
        /// `stun:` URLs.
        stun: usize,
        /// `turn:` / `turns:` URLs.
        turn: usize,
    },
    /// Not a `ws://` / `wss://` URL.
    InvalidUrl,
    /// Connection refused, no route, name not found…
    Unreachable(String),
    /// TLS failed: the certificate is not trusted or does not match.
    Certificate(String),
    /// The server refused the token.
    TokenRefused(String),
    /// Refused for another reason (room full, protocol version…).
    Refused(String),
    /// Something else answers there (the local server's proof failed).
    NotProven,
    /// No welcome in time.
    Timeout(Duration),
    /// Anything else (a WebSocket or protocol error).
    Other(String),
}

/// Why a STUN server gave no address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StunFailure {
    /// Silence until the timeout.
    NoAnswer,
    /// The host name does not resolve.
    Unresolved(String),
    /// An error answer or a socket error.
    Error(String),
}

/// One STUN server's answer to a binding request, all sent from one socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StunAnswer {
    /// `host:port` asked.
    pub server: String,
    /// The address it saw us at.
    pub result: Result<SocketAddr, StunFailure>,
    /// This machine's own address on the route to that server, when known.
    pub local_ip: Option<IpAddr>,
}

impl StunAnswer {
    /// The mapped address, when the server answered.
    #[must_use]
    pub fn mapped(&self) -> Option<SocketAddr> {
        self.result.as_ref().ok().copied()
    }
}

/// One TURN server's answer to an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnFinding {
    /// Granted: the relayed address.
    Relay {
        /// `host:port` asked.
        server: String,
        /// The relay address peers would send to.
        relayed: SocketAddr,
    },
    /// An error answer (401: credentials refused).
    Refused {
        /// `host:port` asked.
        server: String,
        /// STUN error code (0 when the answer had none).
        code: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// Listed without username / credential.
    NoCredentials {
        /// The URL.
        server: String,
    },
    /// Silence until the timeout.
    NoAnswer {
        /// `host:port` asked.
        server: String,
    },
    /// A URL this check cannot try (TLS or TCP transport).
    NotChecked {
        /// The URL.
        url: String,
        /// Why.
        why: String,
    },
    /// A name that does not resolve, a socket error…
    Error {
        /// `host:port` or the URL.
        server: String,
        /// What went wrong.
        detail: String,
    },
}

/// The STUN answers and the TURN allocations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UdpFindings {
    /// One per distinct STUN/TURN server address.
    pub stun: Vec<StunAnswer>,
    /// One per TURN URL.
    pub turn: Vec<TurnFinding>,
}

/// Whether a device opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceFinding {
    /// It opened (its name).
    Opened {
        /// The device's name.
        name: String,
    },
    /// None is chosen (nothing to check).
    NotChosen,
    /// Opening failed.
    Failed {
        /// The device layer's error.
        detail: String,
    },
    /// Opening did not return in time.
    TimedOut,
}
