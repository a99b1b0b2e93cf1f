//! Two real peer sessions in one process over 127.0.0.1: trickle ICE both ways, the
//! data channel, VP8 video with advancing test-pattern stamps and Opus audio each way.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peercall_engine::call::IceCandidate;
use peercall_engine::devices::{open_camera, open_mic, AudioSource, VideoSource};
use peercall_engine::session::{
    ControlMessage, MediaIo, OpenRole, PeerSession, RemoteVideoFrame, SessionConfig, SessionEvent,
    VideoSettings,
};
use peercall_engine::stats::Counters;
use peercall_media::source::tone::dominant_frequency;
use peercall_media::{drop_oldest_queue, AudioFrame, QueueReceiver, AUDIO_RATE};
use tokio::sync::mpsc;

struct Peer {
    session: PeerSession,
    events: mpsc::UnboundedReceiver<SessionEvent>,
    video: QueueReceiver<RemoteVideoFrame>,
    audio: QueueReceiver<AudioFrame>,
    counters: Arc<Counters>,
}

fn config() -> SessionConfig {
    SessionConfig {
        bind_addrs: vec!["127.0.0.1:0".to_owned()],
        video: VideoSettings::new(320, 240, 30),
        ..SessionConfig::default()
    }
}

async fn open(role: OpenRole) -> Peer {
    let cfg = config();
    let cam = open_camera(&VideoSource::TestPattern, &cfg.video).expect("test pattern");
    let mic = open_mic(&AudioSource::Tone).expect("tone mic");
    let (vtx, video) = drop_oldest_queue(64);
    let (atx, audio) = drop_oldest_queue(512);
    let media = MediaIo {
        video: Arc::new(Mutex::new(cam)),
        audio: Arc::new(Mutex::new(mic)),
        preview: None,
        remote_video: Arc::new(vtx),
        remote_audio: Arc::new(atx),
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
async fn next_description(p: &mut Peer) -> (String, Vec<IceCandidate>) {
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
async fn pump(
    a: &mut Peer,
    b: &mut Peer,
    deadline: Duration,
    mut done: impl FnMut(&[SessionEvent], &[SessionEvent]) -> bool,
) -> (Vec<SessionEvent>, Vec<SessionEvent>) {
    let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
    let end = Instant::now() + deadline;
    while Instant::now() < end && !done(&seen_a, &seen_b) {
        tokio::select! {
            Some(e) = a.events.recv() => {
                if let SessionEvent::LocalCandidate(c) = &e {
                    b.session.add_remote_candidate(c.clone()).await.expect("candidate a→b");
                }
                if matches!(e, SessionEvent::Connected) { a.session.start_media().await.expect("media a"); }
                seen_a.push(e);
            }
            Some(e) = b.events.recv() => {
                if let SessionEvent::LocalCandidate(c) = &e {
                    a.session.add_remote_candidate(c.clone()).await.expect("candidate b→a");
                }
                if matches!(e, SessionEvent::Connected) { b.session.start_media().await.expect("media b"); }
                seen_b.push(e);
            }
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    (seen_a, seen_b)
}

fn has(events: &[SessionEvent], f: impl Fn(&SessionEvent) -> bool) -> bool {
    events.iter().any(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_exchange_media_and_chat_over_loopback() {
    let mut caller = open(OpenRole::Caller).await;
    let (offer, caller_early) = next_description(&mut caller).await;
    let mut callee = open(OpenRole::Callee {
        offer,
        candidates: caller_early,
        end_of_candidates: false,
    })
    .await;
    let (answer, callee_early) = next_description(&mut callee).await;
    caller.session.apply_answer(answer).await.expect("answer");
    for c in callee_early {
        caller
            .session
            .add_remote_candidate(c)
            .await
            .expect("early candidate");
    }

    let (ea, eb) = pump(&mut caller, &mut callee, Duration::from_secs(20), |a, b| {
        let open = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::ChannelOpen));
        let frame = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame));
        open(a) && open(b) && frame(a) && frame(b)
    })
    .await;
    for (name, e) in [("caller", &ea), ("callee", &eb)] {
        assert!(
            has(e, |x| matches!(x, SessionEvent::Connected)),
            "{name} connected: {e:?}"
        );
        assert!(
            has(e, |x| matches!(x, SessionEvent::ChannelOpen)),
            "{name} channel: {e:?}"
        );
        assert!(
            has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame)),
            "{name} video: {e:?}"
        );
    }

    // Chat both ways over the data channel.
    let hello = ControlMessage::Chat {
        text: "hello bob".to_owned(),
    };
    caller
        .session
        .send_control(&hello)
        .await
        .expect("send chat");
    let mute = ControlMessage::Media {
        mic_muted: true,
        camera_on: false,
    };
    callee
        .session
        .send_control(&mute)
        .await
        .expect("send control");
    let (ea, eb) = pump(&mut caller, &mut callee, Duration::from_secs(10), |a, b| {
        has(a, |x| matches!(x, SessionEvent::Control(_)))
            && has(b, |x| matches!(x, SessionEvent::Control(_)))
    })
    .await;
    assert!(eb
        .iter()
        .any(|e| matches!(e, SessionEvent::Control(m) if *m == hello)));
    assert!(ea
        .iter()
        .any(|e| matches!(e, SessionEvent::Control(m) if *m == mute)));

    // Let media run for a while, then check both directions.
    let _ = pump(&mut caller, &mut callee, Duration::from_secs(2), |_, _| {
        false
    })
    .await;
    for (name, peer) in [("caller", &caller), ("callee", &callee)] {
        let mut stamps = Vec::new();
        while let Some(f) = peer.video.try_recv() {
            if f.stamped {
                stamps.push(f.frame.frame_number);
            }
        }
        assert!(
            stamps.len() >= 10,
            "{name}: only {} stamped frames",
            stamps.len()
        );
        assert!(
            stamps.windows(2).all(|w| w[1] > w[0]),
            "{name}: stamps must advance: {stamps:?}"
        );
        let mut pcm = Vec::new();
        while let Some(f) = peer.audio.try_recv() {
            pcm.extend(f.samples);
        }
        assert!(
            pcm.len() >= AUDIO_RATE as usize / 2,
            "{name}: {} samples of audio",
            pcm.len()
        );
        let tail = &pcm[pcm.len() - AUDIO_RATE as usize / 4..];
        let tone = dominant_frequency(tail, AUDIO_RATE).expect("a tone");
        assert!(
            (tone.frequency_hz - 440.0).abs() < 15.0,
            "{name}: tone at {} Hz",
            tone.frequency_hz
        );
        let c = peer.counters.snapshot();
        assert!(
            c.video_frames_sent > 10 && c.audio_packets_sent > 10,
            "{name}: {c:?}"
        );
    }
    caller.session.close().await;
    callee.session.close().await;
}
