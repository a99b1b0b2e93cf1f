//! Two real peer sessions over 127.0.0.1: each side's lip sync gets the other's RTCP
//! sender reports for both streams, measures the offset between audio and video playout,
//! and makes the stream that is ahead wait.
//!
//! On loopback the paths differ by design (audio carries the jitter buffer's floor and
//! the codec's look-ahead, video is shown as soon as it is decoded, and the first seconds
//! differ again), by more than the sync's dead band and the lead it allows the picture
//! (caller and callee 50-55 ms measured in a debug build), so it has something to do on
//! both sides. Which stream waits is not asserted: that depends on the machine.

mod common;

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use common::sessions::{has, offer_answer, pump, Peer};
use peercall_engine::session::SessionEvent;

/// The offset (µs) and the extra delays video and audio wait (µs).
fn sync_state(p: &Peer) -> (u64, u64, u64) {
    let c = &p.counters;
    (
        c.sync_offset_abs_us.load(Relaxed),
        c.sync_video_delay_us.load(Relaxed),
        c.sync_audio_delay_us.load(Relaxed),
    )
}

fn engaged(p: &Peer) -> bool {
    let (offset, video, audio) = sync_state(p);
    offset > 0 && video + audio > 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_measure_the_offset_and_delay_the_stream_ahead() {
    let (mut caller, mut callee) = offer_answer().await;
    let (ea, eb) = pump(&mut caller, &mut callee, Duration::from_secs(20), |a, b| {
        let frame = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame));
        frame(a) && frame(b)
    })
    .await;
    let frame = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame));
    assert!(frame(&ea) && frame(&eb), "media flows: {ea:?} {eb:?}");

    // Sender reports come every second; the sync runs every second after them.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(engaged(&caller) && engaged(&callee)) && tokio::time::Instant::now() < deadline {
        let _ = pump(
            &mut caller,
            &mut callee,
            Duration::from_millis(500),
            |_, _| false,
        )
        .await;
        // Keep the received media moving (the queues drop the oldest anyway).
        for p in [&caller, &callee] {
            while p.video.try_recv().is_some() {}
            while p.audio.try_recv().is_some() {}
        }
    }
    for (name, p) in [("caller", &caller), ("callee", &callee)] {
        let (offset, video, audio) = sync_state(p);
        eprintln!("{name}: offset {offset} µs, video waits {video} µs, audio {audio} µs");
        assert!(
            offset > 0,
            "{name}: no A/V offset measured (no sender reports?)"
        );
        assert!(
            video + audio > 0,
            "{name}: offset {offset} µs but no sync delay applied"
        );
    }
}
