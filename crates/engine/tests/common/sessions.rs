//! Two real peer sessions in one process over 127.0.0.1: opening, the offer/answer
//! exchange, and a pump that moves trickled candidates across while collecting events.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peercall_engine::call::IceCandidate;
use peercall_engine::devices::{open_camera, open_mic, AudioSource, VideoSource};
use peercall_engine::session::{
    MediaIo, OpenRole, PeerSession, SessionConfig, SessionEvent, VideoSettings,
};
use peercall_engine::stats::Counters;
use peercall_media::{drop_oldest_queue, queue_sink, AudioFrame, Picture, QueueReceiver};
use tokio::sync::mpsc;

use super::relay::Relay;

pub struct Peer {
    pub session: PeerSession,
    pub events: mpsc::UnboundedReceiver<SessionEvent>,
    pub video: QueueReceiver<Picture>,
    pub audio: QueueReceiver<AudioFrame>,
    pub counters: Arc<Counters>,
}

pub fn config() -> SessionConfig {
    SessionConfig {
        bind_addrs: vec!["127.0.0.1:0".to_owned()],
        video: VideoSettings::new(320, 240, 30),
        ..SessionConfig::default()
    }
}

pub async fn open(role: OpenRole) -> Peer {
    open_with(config(), role).await
}

/// Opens a session with this configuration, the test pattern and the tone as media.
pub async fn open_with(cfg: SessionConfig, role: OpenRole) -> Peer {
    let cam = open_camera(&VideoSource::TestPattern, &cfg.video).expect("test pattern");
    let mic = open_mic(&AudioSource::Tone, None).expect("tone mic");
    let (vtx, video) = queue_sink(64);
    let (atx, audio) = drop_oldest_queue(512);
    let media = MediaIo {
        video: Arc::new(Mutex::new(cam)),
        audio: Arc::new(Mutex::new(mic)),
        remote_video: Some(vtx),
        remote_audio: Arc::new(atx),
        speaker_delay: Default::default(),
    };
    let (tx, events) = mpsc::unbounded_channel();
    let counters = Arc::new(Counters::default());
    let session = PeerSession::open(cfg, role, media, counters.clone(), tx)
        .await
        .expect("open session");
    Peer {
        session,
        events,
        video,
        audio,
        counters,
    }
}

/// Waits for the local description; candidates gathered meanwhile are returned too.
pub async fn next_description(p: &mut Peer) -> (String, Vec<IceCandidate>) {
    let mut early = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), p.events.recv()).await {
            Ok(Some(SessionEvent::LocalDescription(sdp))) => return (sdp, early),
            Ok(Some(SessionEvent::LocalCandidate(c))) => early.push(c),
            Ok(Some(_)) => {}
            other => panic!("no local description: {other:?}"),
        }
    }
}

/// Moves candidates across and collects the other events until `done` holds for both.
pub async fn pump(
    a: &mut Peer,
    b: &mut Peer,
    deadline: Duration,
    done: impl FnMut(&[SessionEvent], &[SessionEvent]) -> bool,
) -> (Vec<SessionEvent>, Vec<SessionEvent>) {
    pump_through(a, b, None, deadline, done).await
}

/// [`pump`], with each candidate pointed at `relay` when there is one (`a` is its A).
pub async fn pump_through(
    a: &mut Peer,
    b: &mut Peer,
    relay: Option<&Relay>,
    deadline: Duration,
    mut done: impl FnMut(&[SessionEvent], &[SessionEvent]) -> bool,
) -> (Vec<SessionEvent>, Vec<SessionEvent>) {
    let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
    let end = Instant::now() + deadline;
    while Instant::now() < end && !done(&seen_a, &seen_b) {
        tokio::select! {
            Some(e) = a.events.recv() => {
                if let SessionEvent::LocalCandidate(c) = &e {
                    let c = relay.map_or_else(|| c.clone(), |r| r.a_to_b(c));
                    b.session.add_remote_candidate(c).await.expect("candidate a→b");
                }
                if matches!(e, SessionEvent::Connected) { a.session.start_media().await.expect("media a"); }
                seen_a.push(e);
            }
            Some(e) = b.events.recv() => {
                if let SessionEvent::LocalCandidate(c) = &e {
                    let c = relay.map_or_else(|| c.clone(), |r| r.b_to_a(c));
                    a.session.add_remote_candidate(c).await.expect("candidate b→a");
                }
                if matches!(e, SessionEvent::Connected) { b.session.start_media().await.expect("media b"); }
                seen_b.push(e);
            }
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    (seen_a, seen_b)
}

pub fn has(events: &[SessionEvent], f: impl Fn(&SessionEvent) -> bool) -> bool {
    events.iter().any(f)
}

pub fn connected(events: &[SessionEvent]) -> bool {
    has(events, |e| matches!(e, SessionEvent::Connected))
}

/// Whether the session failed or disconnected.
pub fn ended(events: &[SessionEvent]) -> bool {
    has(events, |e| {
        matches!(e, SessionEvent::Failed | SessionEvent::Disconnected)
    })
}

/// The events that tell the story (no candidates, descriptions or stats), for a failure
/// message.
pub fn story(events: &[SessionEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            !matches!(
                e,
                SessionEvent::LocalCandidate(_)
                    | SessionEvent::LocalDescription(_)
                    | SessionEvent::Stats(_)
            )
        })
        .map(|e| format!("{e:?}").chars().take(40).collect())
        .collect()
}

/// A caller and a callee through `relay` (the caller is its A), until both connected or
/// either failed (20 s at most); each side's events.
pub async fn connect_through(relay: &Relay) -> (Vec<SessionEvent>, Vec<SessionEvent>) {
    let (mut caller, mut callee) = offer_answer_through(config(), Some(relay)).await;
    let failed = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::Failed));
    pump_through(
        &mut caller,
        &mut callee,
        Some(relay),
        Duration::from_secs(20),
        |a, b| (connected(a) && connected(b)) || failed(a) || failed(b),
    )
    .await
}

/// Opens a caller and a callee and exchanges offer, answer and early candidates.
pub async fn offer_answer() -> (Peer, Peer) {
    offer_answer_with(config()).await
}

/// [`offer_answer`] with this configuration on both sides.
pub async fn offer_answer_with(cfg: SessionConfig) -> (Peer, Peer) {
    offer_answer_through(cfg, None).await
}

/// [`offer_answer_with`], the early candidates pointed at `relay` (the caller is its A).
pub async fn offer_answer_through(cfg: SessionConfig, relay: Option<&Relay>) -> (Peer, Peer) {
    let mut caller = open_with(cfg.clone(), OpenRole::Caller).await;
    let (offer, caller_early) = next_description(&mut caller).await;
    let caller_early = match relay {
        Some(r) => caller_early.iter().map(|c| r.a_to_b(c)).collect(),
        None => caller_early,
    };
    let mut callee = open_with(
        cfg,
        OpenRole::Callee {
            offer,
            candidates: caller_early,
            end_of_candidates: false,
        },
    )
    .await;
    let (answer, callee_early) = next_description(&mut callee).await;
    caller.session.apply_answer(answer).await.expect("answer");
    for c in callee_early {
        let c = relay.map_or(c.clone(), |r| r.b_to_a(&c));
        caller
            .session
            .add_remote_candidate(c)
            .await
            .expect("early candidate");
    }
    (caller, callee)
}
