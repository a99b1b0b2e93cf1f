//! Two real peer sessions in one process over 127.0.0.1: trickle ICE both ways, the
//! data channel, VP8 video with advancing test-pattern stamps and Opus audio each way.

mod common;

use std::time::{Duration, Instant};

use common::sessions::{has, offer_answer, pump};
use peercall_engine::session::{ControlMessage, SessionEvent};
use peercall_media::source::tone::dominant_frequency;
use peercall_media::AUDIO_RATE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_exchange_media_and_chat_over_loopback() {
    let (mut caller, mut callee) = offer_answer().await;

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

    // Let media run until each side has 10 stamped frames and half a second of audio (the
    // deadline only guards against a hang), then check both directions.
    let mut got: [(Vec<u64>, Vec<f32>); 2] = Default::default();
    let enough = |got: &[(Vec<u64>, Vec<f32>); 2]| {
        got.iter()
            .all(|(stamps, pcm)| stamps.len() >= 10 && pcm.len() >= AUDIO_RATE as usize / 2)
    };
    let end = Instant::now() + Duration::from_secs(30);
    while !enough(&got) {
        assert!(
            Instant::now() < end,
            "media still short after 30 s: {:?}",
            got.each_ref().map(|(s, p)| (s.len(), p.len()))
        );
        let _ = pump(
            &mut caller,
            &mut callee,
            Duration::from_millis(100),
            |_, _| false,
        )
        .await;
        for ((stamps, pcm), peer) in got.iter_mut().zip([&caller, &callee]) {
            while let Some(f) = peer.video.try_recv() {
                if f.stamped {
                    stamps.push(f.frame.frame_number);
                }
            }
            while let Some(f) = peer.audio.try_recv() {
                pcm.extend(f.samples);
            }
        }
    }
    for ((name, peer), (stamps, pcm)) in [("caller", &caller), ("callee", &callee)]
        .into_iter()
        .zip(&got)
    {
        assert!(
            stamps.windows(2).all(|w| w[1] > w[0]),
            "{name}: stamps must advance: {stamps:?}"
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
            c.video_frames_sent >= 10 && c.audio_packets_sent >= 10,
            "{name}: {c:?}"
        );
    }
    caller.session.close().await;
    callee.session.close().await;
}
