//! A keyframe request (PLI) from the receiving session reaches the sending session's
//! VP8 encoder, which makes a keyframe for it (counted as made on request), and the
//! keyframe comes back, in both directions: the path video recovery after a lost frame
//! depends on.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::sessions::{has, offer_answer, pump};
use peercall_engine::session::SessionEvent;
use peercall_engine::stats::Counters;

fn keyframes(c: &Counters) -> u64 {
    c.video_keyframes_received.load(Ordering::Relaxed)
}

fn requests_received(c: &Counters) -> u64 {
    c.keyframe_requests_received.load(Ordering::Relaxed)
}

fn made_on_request(c: &Counters) -> u64 {
    c.video_keyframes_on_request.load(Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyframe_request_from_either_side_yields_a_keyframe() {
    let (mut caller, mut callee) = offer_answer().await;
    let _ = pump(&mut caller, &mut callee, Duration::from_secs(20), |a, b| {
        let frame = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame));
        frame(a) && frame(b)
    })
    .await;
    let counters = [caller.counters.clone(), callee.counters.clone()];
    for (name, rx, tx) in [("caller", 0, 1), ("callee", 1, 0)] {
        let (receiver, sender) = (counters[rx].clone(), counters[tx].clone());
        let (key_before, req_before) = (keyframes(&receiver), requests_received(&sender));
        let made_before = made_on_request(&sender);
        assert!(key_before >= 1, "{name}: the call starts with a keyframe");
        if rx == 0 {
            caller.session.request_keyframe();
        } else {
            callee.session.request_keyframe();
        }
        let _ = pump(&mut caller, &mut callee, Duration::from_secs(10), |_, _| {
            requests_received(&sender) > req_before
                && made_on_request(&sender) > made_before
                && keyframes(&receiver) > key_before
        })
        .await;
        assert!(
            requests_received(&sender) > req_before,
            "{name}'s request never reached the other side's encoder"
        );
        assert!(
            made_on_request(&sender) > made_before,
            "the encoder made no keyframe for {name}'s request"
        );
        assert!(
            keyframes(&receiver) > key_before,
            "{name} asked for a keyframe and none came"
        );
    }
    caller.session.close().await;
    callee.session.close().await;
}
