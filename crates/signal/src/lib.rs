//! Peercall signaling, both ends of the wire.
//!
//! - feature `server` (default): [`server`] — the axum WebSocket server, embeddable via
//!   [`server::Server::bind`], and the `peercall-signal` binary.
//! - feature `client` (default): [`client`] — [`client::SignalClient`], the client the engine
//!   uses: hello/welcome, presence and relay events, reconnect with resume.
//!
//! The protocol is `docs/protocol.md`; the wire types live in `peercall-protocol`,
//! re-exported here as [`protocol`].

pub use peercall_protocol as protocol;

#[cfg(feature = "client")]
pub mod client;
pub mod lan_proof;
#[cfg(unix)]
pub mod local_record;
pub mod proof;
pub mod ratelimit;
pub mod seq;
#[cfg(feature = "server")]
pub mod server;
