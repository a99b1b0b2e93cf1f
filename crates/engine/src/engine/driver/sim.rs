//! Simulated signaling and peer sessions for the driver's unit tests (RingRTC's `sim`
//! idea): no sockets, no `webrtc`. Every call the driver makes on them lands in one
//! ordered [`Log`]; a test injects session events through [`SimSessions::inject`].
//! Test doubles for `tests.rs` only: the scenario tests in `crates/engine/tests/` use the
//! real server and real peer connections.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use peercall_signal::client::ClientError;
use tokio::sync::{mpsc, Notify};

use super::ports::{Session, SessionFactory, Signaling};
use crate::call::{IceCandidate, PeerId, Signal};
use crate::session::{
    ControlMessage, IceServerConfig, MediaIo, OpenRole, SessionConfig, SessionError, SessionEvent,
};
use crate::stats::Counters;

/// The SDP a simulated caller session offers.
pub(super) const SIM_OFFER: &str = "sim-offer";
/// The SDP a simulated callee session answers with.
pub(super) const SIM_ANSWER: &str = "sim-answer";
/// What a simulated session says when ICE failed.
pub(super) const SIM_FAILURE: &str = "sim: no candidate pair worked";

/// One call the driver made on the simulated signaling or session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Record {
    /// `Signaling::send`.
    Sent {
        to: PeerId,
        signal: Signal,
    },
    Busy(bool),
    Reconnect,
    SignalingClosed,
    Opened(OpenRole),
    ApplyAnswer(String),
    /// `Session::use_ice_servers`: the TURN usernames handed over.
    IceServers(Vec<Option<String>>),
    RestartOffer,
    AnswerRestart(String),
    Candidate(IceCandidate),
    EndOfCandidates,
    StartMedia,
    MicMuted(bool),
    /// `Session::request_keyframe`.
    KeyframeRequest,
    Control(ControlMessage),
    /// The hang-up over the data channel.
    DataHangup,
    SessionClosed,
}

/// Every call made on the simulations, in order.
#[derive(Clone, Default)]
pub(super) struct Log {
    records: Arc<Mutex<Vec<Record>>>,
    changed: Arc<Notify>,
}

impl Log {
    fn push(&self, record: Record) {
        if let Ok(mut records) = self.records.lock() {
            records.push(record);
        }
        self.changed.notify_waiters();
    }

    /// Everything recorded so far.
    pub(super) fn all(&self) -> Vec<Record> {
        match self.records.lock() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Waits (up to 5 s) until a record matches; returns its index. Panics on timeout
    /// with everything recorded.
    pub(super) async fn wait_for(&self, what: &str, matches: impl Fn(&Record) -> bool) -> usize {
        let wait = async {
            loop {
                let changed = self.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if let Some(i) = self.all().iter().position(&matches) {
                    return i;
                }
                changed.await;
            }
        };
        match tokio::time::timeout(Duration::from_secs(5), wait).await {
            Ok(i) => i,
            Err(_) => panic!("no {what} in {:#?}", self.all()),
        }
    }

    /// Waits for a record equal to `want`; returns its index.
    pub(super) async fn wait_for_record(&self, want: &Record) -> usize {
        self.wait_for(&format!("{want:?}"), |r| r == want).await
    }
}

/// A signaling client that records what it is asked to do.
pub(super) struct SimSignaling(pub(super) Log);

#[async_trait]
impl Signaling for SimSignaling {
    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), ClientError> {
        self.0.push(Record::Sent {
            to: to.clone(),
            signal,
        });
        Ok(())
    }

    async fn set_busy(&self, busy: bool) -> Result<(), ClientError> {
        self.0.push(Record::Busy(busy));
        Ok(())
    }

    async fn reconnect_now(&self) -> Result<(), ClientError> {
        self.0.push(Record::Reconnect);
        Ok(())
    }

    async fn close(&self) {
        self.0.push(Record::SignalingClosed);
    }
}

/// Opens [`SimSession`]s and keeps the newest one's event sender for the test.
pub(super) struct SimSessions {
    log: Log,
    events: Mutex<Option<mpsc::UnboundedSender<SessionEvent>>>,
}

impl SimSessions {
    pub(super) fn new(log: Log) -> Self {
        Self {
            log,
            events: Mutex::new(None),
        }
    }

    /// Reports `event` from the newest session, as its peer connection would.
    pub(super) fn inject(&self, event: SessionEvent) {
        let sent = self
            .events
            .lock()
            .ok()
            .and_then(|tx| tx.as_ref().map(|tx| tx.send(event).is_ok()));
        assert_eq!(sent, Some(true), "no session open to report from");
    }
}

#[async_trait]
impl SessionFactory for SimSessions {
    async fn open(
        &self,
        _config: SessionConfig,
        role: OpenRole,
        _media: MediaIo,
        _counters: Arc<Counters>,
        events: mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<Box<dyn Session>, SessionError> {
        // As a real session: the local description comes right after opening.
        let sdp = match role {
            OpenRole::Caller => SIM_OFFER,
            OpenRole::Callee { .. } => SIM_ANSWER,
        };
        self.log.push(Record::Opened(role));
        let _ = events.send(SessionEvent::LocalDescription(sdp.to_owned()));
        if let Ok(mut slot) = self.events.lock() {
            *slot = Some(events);
        }
        Ok(Box::new(SimSession(self.log.clone())))
    }
}

/// A peer session that records what it is asked to do and always succeeds.
pub(super) struct SimSession(Log);

#[async_trait]
impl Session for SimSession {
    async fn apply_answer(&self, sdp: String) -> Result<(), SessionError> {
        self.0.push(Record::ApplyAnswer(sdp));
        Ok(())
    }

    async fn use_ice_servers(&self, servers: &[IceServerConfig]) -> Result<(), SessionError> {
        let users = servers.iter().map(|s| s.username.clone()).collect();
        self.0.push(Record::IceServers(users));
        Ok(())
    }

    async fn restart_offer(&self) -> Result<String, SessionError> {
        self.0.push(Record::RestartOffer);
        Ok("sim-restart-offer".to_owned())
    }

    async fn answer_restart(&self, offer: String) -> Result<String, SessionError> {
        self.0.push(Record::AnswerRestart(offer));
        Ok("sim-restart-answer".to_owned())
    }

    async fn add_remote_candidate(&self, candidate: IceCandidate) -> Result<(), SessionError> {
        self.0.push(Record::Candidate(candidate));
        Ok(())
    }

    async fn add_end_of_candidates(&self) -> Result<(), SessionError> {
        self.0.push(Record::EndOfCandidates);
        Ok(())
    }

    async fn start_media(&self) -> Result<(), SessionError> {
        self.0.push(Record::StartMedia);
        Ok(())
    }

    fn failure_reason(&self) -> Option<&'static str> {
        Some(SIM_FAILURE)
    }

    fn set_mic_muted(&self, muted: bool) {
        self.0.push(Record::MicMuted(muted));
    }

    fn request_keyframe(&self) {
        self.0.push(Record::KeyframeRequest);
    }

    async fn send_control(&self, msg: &ControlMessage) -> Result<(), SessionError> {
        self.0.push(Record::Control(msg.clone()));
        Ok(())
    }

    async fn send_hangup(&self) {
        self.0.push(Record::DataHangup);
    }

    async fn close(&self) {
        self.0.push(Record::SessionClosed);
    }
}
