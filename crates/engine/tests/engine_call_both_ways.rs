//! A real 5-second call between two engines through a real signaling server on
//! loopback: each side's test-pattern stamps advance with few lost frames and each
//! side hears the other's tone; chat and mute travel over the data channel; the
//! caller hangs up and the callee sees why.

mod common;

use std::time::Duration;

use common::engine::{connected_call, server};
use peercall_engine::call::{EndReason, Side};
use peercall_engine::EngineEvent;
use peercall_media::source::tone::dominant_frequency;
use peercall_media::{AudioFrame, Picture, QueueReceiver, AUDIO_RATE};

/// Collects stamped frames and audio for `secs` seconds.
fn collect(
    video: &QueueReceiver<Picture>,
    audio: &QueueReceiver<AudioFrame>,
    out_frames: &mut Vec<u64>,
    out_pcm: &mut Vec<f32>,
) {
    while let Some(f) = video.try_recv() {
        if f.stamped {
            out_frames.push(f.frame.frame_number);
        }
    }
    while let Some(a) = audio.try_recv() {
        out_pcm.extend(a.samples);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_second_call_both_ways() {
    let server = server().await;
    let url = server.url();
    let (mut alice, mut bob) = connected_call(&url).await;

    let (mut a_frames, mut b_frames, mut a_pcm, mut b_pcm) = (vec![], vec![], vec![], vec![]);
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < until {
        collect(
            &alice.media.remote_video,
            &alice.media.remote_audio,
            &mut a_frames,
            &mut a_pcm,
        );
        collect(
            &bob.media.remote_video,
            &bob.media.remote_audio,
            &mut b_frames,
            &mut b_pcm,
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    for (name, frames, pcm, agent) in [
        ("alice", &a_frames, &a_pcm, &alice),
        ("bob", &b_frames, &b_pcm, &bob),
    ] {
        assert!(
            frames.len() >= 60,
            "{name} saw only {} stamped frames",
            frames.len()
        );
        assert!(
            frames.windows(2).all(|w| w[1] > w[0]),
            "{name}: stamps must advance"
        );
        let span = frames.last().unwrap_or(&0) - frames.first().unwrap_or(&0) + 1;
        let c = agent.engine.call_counters();
        assert!(
            c.video_frames_lost * 20 <= span,
            "{name}: {} lost of {span}",
            c.video_frames_lost
        );
        assert!(
            pcm.len() >= AUDIO_RATE as usize * 3,
            "{name}: {} samples",
            pcm.len()
        );
        let tail = &pcm[pcm.len() - AUDIO_RATE as usize / 4..];
        let tone = dominant_frequency(tail, AUDIO_RATE).expect("a tone");
        assert!(
            (tone.frequency_hz - 440.0).abs() < 15.0,
            "{name}: tone at {} Hz",
            tone.frequency_hz
        );
        let m = agent.engine.metrics();
        assert!(
            m.offer_to_connected_ms.is_some() && m.offer_to_first_frame_ms.is_some(),
            "{m:?}"
        );
    }

    // Chat and mute state over the data channel.
    alice.engine.send_chat("hi bob").expect("chat");
    bob.wait_for(
        "chat",
        |e| matches!(e, EngineEvent::Chat { text } if text == "hi bob"),
    )
    .await;
    bob.engine.set_mic_muted(true).expect("mute");
    alice
        .wait_for("remote mute", |e| {
            matches!(
                e,
                EngineEvent::RemoteMedia {
                    mic_muted: true,
                    ..
                }
            )
        })
        .await;
    // Stats arrive each second with the candidate pair type.
    alice
        .wait_for("stats", |e| {
            matches!(e, EngineEvent::Stats(s) if s.candidate_type.as_deref() == Some("host") && s.fps_in > 5.0)
        })
        .await;

    alice.engine.hangup().expect("hangup");
    assert_eq!(alice.wait_ended().await, EndReason::HungUp(Side::Local));
    assert_eq!(bob.wait_ended().await, EndReason::HungUp(Side::Remote));
    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}
