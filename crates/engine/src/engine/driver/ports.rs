//! The driver's two seams: the signaling server and the peer session, as the little the
//! driver asks of them. The real `SignalClient` and `PeerSession` implement them here
//! (thin adapters); the driver's unit tests implement them with simulations (`sim.rs`)
//! that record every call and let a test inject events, without sockets.

use std::sync::Arc;

use async_trait::async_trait;
use peercall_signal::client::{ClientError, SignalClient};
use tokio::sync::mpsc;

use crate::call::{IceCandidate, PeerId, Signal};
use crate::engine::convert;
use crate::session::{
    ControlMessage, IceServerConfig, MediaIo, OpenRole, PeerSession, SessionConfig, SessionError,
    SessionEvent,
};
use crate::stats::Counters;

/// What the driver asks of the signaling client.
#[async_trait]
pub(crate) trait Signaling: Send + Sync {
    /// Relays a call signal to a peer.
    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), ClientError>;
    /// Updates our presence entry's busy flag.
    async fn set_busy(&self, busy: bool) -> Result<(), ClientError>;
    /// Resumes the session on a new connection at once (the network changed).
    async fn reconnect_now(&self) -> Result<(), ClientError>;
    /// Leaves the server cleanly.
    async fn close(&self);
}

/// What the driver asks of an open peer session.
#[async_trait]
pub(crate) trait Session: Send + Sync {
    /// Applies the callee's answer (caller).
    async fn apply_answer(&self, sdp: String) -> Result<(), SessionError>;
    /// Uses these ICE servers (fresh TURN credentials) from the next gathering on.
    async fn use_ice_servers(&self, servers: &[IceServerConfig]) -> Result<(), SessionError>;
    /// Makes an ICE-restart offer (caller); returns its SDP.
    async fn restart_offer(&self) -> Result<String, SessionError>;
    /// Answers the peer's ICE-restart offer (callee); returns the answer's SDP.
    async fn answer_restart(&self, offer: String) -> Result<String, SessionError>;
    /// Hands a remote candidate to ICE.
    async fn add_remote_candidate(&self, candidate: IceCandidate) -> Result<(), SessionError>;
    /// Tells ICE the peer has no more candidates.
    async fn add_end_of_candidates(&self) -> Result<(), SessionError>;
    /// Starts the media senders (the connection is up).
    async fn start_media(&self) -> Result<(), SessionError>;
    /// Why ICE failed, in words (`None`: it had connected).
    fn failure_reason(&self) -> Option<&'static str>;
    /// Mutes or unmutes the microphone.
    fn set_mic_muted(&self, muted: bool);
    /// Asks the peer for a keyframe.
    fn request_keyframe(&self);
    /// Sends a control message over the data channel.
    async fn send_control(&self, msg: &ControlMessage) -> Result<(), SessionError>;
    /// Hangs up over the data channel (best effort, briefly waits for the peer's ack).
    async fn send_hangup(&self);
    /// Stops the media and closes the connection.
    async fn close(&self);
}

/// Opens peer sessions.
#[async_trait]
pub(crate) trait SessionFactory: Send + Sync {
    /// Opens a session; it reports its local description (and everything after) on
    /// `events`.
    async fn open(
        &self,
        config: SessionConfig,
        role: OpenRole,
        media: MediaIo,
        counters: Arc<Counters>,
        events: mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<Box<dyn Session>, SessionError>;
}

#[async_trait]
impl Signaling for SignalClient {
    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), ClientError> {
        self.send_signal(&convert::proto_peer(to), convert::data(signal))
            .await
    }

    async fn set_busy(&self, busy: bool) -> Result<(), ClientError> {
        self.update(None, Some(busy)).await
    }

    async fn reconnect_now(&self) -> Result<(), ClientError> {
        SignalClient::reconnect_now(self).await
    }

    async fn close(&self) {
        self.clone().close().await;
    }
}

#[async_trait]
impl Session for PeerSession {
    async fn apply_answer(&self, sdp: String) -> Result<(), SessionError> {
        PeerSession::apply_answer(self, sdp).await
    }

    async fn use_ice_servers(&self, servers: &[IceServerConfig]) -> Result<(), SessionError> {
        PeerSession::use_ice_servers(self, servers).await
    }

    async fn restart_offer(&self) -> Result<String, SessionError> {
        PeerSession::restart_offer(self).await
    }

    async fn answer_restart(&self, offer: String) -> Result<String, SessionError> {
        PeerSession::answer_restart(self, offer).await
    }

    async fn add_remote_candidate(&self, candidate: IceCandidate) -> Result<(), SessionError> {
        PeerSession::add_remote_candidate(self, candidate).await
    }

    async fn add_end_of_candidates(&self) -> Result<(), SessionError> {
        PeerSession::add_end_of_candidates(self).await
    }

    async fn start_media(&self) -> Result<(), SessionError> {
        PeerSession::start_media(self).await
    }

    fn failure_reason(&self) -> Option<&'static str> {
        PeerSession::failure_reason(self)
    }

    fn set_mic_muted(&self, muted: bool) {
        PeerSession::set_mic_muted(self, muted);
    }

    fn request_keyframe(&self) {
        PeerSession::request_keyframe(self);
    }

    async fn send_control(&self, msg: &ControlMessage) -> Result<(), SessionError> {
        PeerSession::send_control(self, msg).await
    }

    async fn send_hangup(&self) {
        PeerSession::send_hangup(self).await;
    }

    async fn close(&self) {
        PeerSession::close(self).await;
    }
}

/// Opens real `webrtc` peer sessions.
pub(crate) struct RealSessions;

#[async_trait]
impl SessionFactory for RealSessions {
    async fn open(
        &self,
        config: SessionConfig,
        role: OpenRole,
        media: MediaIo,
        counters: Arc<Counters>,
        events: mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<Box<dyn Session>, SessionError> {
        let session = PeerSession::open(config, role, media, counters, events).await?;
        Ok(Box::new(session))
    }
}
