//! A real call between two engines through a real signaling server on loopback, until
//! each side has seen 60 of the other's frames and heard 3 s of its audio (however long
//! that takes: the deadline only guards against a hang): each side's test-pattern stamps
//! advance with few lost frames and each side hears the other's tone; chat and mute travel
//! over the data channel; the caller hangs up and the callee sees why.

mod common;

use std::time::{Duration, Instant};

use common::engine::{connected_call, server};
use peercall_engine::call::{EndReason, Side};
use peercall_engine::EngineEvent;
use peercall_media::source::tone::dominant_frequency;
use peercall_media::{AudioFrame, Picture, QueueReceiver, AUDIO_RATE};

/// Frames each side must see, and seconds of audio it must hear.
const FRAMES: usize = 60;
const AUDIO_SECS: usize = 3;
/// Only a guard against a hang: the test waits for the media, not for a time.
const DEADLINE: Duration = Duration::from_secs(90);

/// Collects the stamped frames and audio that arrived since the last call.
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
    let started = Instant::now();
    let enough = |frames: &[u64], pcm: &[f32]| {
        frames.len() >= FRAMES && pcm.len() >= AUDIO_RATE as usize * AUDIO_SECS
    };
    while !(enough(&a_frames, &a_pcm) && enough(&b_frames, &b_pcm)) {
        assert!(
            started.elapsed() < DEADLINE,
            "after {DEADLINE:?}: alice {} frames {} samples, bob {} frames {} samples",
            a_frames.len(),
            a_pcm.len(),
            b_frames.len(),
            b_pcm.len()
        );
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
    // A figure, not a bar: how long the media took on this machine.
    println!(
        "{FRAMES} frames and {AUDIO_SECS} s of audio each way in {:?}",
        started.elapsed()
    );

    for (name, frames, pcm, agent) in [
        ("alice", &a_frames, &a_pcm, &alice),
        ("bob", &b_frames, &b_pcm, &bob),
    ] {
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
