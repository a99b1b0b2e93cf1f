//! Starts a driver on the simulations and drives it like a server, a peer and a user.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use peercall_media::VoiceSettings;
use peercall_protocol as proto;
use peercall_signal::client::ClientEvent;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::super::sim::{Log, Record, SimSessions, SimSignaling, SIM_OFFER};
use super::super::Driver;
use crate::call::{CallId, CallState, IceCandidate, MediaKinds, PeerId, Signal};
use crate::devices::{AudioSource, VideoSource};
use crate::engine::{AnswerPolicy, Command, EngineConfig, EngineEvent, EngineMetrics};
use crate::session::SessionEvent;
use crate::stats::Counters;

/// The peer on the other side of every call here.
pub(super) const BOB: &str = "bob";
/// The call id of Bob's offers.
pub(super) const CALL: &str = "call-1";
/// The SDP of Bob's offer.
pub(super) const OFFER: &str = "bob-offer";

pub(super) fn bob() -> PeerId {
    PeerId(BOB.to_owned())
}

/// A candidate line numbered `n`.
pub(super) fn candidate(n: u16) -> IceCandidate {
    IceCandidate {
        candidate: format!("candidate:{n} 1 udp 2130706431 192.0.2.{n} 5000{n} typ host"),
        sdp_mid: Some("0".to_owned()),
        sdp_mline_index: Some(0),
    }
}

/// `signal` to or from Bob about `call`.
pub(super) fn sent(signal: Signal) -> Record {
    Record::Sent { to: bob(), signal }
}

/// A driver running on the simulations.
pub(super) struct Sim {
    pub(super) log: Log,
    pub(super) sessions: Arc<SimSessions>,
    client: mpsc::Sender<ClientEvent>,
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::UnboundedReceiver<EngineEvent>,
    seen: Vec<EngineEvent>,
    task: JoinHandle<()>,
}

impl Sim {
    /// A driver that was welcomed by the server, with no devices and no speaker.
    pub(super) async fn start(answer: AnswerPolicy) -> Self {
        Self::start_with(answer, |_| {}).await
    }

    /// [`Sim::start`] with `tweak` applied to the engine's configuration.
    pub(super) async fn start_with(
        answer: AnswerPolicy,
        tweak: impl FnOnce(&mut EngineConfig),
    ) -> Self {
        let mut config = EngineConfig::new("ws://sim.invalid/ws", "alice");
        config.answer = answer;
        config.video = VideoSource::None;
        config.audio = AudioSource::None;
        config.keep_ice_servers = true;
        config.watch_network = false;
        config.voice = VoiceSettings::OFF;
        tweak(&mut config);
        let log = Log::default();
        let sessions = Arc::new(SimSessions::new(log.clone()));
        let (events_tx, events) = mpsc::unbounded_channel();
        let counters = Arc::new(Mutex::new(Arc::new(Counters::default())));
        let (driver, _media) = Driver::new(
            config,
            Box::new(SimSignaling(log.clone())),
            sessions.clone(),
            events_tx,
            Arc::new(EngineMetrics::default()),
            counters,
        )
        .expect("driver");
        let (client, client_rx) = mpsc::channel(64);
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(driver.run(client_rx, commands_rx));
        let mut sim = Self {
            log,
            sessions,
            client,
            commands,
            events,
            seen: Vec::new(),
            task,
        };
        sim.server(ClientEvent::Welcome {
            id: proto::PeerId("alice".to_owned()),
            peers: Vec::new(),
            ice_servers: Vec::new(),
        })
        .await;
        sim.event("Connected", |e| matches!(e, EngineEvent::Connected { .. }))
            .await;
        sim
    }

    /// The signaling client reports `event`.
    pub(super) async fn server(&self, event: ClientEvent) {
        self.client.send(event).await.expect("driver gone");
    }

    /// Bob's `data` arrives through the server.
    pub(super) async fn bob_sends(&self, data: proto::SignalData) {
        self.server(ClientEvent::Signal {
            from: proto::PeerId(BOB.to_owned()),
            data,
        })
        .await;
    }

    /// The session reports `event`.
    pub(super) fn session(&self, event: SessionEvent) {
        self.sessions.inject(event);
    }

    /// The app asks for `command`.
    pub(super) fn command(&self, command: Command) {
        self.commands.send(command).expect("driver gone");
    }

    /// Waits (up to 5 s) for the next engine event that matches, skipping others.
    pub(super) async fn event(
        &mut self,
        what: &str,
        matches: impl Fn(&EngineEvent) -> bool,
    ) -> EngineEvent {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) if matches(&e) => return e,
                Ok(Some(e)) => self.seen.push(e),
                Ok(None) | Err(_) => panic!("no {what} event; seen {:#?}", self.seen),
            }
        }
    }

    /// Waits for the call to reach `state`.
    pub(super) async fn state(&mut self, state: CallState) {
        let what = format!("{state:?}");
        self.event(
            &what,
            |e| matches!(e, EngineEvent::CallState { state: s, .. } if *s == state),
        )
        .await;
    }

    /// Waits until the driver has handled everything injected before (the server's
    /// events are handled in order, each with all it leads to).
    pub(super) async fn settle(&mut self) {
        let peer = proto::PeerInfo {
            id: proto::PeerId("settle".to_owned()),
            name: "settle".to_owned(),
            busy: false,
        };
        self.server(ClientEvent::PeerJoined { peer }).await;
        self.event("PeerJoined (settle)", |e| {
            matches!(e, EngineEvent::PeerJoined(_))
        })
        .await;
    }

    /// Shuts the driver down and waits for its task to end.
    pub(super) async fn shutdown(mut self) -> Log {
        let (done, finished) = oneshot::channel();
        self.command(Command::Shutdown(done));
        let _ = tokio::time::timeout(Duration::from_secs(5), finished).await;
        self.event("Closed", |e| matches!(e, EngineEvent::Closed { .. }))
            .await;
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        self.log
    }

    /// Bob's offer is ringing here (policy `Ask`).
    pub(super) async fn ringing() -> Self {
        let mut sim = Self::start(AnswerPolicy::Ask).await;
        sim.bob_sends(offer()).await;
        sim.event("IncomingCall", |e| {
            matches!(e, EngineEvent::IncomingCall { .. })
        })
        .await;
        sim
    }

    /// We called Bob and our offer went out; returns the call id.
    pub(super) async fn calling() -> (Self, CallId) {
        Self::calling_with(|_| {}).await
    }

    /// [`Sim::calling`] with `tweak` applied to the engine's configuration.
    pub(super) async fn calling_with(tweak: impl FnOnce(&mut EngineConfig)) -> (Self, CallId) {
        let sim = Self::start_with(AnswerPolicy::Ask, tweak).await;
        let (reply, id) = oneshot::channel();
        sim.command(Command::Call(bob(), MediaKinds::BOTH, reply));
        let call = id.await.expect("call id");
        let signal = Signal::Offer {
            call: call.clone(),
            sdp: SIM_OFFER.to_owned(),
            media: MediaKinds::BOTH,
        };
        sim.log.wait_for_record(&sent(signal)).await;
        (sim, call)
    }

    /// Our call to Bob is answered and connected.
    pub(super) async fn connected() -> (Self, CallId) {
        let (mut sim, call) = Self::calling().await;
        sim.bob_sends(proto::SignalData::Answer {
            call: call.0.clone(),
            sdp: "bob-answer".to_owned(),
        })
        .await;
        sim.session(SessionEvent::Connected);
        sim.state(CallState::Connected).await;
        (sim, call)
    }
}

/// Bob's offer of call [`CALL`].
pub(super) fn offer() -> proto::SignalData {
    proto::SignalData::Offer {
        call: CALL.to_owned(),
        sdp: OFFER.to_owned(),
        media: proto::Media {
            audio: true,
            video: true,
        },
    }
}

/// Bob's candidate `c` of `call`.
pub(super) fn candidate_data(call: &str, c: &IceCandidate) -> proto::SignalData {
    proto::SignalData::Candidate {
        call: call.to_owned(),
        candidate: proto::IceCandidate {
            candidate: c.candidate.clone(),
            sdp_mid: c.sdp_mid.clone(),
            sdp_mline_index: c.sdp_mline_index,
            username_fragment: None,
        },
    }
}

/// Bob's end of candidates of `call`.
pub(super) fn end_data(call: &str) -> proto::SignalData {
    proto::SignalData::EndOfCandidates {
        call: call.to_owned(),
    }
}
