//! Mid-call media controls without renegotiation: camera off (the device is released,
//! the peer is told), camera back on, camera and microphone switched.

mod common;

use std::time::Duration;

use common::engine::{connected_call, server, Agent};
use peercall_engine::devices::{AudioSource, VideoSource};
use peercall_engine::EngineEvent;

async fn frames_arrive(bob: &Agent) -> bool {
    while bob.media.remote_video.try_recv().is_some() {}
    for _ in 0..200 {
        if bob.media.remote_video.try_recv().is_some() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_off_on_and_switches_mid_call() {
    let server = server().await;
    let url = server.url();
    let (mut alice, mut bob) = connected_call(&url).await;
    assert!(frames_arrive(&bob).await, "video flows");
    assert_eq!(alice.engine.metrics().cameras_opened, 1);

    alice.engine.set_camera_on(false).expect("camera off");
    bob.wait_for("camera off", |e| {
        matches!(
            e,
            EngineEvent::RemoteMedia {
                camera_on: false,
                ..
            }
        )
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !frames_arrive(&bob).await,
        "no video while the camera is off"
    );

    alice.engine.set_camera_on(true).expect("camera on");
    bob.wait_for("camera on", |e| {
        matches!(
            e,
            EngineEvent::RemoteMedia {
                camera_on: true,
                ..
            }
        )
    })
    .await;
    assert!(frames_arrive(&bob).await, "video resumes");
    assert_eq!(alice.engine.metrics().cameras_opened, 2);

    alice
        .engine
        .switch_camera(VideoSource::TestPattern)
        .expect("switch camera");
    alice
        .engine
        .switch_microphone(AudioSource::Tone)
        .expect("switch mic");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(alice.engine.metrics().cameras_opened, 3);
    assert!(
        frames_arrive(&bob).await,
        "video continues after the switch"
    );
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
