//! Send-side adaptation end to end: a 640x480 camera with a bitrate ceiling too low for
//! 640x480 is scaled before encoding, and the peer decodes the smaller picture with its
//! stamp intact, while the camera itself keeps capturing at 640x480.

mod common;

use std::time::Duration;

use common::sessions::{has, offer_answer_with, pump};
use peercall_engine::session::{SessionConfig, SessionEvent, VideoSettings};
use peercall_engine::stats::unpack_size;

/// 640x480 capture, at most 150 kbit/s of video: below 640x480's and 480x360's minimum,
/// above 320x240's (see `session::adapt::min_kbps`).
fn config() -> SessionConfig {
    let mut video = VideoSettings::new(640, 480, 30);
    video.max_kbps = 150;
    SessionConfig {
        bind_addrs: vec!["127.0.0.1:0".to_owned()],
        video,
        ..SessionConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_bitrate_ceiling_sends_a_smaller_picture_the_peer_decodes() {
    let (mut caller, mut callee) = offer_answer_with(config()).await;
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
