//! The engine task: feeds signaling, session events, commands and timers into the call
//! state machine and carries out its actions.
//!
//! One job per file: here the task's state, its select loop and `feed` (an input and
//! everything it leads to); `commands` (the API's requests), `signaling` (the server's
//! events, network changes), `session_events` (the peer session's), `actions` (carrying out
//! the machine's actions), `media` (opening devices and the session), `answer` (the
//! incoming-call policy, pure), `ports` (the signaling client and the peer session as
//! traits, so `tests` run the driver against simulated ones from `sim`).

mod actions;
mod answer;
mod commands;
mod media;
mod ports;
mod session_events;
mod signaling;
#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;

pub(crate) use ports::{RealSessions, SessionFactory, Signaling};

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use peercall_media::{drop_oldest_queue, AudioFrame, QueueSender, SharedProcessor, VoiceProcessor};
use peercall_signal::client::ClientEvent;
use tokio::sync::mpsc;

use super::metrics::EngineMetrics;
use super::path_check::SelectedPath;
use super::{audio_out, Command, EngineConfig, EngineErrorCode, EngineEvent, EngineMedia};
use crate::call::{CallId, CallMachine, Direction, Input};
use crate::session::{AudioSlot, IceServerConfig, SessionEvent, VideoSlot};
use crate::stats::Counters;

struct Active {
    call: CallId,
    direction: Direction,
    session: Box<dyn ports::Session>,
    /// The session's camera and microphone slots (to switch or empty them mid-call).
    video: VideoSlot,
    audio: AudioSlot,
}

pub(crate) struct Driver {
    config: EngineConfig,
    client: Option<Box<dyn Signaling>>,
    sessions: Arc<dyn SessionFactory>,
    events: mpsc::UnboundedSender<EngineEvent>,
    metrics: Arc<EngineMetrics>,
    counters: Arc<Mutex<Arc<Counters>>>,
    machine: CallMachine,
    active: Option<Active>,
    session_tx: mpsc::UnboundedSender<(CallId, SessionEvent)>,
    session_rx: mpsc::UnboundedReceiver<(CallId, SessionEvent)>,
    remote_audio: Arc<QueueSender<AudioFrame>>,
    /// How long the speaker takes to play what it is given (set by `audio_out`).
    speaker_delay: crate::session::SpeakerDelay,
    /// Echo cancellation etc., shared by the speaker (reference) and each microphone.
    voice: Option<SharedProcessor>,
    ice_servers: Vec<IceServerConfig>,
    mic_muted: bool,
    camera_on: bool,
    welcomed: bool,
    pending: VecDeque<Input>,
    chat: super::chat_guard::ChatGuard,
    remote_media: super::media_gate::MediaGate,
    /// Why the session just closed had not connected (taken when the call ends as
    /// "connection failed", however that came: ICE or DTLS failing, or the deadline).
    unconnected_why: Option<&'static str>,
    /// The active call's selected pair, from its last stats (`path_check`).
    path: Option<(CallId, SelectedPath)>,
}

fn random_call_id() -> CallId {
    CallId(format!("{:032x}", rand::random::<u128>()))
}

impl Driver {
    pub(crate) fn new(
        config: EngineConfig,
        client: Box<dyn Signaling>,
        sessions: Arc<dyn SessionFactory>,
        events: mpsc::UnboundedSender<EngineEvent>,
        metrics: Arc<EngineMetrics>,
        counters: Arc<Mutex<Arc<Counters>>>,
    ) -> std::io::Result<(Self, EngineMedia)> {
        let (audio_in_tx, audio_in_rx) = drop_oldest_queue(50);
        let (tap_tx, remote_audio) = drop_oldest_queue(500);
        let voice = config
            .voice
            .any()
            .then(|| SharedProcessor::new(Box::new(VoiceProcessor::new(config.voice))));
        let speaker_delay = crate::session::SpeakerDelay::default();
        audio_out::spawn(
            audio_in_rx,
            Arc::new(tap_tx),
            config.speaker.clone(),
            voice.clone(),
            speaker_delay.clone(),
        )?;
        let (session_tx, session_rx) = mpsc::unbounded_channel();
        let ice_servers = config.session.ice_servers.clone();
        let driver = Self {
            machine: CallMachine::new(config.call),
            voice,
            config,
            client: Some(client),
            sessions,
            events,
            metrics,
            counters,
            active: None,
            session_tx,
            session_rx,
            remote_audio: Arc::new(audio_in_tx),
            speaker_delay,
            ice_servers,
            mic_muted: false,
            camera_on: true,
            welcomed: false,
            pending: VecDeque::new(),
            chat: super::chat_guard::ChatGuard::new(Instant::now()),
            remote_media: super::media_gate::MediaGate::new(Instant::now()),
            unconnected_why: None,
            path: None,
        };
        let media = EngineMedia { remote_audio };
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
                Some(change) = net_changes.recv() => self.on_network_changed(change).await,
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

    fn error(&self, code: EngineErrorCode, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!("{code}: {message}");
        self.emit(EngineEvent::Error { code, message });
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
}
