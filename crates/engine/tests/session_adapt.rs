//! Send-side adaptation end to end: a 640x480 camera with a bitrate ceiling too low for
//! 640x480 is scaled before encoding, and the peer decodes the smaller picture with its
//! stamp intact, while the camera itself keeps capturing at 640x480.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::sessions::{has, next_description, pump, Peer};
use peercall_engine::devices::{open_camera, open_mic, AudioSource, VideoSource};
use peercall_engine::session::{
    MediaIo, OpenRole, PeerSession, SessionConfig, SessionEvent, VideoSettings,
};
use peercall_engine::stats::{unpack_size, Counters};
use peercall_media::drop_oldest_queue;
use tokio::sync::mpsc;

/// 640x480 capture, at most 150 kbit/s of video: below 640x480's and 480x360's minimum,
/// above 320x240's (see `session::send::adapt::min_kbps`).
fn config() -> SessionConfig {
    let mut video = VideoSettings::new(640, 480, 30);
    video.max_kbps = 150;
    SessionConfig {
        bind_addrs: vec!["127.0.0.1:0".to_owned()],
        video,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_bitrate_ceiling_sends_a_smaller_picture_the_peer_decodes() {
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
        caller.session.add_remote_candidate(c).await.expect("early");
    }
    let frame = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame));
    let (ea, eb) = pump(&mut caller, &mut callee, Duration::from_secs(20), |a, b| {
        frame(a) && frame(b)
    })
    .await;
    assert!(frame(&ea) && frame(&eb), "video both ways: {ea:?} {eb:?}");
    let _ = pump(&mut caller, &mut callee, Duration::from_secs(2), |_, _| {
        false
    })
    .await;

    for (name, peer, sender) in [("caller", &caller, &callee), ("callee", &callee, &caller)] {
        let sent = sender.counters.snapshot();
        assert_eq!(
            unpack_size(sent.video_sent_size),
            Some((320, 240)),
            "{name}'s peer sends 320x240"
        );
        assert_eq!(sent.video_send_fps, 30, "frame rate kept at 150 kbit/s");
        let mut sizes = Vec::new();
        let mut stamped = 0;
        while let Some(f) = peer.video.try_recv() {
            sizes.push((f.frame.width, f.frame.height));
            stamped += usize::from(f.stamped);
        }
        assert!(!sizes.is_empty(), "{name} received frames");
        assert!(
            sizes.iter().all(|&s| s == (320, 240)),
            "{name} decodes 320x240 only (the adapter starts there): {sizes:?}"
        );
        assert!(
            stamped * 10 >= sizes.len() * 9,
            "{name}: stamps survive the downscale ({stamped} of {})",
            sizes.len()
        );
    }
}
