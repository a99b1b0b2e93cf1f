//! A harness for engine integration tests: a real in-process signaling server on
//! 127.0.0.1 and engines with short timers.

use std::time::{Duration, Instant};

use peercall_engine::call::{CallConfig, CallState, EndReason, PeerId};
use peercall_engine::session::{SessionConfig, VideoSettings};
use peercall_engine::{AnswerPolicy, Engine, EngineConfig, EngineEvent};
use peercall_media::{queue_sink, AudioFrame, Picture, QueueReceiver, SharedSink};
use peercall_signal::server::{Config, Server, ServerHandle};
use tokio::sync::mpsc;

/// Generous: CI machines are loaded.
pub const WAIT: Duration = Duration::from_secs(20);

pub async fn server() -> ServerHandle {
    Server::bind(Config::loopback())
        .await
        .expect("bind signaling server")
}

pub fn config(url: &str, name: &str, answer: AnswerPolicy) -> EngineConfig {
    let mut c = EngineConfig::new(url, name);
    c.answer = answer;
    c.call = CallConfig {
        ring_timeout: Duration::from_secs(10),
        caller_grace: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(15),
        reconnect_grace: Duration::from_secs(3),
    };
    c.session = SessionConfig {
        bind_addrs: vec!["127.0.0.1:0".to_owned()],
        video: VideoSettings::new(320, 240, 30),
        ..SessionConfig::default()
    };
    c
}

/// What an engine under test shows and plays: its remote video through a real queue sink
/// (unless the test gave a sink of its own), its remote audio from the engine's queue.
pub struct Media {
    pub remote_video: QueueReceiver<Picture>,
    pub remote_audio: QueueReceiver<AudioFrame>,
}

pub struct Agent {
    pub engine: Engine,
    pub events: mpsc::UnboundedReceiver<EngineEvent>,
    pub media: Media,
    pub log: Vec<EngineEvent>,
}

impl Agent {
    pub async fn start(mut config: EngineConfig) -> Self {
        let (sink, remote_video) = queue_sink(4);
        let sink: SharedSink = sink;
        config.video_sinks.remote.get_or_insert(sink);
        let (engine, events, media) = Engine::connect(config).await.expect("engine connects");
        let media = Media {
            remote_video,
            remote_audio: media.remote_audio,
        };
        Self {
            engine,
            events,
            media,
            log: Vec::new(),
        }
    }

    /// Waits for an event matching `f` (events are kept in `log`).
    pub async fn wait_for(&mut self, what: &str, f: impl Fn(&EngineEvent) -> bool) -> EngineEvent {
        if let Some(e) = self.log.iter().find(|e| f(e)) {
            return e.clone();
        }
        let end = Instant::now() + WAIT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(e)) => {
                    self.log.push(e.clone());
                    if f(&e) {
                        return e;
                    }
                }
                Ok(None) => panic!("engine stopped while waiting for {what}: {:#?}", self.log),
                Err(_) => panic!("timed out waiting for {what}: {:#?}", self.log),
            }
        }
    }

    /// Drains events without waiting.
    pub fn drain(&mut self) {
        while let Ok(e) = self.events.try_recv() {
            self.log.push(e);
        }
    }

    pub async fn peer_named(&mut self, name: &str) -> PeerId {
        let ev = self
            .wait_for(&format!("peer {name}"), |e| match e {
                EngineEvent::Connected { peers, .. } => peers.iter().any(|p| p.name == name),
                EngineEvent::PeerJoined(p) => p.name == name,
                _ => false,
            })
            .await;
        let peers = match ev {
            EngineEvent::Connected { peers, .. } => peers,
            EngineEvent::PeerJoined(p) => vec![p],
            _ => vec![],
        };
        let found = peers
            .into_iter()
            .find(|p| p.name == name)
            .expect("peer present");
        PeerId(found.id.0)
    }

    pub async fn wait_state(&mut self, want: CallState) {
        let label = format!("{want:?}");
        self.wait_for(
            &label,
            |e| matches!(e, EngineEvent::CallState { state, .. } if *state == want),
        )
        .await;
    }

    pub async fn wait_ended(&mut self) -> EndReason {
        match self
            .wait_for("call end", |e| {
                matches!(
                    e,
                    EngineEvent::CallState {
                        state: CallState::Ended(_),
                        ..
                    }
                )
            })
            .await
        {
            EngineEvent::CallState {
                state: CallState::Ended(r),
                ..
            } => r,
            _ => unreachable!(),
        }
    }
}

/// Alice (asks) calls Bob (accepts) through the server at `url`; returns both once each
/// side says the call is connected.
pub async fn connected_call(url: &str) -> (Agent, Agent) {
    let mut bob = Agent::start(config(url, "bob", AnswerPolicy::Accept)).await;
    let mut alice = Agent::start(config(url, "alice", AnswerPolicy::Ask)).await;
    let bob_id = alice.peer_named("bob").await;
    alice.engine.call(bob_id).await.expect("call");
    alice.wait_state(CallState::Connected).await;
    bob.wait_state(CallState::Connected).await;
    (alice, bob)
}
