//! The Engine API: connects to a signaling server, tracks presence, and runs calls —
//! the pure call state machine driven by signaling, peer-session events, user
//! intents and timers. Events come out on a stream; pictures go straight into the
//! [`VideoSinks`] the app gives it (the decoder's and the camera's threads call them), and
//! remote audio comes out on a drop-oldest queue.
//!
//! Event order: `Connected` first; per call `IncomingCall` (callee) then `CallState`
//! changes ending with `Ended`; `Closed` last.

mod audio_out;
pub mod chat_guard;
mod convert;
mod driver;
mod error_code;
pub mod media_gate;
mod metrics;
mod netwatch;
mod path_check;

pub use error_code::EngineErrorCode;
pub use metrics::{EngineMetrics, MetricsSnapshot};

use std::sync::Arc;

use peercall_media::{AudioFrame, QueueReceiver, SharedSink, VoiceSettings};
use peercall_protocol::PeerInfo;
use peercall_signal::client::{ClientConfig, ClientError, SignalClient};
use tokio::sync::{mpsc, oneshot};

use crate::call::{CallConfig, CallId, CallState, Direction, MediaKinds, PeerId};
use crate::devices::{AudioSource, VideoSource};
use crate::session::SessionConfig;
use crate::stats::{CallStats, Counters};

/// What the engine does with an incoming call before asking anybody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerPolicy {
    /// Report `IncomingCall` and wait for [`Engine::accept`] / [`Engine::reject`].
    Ask,
    /// Accept at once (the agent's `--auto-answer`).
    Accept,
    /// Decline at once (`--reject`).
    Decline,
    /// Answer `busy` at once (`--busy`).
    Busy,
}

/// Everything the engine needs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Signaling client settings (URL, name, room, token, reconnect).
    pub signaling: ClientConfig,
    /// Call timers.
    pub call: CallConfig,
    /// Peer-session settings. Its ICE servers are replaced by the server's
    /// `welcome.iceServers` unless `keep_ice_servers` is set.
    pub session: SessionConfig,
    /// Keep `session.ice_servers` instead of the server's.
    pub keep_ice_servers: bool,
    /// Camera.
    pub video: VideoSource,
    /// Microphone.
    pub audio: AudioSource,
    /// Speaker id for remote audio (`default`), or `None` to play nothing.
    pub speaker: Option<String>,
    /// Incoming-call policy.
    pub answer: AnswerPolicy,
    /// Where pictures go: the other side's video and our own camera's.
    pub video_sinks: VideoSinks,
    /// Echo cancellation, noise suppression and auto gain on the microphone (all on by
    /// default; the synthetic tone is never processed).
    pub voice: VoiceSettings,
    /// Watch the local network and restart ICE when it changes mid-call.
    pub watch_network: bool,
}

impl EngineConfig {
    /// Defaults around a server URL and a display name.
    pub fn new(url: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            signaling: ClientConfig::new(url, name),
            call: CallConfig::default(),
            session: SessionConfig::default(),
            keep_ice_servers: false,
            video: VideoSource::TestPattern,
            audio: AudioSource::Tone,
            speaker: None,
            answer: AnswerPolicy::Ask,
            video_sinks: VideoSinks::default(),
            voice: VoiceSettings::default(),
            watch_network: true,
        }
    }
}

/// What the engine reports. Exhaustive on purpose: the app's shell matches every event
/// (`call_link::translate`), so a new one does not compile until the shell says what it
/// does with it.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// Joined the room (again after a reconnect that could not resume).
    Connected {
        /// Our id.
        id: PeerId,
        /// Everyone else.
        peers: Vec<PeerInfo>,
    },
    /// The signaling connection dropped; attempt `attempt` to reconnect starts after `delay`.
    /// A call in progress keeps its media meanwhile.
    Reconnecting {
        /// 1-based attempt number.
        attempt: u32,
        /// Wait before this attempt.
        delay: std::time::Duration,
    },
    /// The signaling session was resumed: same id, nobody saw us leave. (A reconnect that
    /// could not resume reports `Connected` again instead.)
    Reconnected,
    /// Someone entered the room.
    PeerJoined(PeerInfo),
    /// Someone changed name or busy flag.
    PeerUpdated(PeerInfo),
    /// Someone left.
    PeerLeft(PeerId),
    /// A call is ringing here.
    IncomingCall {
        /// Call id.
        call: CallId,
        /// Caller.
        peer: PeerId,
        /// Offered media.
        media: MediaKinds,
    },
    /// A call changed state (`Ended` carries the reason).
    CallState {
        /// Call id.
        call: CallId,
        /// Other side.
        peer: PeerId,
        /// Who called.
        direction: Direction,
        /// New state.
        state: CallState,
    },
    /// The call's peer came back to signaling under a new id (a server restart gave it a
    /// fresh identity) and the call was re-paired with it: signaling for the call goes to
    /// `peer` now.
    CallRepaired {
        /// Call id.
        call: CallId,
        /// The peer's new id.
        peer: PeerId,
    },
    /// A chat line from the peer.
    Chat {
        /// Text.
        text: String,
    },
    /// The peer's microphone / camera state.
    RemoteMedia {
        /// Peer's mic muted.
        mic_muted: bool,
        /// Peer's camera on.
        camera_on: bool,
    },
    /// Call stats (each second).
    Stats(CallStats),
    /// The first remote video frame of the call was decoded.
    FirstRemoteFrame,
    /// The peer floods the call's data channel: `dropped` of its messages were dropped
    /// unread so far (reported when it starts, then at most once a second). The call goes
    /// on; what got through is rate-limited.
    DataChannelFlood {
        /// Messages dropped in this call so far.
        dropped: u64,
    },
    /// Something failed (a device, the session, an intent that made no sense).
    Error {
        /// What it is about.
        code: EngineErrorCode,
        /// Human-readable message.
        message: String,
    },
    /// The engine stopped (signaling gone for good, or shut down). Last event.
    Closed {
        /// Why.
        reason: String,
    },
}

/// Errors of the Engine API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The signaling server refused or could not be reached.
    #[error("signaling: {0}")]
    Signaling(#[from] ClientError),
    /// The engine task is gone.
    #[error("the engine has stopped")]
    Stopped,
    /// A media thread could not start.
    #[error("thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Audio coming out of the engine, outside the event stream (video goes to the
/// [`VideoSinks`] of its config).
pub struct EngineMedia {
    /// Decoded remote audio, after the speaker.
    pub remote_audio: QueueReceiver<AudioFrame>,
}

/// Where the engine's pictures go, each shown on the thread that made it with no thread in
/// between: the other side's video by the decoder's thread as each frame is due, our own
/// camera's by the camera's thread as each frame is captured (so the self-view shows as soon
/// as a call opens the camera, before ICE connects). `None`: nobody looks.
#[derive(Clone, Default)]
pub struct VideoSinks {
    /// The other side's video; cleared when its stream ends.
    pub remote: Option<SharedSink>,
    /// Our camera while a call has it open; cleared when the camera closes.
    pub preview: Option<SharedSink>,
}

impl std::fmt::Debug for VideoSinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoSinks")
            .field("remote", &self.remote.is_some())
            .field("preview", &self.preview.is_some())
            .finish()
    }
}

#[derive(Debug)]
pub(crate) enum Command {
    Call(PeerId, MediaKinds, oneshot::Sender<CallId>),
    Accept,
    Reject,
    Cancel,
    Hangup,
    MicMuted(bool),
    Camera(bool),
    SwitchCamera(VideoSource),
    SwitchMic(AudioSource),
    Chat(String),
    RestartIce,
    RequestKeyframe,
    Shutdown(oneshot::Sender<()>),
}

/// A handle on a running engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    commands: mpsc::UnboundedSender<Command>,
    id: PeerId,
    metrics: Arc<EngineMetrics>,
    counters: Arc<std::sync::Mutex<Arc<Counters>>>,
}

impl Engine {
    /// Connects to the server and starts the engine. Returns the handle, the event
    /// stream (first event: `Connected`) and the media queues.
    pub async fn connect(
        config: EngineConfig,
    ) -> Result<(Engine, mpsc::UnboundedReceiver<EngineEvent>, EngineMedia), EngineError> {
        let (client, client_events) = SignalClient::connect(config.signaling.clone()).await?;
        let id = convert::peer(&client.id());
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let metrics = Arc::new(EngineMetrics::default());
        let counters = Arc::new(std::sync::Mutex::new(Arc::new(Counters::default())));
        let (driver, media) = driver::Driver::new(
            config,
            Box::new(client),
            Arc::new(driver::RealSessions),
            events_tx,
            metrics.clone(),
            counters.clone(),
        )?;
        tokio::spawn(driver.run(client_events, command_rx));
        let engine = Engine {
            commands,
            id,
            metrics,
            counters,
        };
        Ok((engine, events, media))
    }

    /// Our id on the server when the engine connected. A reconnect that cannot resume gets
    /// a new one (reported in `EngineEvent::Connected`; a call in progress is re-paired).
    #[must_use]
    pub fn id(&self) -> &PeerId {
        &self.id
    }

    /// Calls a peer; returns the new call's id.
    pub async fn call(&self, peer: PeerId) -> Result<CallId, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Call(peer, MediaKinds::BOTH, tx))?;
        rx.await.map_err(|_| EngineError::Stopped)
    }

    /// Accepts the ringing call.
    pub fn accept(&self) -> Result<(), EngineError> {
        self.send(Command::Accept)
    }

    /// Declines the ringing call.
    pub fn reject(&self) -> Result<(), EngineError> {
        self.send(Command::Reject)
    }

    /// Gives up our unanswered call.
    pub fn cancel(&self) -> Result<(), EngineError> {
        self.send(Command::Cancel)
    }

    /// Ends the call.
    pub fn hangup(&self) -> Result<(), EngineError> {
        self.send(Command::Hangup)
    }

    /// Mutes or unmutes the microphone.
    pub fn set_mic_muted(&self, muted: bool) -> Result<(), EngineError> {
        self.send(Command::MicMuted(muted))
    }

    /// Turns the camera on or off (off releases the device).
    pub fn set_camera_on(&self, on: bool) -> Result<(), EngineError> {
        self.send(Command::Camera(on))
    }

    /// Switches the camera, mid-call too, without renegotiation.
    pub fn switch_camera(&self, source: VideoSource) -> Result<(), EngineError> {
        self.send(Command::SwitchCamera(source))
    }

    /// Switches the microphone, mid-call too, without renegotiation.
    pub fn switch_microphone(&self, source: AudioSource) -> Result<(), EngineError> {
        self.send(Command::SwitchMic(source))
    }

    /// Restarts ICE on the established call, as a change of the local network does (the
    /// caller offers fresh credentials, the callee asks the caller to): for a path that
    /// went bad unnoticed. Needs signaling; nothing happens without an established call.
    pub fn restart_ice(&self) -> Result<(), EngineError> {
        self.send(Command::RestartIce)
    }

    /// Asks the peer for a keyframe on the established call (a PLI, as the receive path
    /// sends by itself when a frame is lost for good); the received video waits for it.
    /// Nothing happens without an established call.
    pub fn request_keyframe(&self) -> Result<(), EngineError> {
        self.send(Command::RequestKeyframe)
    }

    /// Sends a chat line over the call's data channel.
    pub fn send_chat(&self, text: impl Into<String>) -> Result<(), EngineError> {
        self.send(Command::Chat(text.into()))
    }

    /// Engine metrics (messages sent per kind, devices opened, setup timings).
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }

    /// Media counters of the current (or last) call.
    #[must_use]
    pub fn call_counters(&self) -> crate::stats::CounterSnapshot {
        match self.counters.lock() {
            Ok(c) => c.snapshot(),
            Err(p) => p.into_inner().snapshot(),
        }
    }

    /// Hangs up any call, leaves the server (clean close) and stops the engine.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.send(Command::Shutdown(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    fn send(&self, command: Command) -> Result<(), EngineError> {
        self.commands
            .send(command)
            .map_err(|_| EngineError::Stopped)
    }
}
