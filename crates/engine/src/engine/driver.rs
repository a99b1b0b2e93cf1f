//! The engine task: feeds signaling, session events, commands and timers into the call
//! state machine and carries out its actions.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use peercall_media::{
    drop_oldest_queue, AudioFrame, QueueSender, SharedProcessor, VideoFrame, VoiceProcessor,
};
use peercall_protocol::ErrorCode;
use peercall_signal::client::{ClientEvent, SignalClient};
use tokio::sync::mpsc;

use super::metrics::EngineMetrics;
use super::{audio_out, convert, AnswerPolicy, Command, EngineConfig, EngineEvent, EngineMedia};
use crate::call::{
    Action, CallId, CallMachine, CallState, Direction, Input, RejectReason, SessionRole,
};
use crate::devices::{open_camera, open_mic};
use crate::session::{
    ControlMessage, IceServerConfig, MediaIo, OpenRole, PeerSession, RemoteVideoFrame, SessionEvent,
};
use crate::stats::Counters;

struct Active {
    call: CallId,
    direction: Direction,
    session: PeerSession,
}

pub(crate) struct Driver {
    config: EngineConfig,
    client: Option<SignalClient>,
    events: mpsc::UnboundedSender<EngineEvent>,
    metrics: Arc<EngineMetrics>,
    counters: Arc<Mutex<Arc<Counters>>>,
    machine: CallMachine,
    active: Option<Active>,
    session_tx: mpsc::UnboundedSender<(CallId, SessionEvent)>,
    session_rx: mpsc::UnboundedReceiver<(CallId, SessionEvent)>,
    remote_video: Arc<QueueSender<RemoteVideoFrame>>,
    remote_audio: Arc<QueueSender<AudioFrame>>,
    preview: Option<Arc<QueueSender<VideoFrame>>>,
    /// Echo cancellation etc., shared by the speaker (reference) and each microphone.
    voice: Option<SharedProcessor>,
    ice_servers: Vec<IceServerConfig>,
    mic_muted: bool,
    camera_on: bool,
    welcomed: bool,
    pending: VecDeque<Input>,
    chat: super::chat_guard::ChatGuard,
}

fn random_call_id() -> CallId {
    CallId(format!("{:032x}", rand::random::<u128>()))
}

impl Driver {
    pub(crate) fn new(
        config: EngineConfig,
        client: SignalClient,
        events: mpsc::UnboundedSender<EngineEvent>,
        metrics: Arc<EngineMetrics>,
        counters: Arc<Mutex<Arc<Counters>>>,
    ) -> std::io::Result<(Self, EngineMedia)> {
        let (video_tx, remote_video) = drop_oldest_queue(4);
        let (audio_in_tx, audio_in_rx) = drop_oldest_queue(50);
        let (tap_tx, remote_audio) = drop_oldest_queue(500);
        let (preview_tx, preview) = drop_oldest_queue(2);
        let voice = config
            .voice
            .any()
            .then(|| SharedProcessor::new(Box::new(VoiceProcessor::new(config.voice))));
        audio_out::spawn(
            audio_in_rx,
            Arc::new(tap_tx),
            config.speaker.clone(),
            voice.clone(),
        )?;
        let (session_tx, session_rx) = mpsc::unbounded_channel();
        let ice_servers = config.session.ice_servers.clone();
        let driver = Self {
            machine: CallMachine::new(config.call),
            preview: config.preview.then(|| Arc::new(preview_tx)),
            voice,
            config,
            client: Some(client),
            events,
            metrics,
            counters,
            active: None,
            session_tx,
            session_rx,
            remote_video: Arc::new(video_tx),
            remote_audio: Arc::new(audio_in_tx),
            ice_servers,
            mic_muted: false,
            camera_on: true,
            welcomed: false,
            pending: VecDeque::new(),
            chat: super::chat_guard::ChatGuard::new(Instant::now()),
        };
        let media = EngineMedia {
            remote_video,
            remote_audio,
            preview,
        };
        Ok((driver, media))
    }

    pub(crate) async fn run(
        mut self,
        mut client_events: mpsc::Receiver<ClientEvent>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let mut client_open = true;
        let (net_tx, mut net_changes) = mpsc::unbounded_channel();
        if self.config.watch_network {
            super::netwatch::spawn(net_tx);
        }
        loop {
            let deadline = self.machine.next_deadline();
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(Command::Shutdown(done)) => {
                        self.shutdown().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(cmd) => self.on_command(cmd).await,
                    None => {
                        self.shutdown().await;
                        return;
                    }
                },
                ev = client_events.recv(), if client_open => match ev {
                    Some(ev) => self.on_client_event(ev).await,
                    None => client_open = false,
                },
                Some((call, ev)) = self.session_rx.recv() => self.on_session_event(call, ev).await,
                Some(()) = net_changes.recv() => self.on_network_changed().await,
                () = sleep => self.feed(Input::Tick).await,
            }
        }
    }

    async fn shutdown(&mut self) {
        if self.machine.is_active() {
            self.feed(Input::Hangup).await;
        }
        if let Some(client) = self.client.take() {
            client.close().await;
        }
        self.emit(EngineEvent::Closed {
            reason: "shut down".to_owned(),
        });
    }

    fn emit(&self, event: EngineEvent) {
        let _ = self.events.send(event);
    }

    fn error(&self, code: &str, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!("{code}: {message}");
        self.emit(EngineEvent::Error {
            code: code.to_owned(),
            message,
        });
    }

    /// Applies an input and everything it leads to.
    async fn feed(&mut self, input: Input) {
        self.pending.push_back(input);
        while let Some(input) = self.pending.pop_front() {
            let actions = self.machine.handle(input, Instant::now());
            for action in actions {
                self.execute(action).await;
            }
        }
    }

    async fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Call(peer, media, reply) => {
                let call = random_call_id();
                let _ = reply.send(call.clone());
                self.feed(Input::Call { peer, call, media }).await;
            }
            Command::Accept => self.feed(Input::Accept).await,
            Command::Reject => self.feed(Input::Reject(RejectReason::Declined)).await,
            Command::Cancel => self.feed(Input::Cancel).await,
            Command::Hangup => self.feed(Input::Hangup).await,
            Command::MicMuted(m) => self.feed(Input::SetMicMuted(m)).await,
            Command::Camera(on) => self.feed(Input::SetCameraOn(on)).await,
            Command::SwitchCamera(source) => {
                self.config.video = source;
                if let Some(active) = &self.active {
                    if self.camera_on {
                        self.open_camera_into(&active.session);
                    }
                }
            }
            Command::SwitchMic(source) => {
                self.config.audio = source;
                if let Some(active) = &self.active {
                    match open_mic(&self.config.audio, self.voice.as_ref()) {
                        Ok(mic) => {
                            if let Ok(mut slot) = active.session.audio_slot().lock() {
                                *slot = mic;
                            }
                        }
                        Err(e) => self.error("microphone", e.to_string()),
                    }
                }
            }
            Command::Chat(text) => match &self.active {
                Some(active) => {
                    if let Err(e) = active
                        .session
                        .send_control(&ControlMessage::Chat { text })
                        .await
                    {
                        self.error("chat", e.to_string());
                    }
                }
                None => self.error("chat", "no call in progress"),
            },
            Command::Shutdown(_) => {}
        }
    }

    fn open_camera_into(&self, session: &PeerSession) {
        match open_camera(&self.config.video, &self.config.session.video) {
            Ok(cam) => {
                if cam.is_some() {
                    self.metrics.camera_opened();
                }
                if let Ok(mut slot) = session.video_slot().lock() {
                    *slot = cam;
                }
            }
            Err(e) => self.error("camera", e.to_string()),
        }
    }

    async fn on_client_event(&mut self, ev: ClientEvent) {
        match ev {
            ClientEvent::Welcome {
                id,
                peers,
                ice_servers,
            } => {
                if !self.config.keep_ice_servers {
                    self.ice_servers = convert::ice_servers(&ice_servers);
                }
                if self.welcomed {
                    // A reconnect that could not resume: the old id and its call are gone.
                    self.feed(Input::SignalingLost).await;
                }
                self.welcomed = true;
                self.emit(EngineEvent::Connected {
                    id: convert::peer(&id),
                    peers,
                });
            }
            ClientEvent::Reconnecting { attempt, delay } => {
                self.emit(EngineEvent::Reconnecting { attempt, delay });
            }
            ClientEvent::Reconnected => self.emit(EngineEvent::Reconnected),
            ClientEvent::PeerJoined { peer } => self.emit(EngineEvent::PeerJoined(peer)),
            ClientEvent::PeerUpdated { peer } => self.emit(EngineEvent::PeerUpdated(peer)),
            ClientEvent::PeerLeft { id } => {
                let id = convert::peer(&id);
                self.emit(EngineEvent::PeerLeft(id.clone()));
                self.feed(Input::PeerLeft(id)).await;
            }
            ClientEvent::Signal { from, data } => {
                tracing::debug!("received {}", data.kind());
                if let Some(signal) = convert::signal(data) {
                    let from = convert::peer(&from);
                    self.feed(Input::Signal { from, signal }).await;
                }
            }
            ClientEvent::Error { code, message, to } => {
                if code == ErrorCode::UnknownPeer {
                    if let Some(to) = to {
                        self.feed(Input::PeerLeft(convert::peer(&to))).await;
                    }
                }
                self.error("server", format!("{code}: {message}"));
            }
            ClientEvent::Closed { reason } => {
                self.client = None;
                self.feed(Input::SignalingLost).await;
                self.error("signaling-closed", format!("{reason:?}"));
            }
            other => tracing::debug!("signaling: {other:?}"),
        }
    }

    async fn on_session_event(&mut self, call: CallId, ev: SessionEvent) {
        let Some(active) = self.active.as_ref().filter(|a| a.call == call) else {
            return; // an event of a session already closed
        };
        if !matches!(ev, SessionEvent::Stats(_)) {
            tracing::debug!("session event {ev:?}");
        }
        let input = match ev {
            SessionEvent::LocalDescription(sdp) => match active.direction {
                Direction::Outgoing => Input::LocalOffer { call, sdp },
                Direction::Incoming => Input::LocalAnswer { call, sdp },
            },
            SessionEvent::LocalCandidate(candidate) => Input::LocalCandidate { call, candidate },
            SessionEvent::EndOfCandidates => Input::LocalEndOfCandidates { call },
            SessionEvent::Connected => {
                if let Err(e) = active.session.start_media().await {
                    Input::SessionError {
                        call,
                        message: e.to_string(),
                    }
                } else {
                    Input::PeerConnected { call }
                }
            }
            SessionEvent::Disconnected => Input::PeerDisconnected { call },
            SessionEvent::Failed => {
                if let Some(why) = active.session.failure_reason() {
                    tracing::warn!("ICE failed: {why}");
                    self.emit(EngineEvent::Error {
                        code: "ice".into(),
                        message: why.into(),
                    });
                }
                Input::PeerFailed { call }
            }
            SessionEvent::Error(message) => Input::SessionError { call, message },
            SessionEvent::ChannelOpen => {
                let msg = ControlMessage::Media {
                    mic_muted: self.mic_muted,
                    camera_on: self.camera_on,
                };
                if let Err(e) = active.session.send_control(&msg).await {
                    tracing::debug!("control message: {e}");
                }
                return;
            }
            SessionEvent::Control(ControlMessage::Chat { text }) => {
                if let Some(text) = self.chat.admit(text, Instant::now()) {
                    self.emit(EngineEvent::Chat { text });
                }
                return;
            }
            SessionEvent::Control(ControlMessage::Media {
                mic_muted,
                camera_on,
            }) => {
                self.emit(EngineEvent::RemoteMedia {
                    mic_muted,
                    camera_on,
                });
                return;
            }
            SessionEvent::FirstRemoteFrame => {
                self.metrics.first_frame(Instant::now());
                self.emit(EngineEvent::FirstRemoteFrame);
                return;
            }
            SessionEvent::Stats(stats) => {
                self.emit(EngineEvent::Stats(stats));
                return;
            }
        };
        self.feed(input).await;
    }

    async fn execute(&mut self, action: Action) {
        match action {
            Action::Send { to, signal } => {
                let kind = signal.kind();
                tracing::debug!("send {kind}");
                if kind == "offer" {
                    self.metrics.offer(Instant::now());
                }
                self.metrics.sent(kind);
                let Some(client) = &self.client else {
                    self.error("signaling", format!("cannot send {kind}: not connected"));
                    return;
                };
                if let Err(e) = client
                    .send_signal(&convert::proto_peer(&to), convert::data(signal))
                    .await
                {
                    self.error("signaling", format!("sending {kind}: {e}"));
                }
            }
            Action::OpenSession { call, role, .. } => self.open_session(call, role).await,
            Action::RestartIce => self.restart_ice(None).await,
            Action::ApplyRestartOffer { sdp } => self.restart_ice(Some(sdp)).await,
            Action::ApplyAnswer { sdp } => {
                if let Some(active) = &self.active {
                    if let Err(e) = active.session.apply_answer(sdp).await {
                        let call = active.call.clone();
                        self.pending.push_back(Input::SessionError {
                            call,
                            message: e.to_string(),
                        });
                    }
                }
            }
            Action::AddRemoteCandidate(candidate) => {
                if let Some(active) = &self.active {
                    if let Err(e) = active.session.add_remote_candidate(candidate).await {
                        tracing::debug!("remote candidate refused: {e}");
                    }
                }
            }
            Action::RemoteEndOfCandidates => {}
            Action::CloseSession => {
                if let Some(active) = self.active.take() {
                    active.session.close().await;
                }
            }
            Action::ApplyLocalMedia {
                mic_muted,
                camera_on,
            } => self.apply_local_media(mic_muted, camera_on).await,
            Action::SetBusy(busy) => {
                if let Some(client) = &self.client {
                    if let Err(e) = client.update(None, Some(busy)).await {
                        tracing::debug!("presence update: {e}");
                    }
                }
            }
            Action::IncomingCall { call, peer, media } => {
                self.metrics.offer(Instant::now());
                self.emit(EngineEvent::IncomingCall { call, peer, media });
                match self.config.answer {
                    AnswerPolicy::Ask => {}
                    AnswerPolicy::Accept => self.pending.push_back(Input::Accept),
                    AnswerPolicy::Decline => {
                        self.pending
                            .push_back(Input::Reject(RejectReason::Declined));
                    }
                    AnswerPolicy::Busy => self.pending.push_back(Input::Reject(RejectReason::Busy)),
                }
            }
            Action::StateChanged {
                call,
                peer,
                direction,
                state,
            } => {
                if state == CallState::Connected {
                    self.metrics.connected(Instant::now());
                }
                self.emit(EngineEvent::CallState {
                    call,
                    peer,
                    direction,
                    state,
                });
            }
            Action::IntentIgnored { intent, state } => {
                self.error(
                    "intent-ignored",
                    format!("{intent} makes no sense in {state:?}"),
                );
            }
        }
    }

    /// Our addresses changed: the signaling connection's TCP is probably dead too, so it
    /// resumes on a new one at once (before the restart offer is queued on it), then the
    /// call restarts ICE.
    async fn on_network_changed(&mut self) {
        if let Some(client) = &self.client {
            if let Err(e) = client.reconnect_now().await {
                tracing::debug!("signaling reconnect: {e}");
            }
        }
        self.feed(Input::NetworkChanged).await;
    }

    /// Caller: makes the restart offer (`offer` is `None`); callee: answers the peer's.
    /// The description comes back to the machine as an input; a session that cannot
    /// restart ends the call.
    async fn restart_ice(&mut self, offer: Option<String>) {
        let Some(active) = &self.active else {
            return;
        };
        let call = active.call.clone();
        tracing::info!(
            "ICE restart: {}",
            if offer.is_some() {
                "answering the peer's offer"
            } else {
                "offering"
            }
        );
        let input =
            match offer {
                None => active
                    .session
                    .restart_offer()
                    .await
                    .map(|sdp| Input::LocalRestartOffer {
                        call: call.clone(),
                        sdp,
                    }),
                Some(offer) => active.session.answer_restart(offer).await.map(|sdp| {
                    Input::LocalRestartAnswer {
                        call: call.clone(),
                        sdp,
                    }
                }),
            };
        self.pending
            .push_back(input.unwrap_or_else(|e| Input::SessionError {
                call,
                message: format!("ICE restart: {e}"),
            }));
    }

    async fn apply_local_media(&mut self, mic_muted: bool, camera_on: bool) {
        self.mic_muted = mic_muted;
        let camera_changed = self.camera_on != camera_on;
        self.camera_on = camera_on;
        let Some(active) = &self.active else {
            return;
        };
        active.session.set_mic_muted(mic_muted);
        if camera_changed {
            if camera_on {
                self.open_camera_into(&active.session);
            } else if let Ok(mut slot) = active.session.video_slot().lock() {
                slot.take();
            }
        }
        let msg = ControlMessage::Media {
            mic_muted,
            camera_on,
        };
        if let Err(e) = active.session.send_control(&msg).await {
            tracing::debug!("control message not sent (channel not open yet): {e}");
        }
    }

    async fn open_session(&mut self, call: CallId, role: SessionRole) {
        let camera = if self.camera_on {
            match open_camera(&self.config.video, &self.config.session.video) {
                Ok(c) => c,
                Err(e) => {
                    self.error("camera", e.to_string());
                    None
                }
            }
        } else {
            None
        };
        let mic = match open_mic(&self.config.audio, self.voice.as_ref()) {
            Ok(m) => m,
            Err(e) => {
                self.error("microphone", e.to_string());
                None
            }
        };
        self.metrics.opened(camera.is_some(), mic.is_some());
        let counters = Arc::new(Counters::default());
        if let Ok(mut slot) = self.counters.lock() {
            *slot = counters.clone();
        }
        let (direction, open_role) = match role {
            SessionRole::Caller => (Direction::Outgoing, OpenRole::Caller),
            SessionRole::Callee {
                offer,
                candidates,
                end_of_candidates,
            } => (
                Direction::Incoming,
                OpenRole::Callee {
                    offer,
                    candidates,
                    end_of_candidates,
                },
            ),
        };
        let media = MediaIo {
            video: Arc::new(Mutex::new(camera)),
            audio: Arc::new(Mutex::new(mic)),
            preview: self.preview.clone(),
            remote_video: self.remote_video.clone(),
            remote_audio: self.remote_audio.clone(),
        };
        let mut config = self.config.session.clone();
        config.ice_servers = self.ice_servers.clone();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let forward = self.session_tx.clone();
        let tagged = call.clone();
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                if forward.send((tagged.clone(), ev)).is_err() {
                    return;
                }
            }
        });
        match PeerSession::open(config, open_role, media, counters, tx).await {
            Ok(session) => {
                session.set_mic_muted(self.mic_muted);
                self.active = Some(Active {
                    call,
                    direction,
                    session,
                });
            }
            Err(e) => self.pending.push_back(Input::SessionError {
                call,
                message: e.to_string(),
            }),
        }
    }
}
