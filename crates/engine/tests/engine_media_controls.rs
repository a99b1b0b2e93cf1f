//! Mid-call media controls without renegotiation: camera off (the device is released,
//! the peer is told), camera back on, camera and microphone switched to a *different*
//! source (the test pattern's checks variant, the higher tone), which the receiver sees in
//! the picture and hears in the tone.
//!
//! Every wait is for a condition, never for a number of frames in a fixed time: "video
//! flows" is a frame decoded after the change, "video stopped" is a second without any
//! frame (with the camera on, at 30 fps, that never happens).

mod common;

use std::time::{Duration, Instant};

use common::engine::{connected_call, server, Agent, WAIT};
use peercall_engine::devices::{AudioSource, VideoSource};
use peercall_engine::EngineEvent;
use peercall_media::audio::HIGH_TONE_HZ;
use peercall_media::camera::list_cameras_quick;
use peercall_media::clock::now_us;
use peercall_media::source::pattern::{variant_of, PatternVariant};
use peercall_media::source::tone::tone_purity;
use peercall_media::{ToneConfig, AUDIO_RATE};

/// A gap this long in the remote video means it stopped.
const STOPPED: Duration = Duration::from_secs(1);

/// Waits for a remote frame decoded after `after_us` (µs since the UNIX epoch).
async fn frame_after(bob: &Agent, what: &str, after_us: u64) {
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        match bob.media.remote_video.try_recv() {
            Some(f) if f.decoded_at_us > after_us => return,
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    panic!("no remote frame {what} within {WAIT:?}");
}

/// Waits for a remote test-pattern frame showing `want`.
async fn pattern_seen(bob: &Agent, want: PatternVariant) {
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        match bob.media.remote_video.try_recv() {
            Some(p) if p.stamped && variant_of(&p.frame) == want => return,
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    panic!("no remote frame showing {want:?} within {WAIT:?}");
}

/// Waits until the last quarter second of remote audio is mostly a tone at `hz`.
async fn tone_heard(bob: &Agent, hz: f32) {
    let window = AUDIO_RATE as usize / 4;
    let end = Instant::now() + WAIT;
    let mut pcm: Vec<f32> = Vec::new();
    let mut purity = 0.0;
    while Instant::now() < end {
        let mut fresh = false;
        while let Some(frame) = bob.media.remote_audio.try_recv() {
            pcm.extend(frame.samples);
            fresh = true;
        }
        if pcm.len() > window {
            pcm.drain(..pcm.len() - window);
        }
        if fresh && pcm.len() == window {
            purity = tone_purity(&pcm, hz, AUDIO_RATE);
            if purity > 0.5 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no {hz} Hz tone heard within {WAIT:?} (last purity {purity})");
}

/// Waits until no remote frame has come for [`STOPPED`].
async fn video_stops(bob: &Agent) {
    let end = Instant::now() + WAIT;
    let mut last = Instant::now();
    while last.elapsed() < STOPPED {
        assert!(Instant::now() < end, "video still flows after {WAIT:?}");
        if bob.media.remote_video.try_recv().is_some() {
            last = Instant::now();
        } else {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Waits until Alice's engine has opened `n` cameras in all.
async fn cameras_opened(alice: &Agent, n: u64) {
    let end = Instant::now() + WAIT;
    while alice.engine.metrics().cameras_opened < n {
        assert!(
            Instant::now() < end,
            "camera {n} not opened within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn remote_camera(bob: &mut Agent, on: bool) {
    bob.wait_for(
        if on { "camera on" } else { "camera off" },
        |e| matches!(e, EngineEvent::RemoteMedia { camera_on, .. } if *camera_on == on),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_off_on_and_switches_mid_call() {
    let server = server().await;
    let url = server.url();
    let (mut alice, mut bob) = connected_call(&url).await;
    frame_after(&bob, "at all", 0).await;
    assert_eq!(alice.engine.metrics().cameras_opened, 1);
    pattern_seen(&bob, PatternVariant::Bars).await;
    tone_heard(&bob, ToneConfig::default().frequency_hz).await;

    alice.engine.set_camera_on(false).expect("camera off");
    remote_camera(&mut bob, false).await;
    video_stops(&bob).await;

    let on_at = now_us();
    alice.engine.set_camera_on(true).expect("camera on");
    remote_camera(&mut bob, true).await;
    frame_after(&bob, "after the camera came back", on_at).await;
    assert_eq!(alice.engine.metrics().cameras_opened, 2);

    alice
        .engine
        .switch_camera(VideoSource::TestPatternChecks)
        .expect("switch camera");
    alice
        .engine
        .switch_microphone(AudioSource::ToneHigh)
        .expect("switch mic");
    cameras_opened(&alice, 3).await;
    pattern_seen(&bob, PatternVariant::Checks).await;
    tone_heard(&bob, HIGH_TONE_HZ).await;

    // The system default, spelled as the settings do (empty): on a machine without a
    // camera it is the test pattern mid-call as at call start (it used to be NotFound).
    if list_cameras_quick().iter().all(|c| c.synthetic) {
        alice
            .engine
            .switch_camera(VideoSource::parse(""))
            .expect("switch to the default camera");
        cameras_opened(&alice, 4).await;
        pattern_seen(&bob, PatternVariant::Bars).await;
    }
    alice.drain();
    assert!(
        !alice
            .log
            .iter()
            .any(|e| matches!(e, EngineEvent::Error { .. })),
        "no errors: {:?}",
        alice.log
    );
    alice.engine.hangup().expect("hangup");
    bob.wait_ended().await;
    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}
