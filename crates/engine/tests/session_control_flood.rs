//! A peer floods the data channel (10,000 chat lines and media states as fast as SCTP
//! takes them) over two real peer sessions on 127.0.0.1. Before, every message became a
//! `SessionEvent::Control` in the session's unbounded event queue (10,000 for 10,000).
//! Now the session passes on a burst and then the rate, drops the rest at the source and
//! says how many (`ControlDropped`); the newest media state still arrives, and the call
//! stays up.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::sessions::{has, offer_answer, pump, Peer};
use peercall_engine::session::{ControlMessage, SessionEvent, CONTROL_BURST, CONTROL_RATE};

const FLOOD: u64 = 10_000;

fn flood_message(n: u64) -> ControlMessage {
    if n.is_multiple_of(2) {
        ControlMessage::Chat {
            text: format!("spam {n}"),
        }
    } else {
        ControlMessage::Media {
            mic_muted: n % 4 == 1,
            camera_on: n.is_multiple_of(3),
        }
    }
}

/// What the callee's session queued for its owner while the flood came in.
#[derive(Default)]
struct Tally {
    passed: u64,
    dropped: u64,
    reports: u64,
    last_media: Option<ControlMessage>,
    broke: bool,
}

impl Tally {
    fn add(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::Control(m) => {
                self.passed += 1;
                if matches!(m, ControlMessage::Media { .. }) {
                    self.last_media = Some(m);
                }
            }
            SessionEvent::ControlDropped { total } => {
                assert!(total >= self.dropped, "totals only grow");
                self.dropped = total;
                self.reports += 1;
            }
            SessionEvent::Failed | SessionEvent::Disconnected => self.broke = true,
            _ => {}
        }
    }
}

async fn connected_with_channels() -> (Peer, Peer) {
    let (mut caller, mut callee) = offer_answer().await;
    let open = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::ChannelOpen));
    let (a, b) = pump(&mut caller, &mut callee, Duration::from_secs(20), |a, b| {
        open(a) && open(b)
    })
    .await;
    assert!(open(&a) && open(&b), "channels open: {a:?} / {b:?}");
    (caller, callee)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_channel_flood_is_dropped_at_the_source_and_counted() {
    let (caller, mut callee) = connected_with_channels().await;
    let started = Instant::now();
    let sent = Arc::new(AtomicU64::new(0));
    let counted = sent.clone();
    let flooder = tokio::spawn(async move {
        for n in 0..FLOOD {
            counted.fetch_add(1, Ordering::Relaxed);
            caller
                .session
                .send_control(&flood_message(n))
                .await
                .expect("the flood is sent");
        }
        caller
    });

    // Every message sent is either passed on or counted as dropped: wait for that.
    let mut tally = Tally::default();
    let guard = Instant::now() + Duration::from_secs(60);
    while tally.passed + tally.dropped < FLOOD {
        let left = guard.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, callee.events.recv()).await {
            Ok(Some(event)) => tally.add(event),
            other => panic!(
                "{} passed + {} dropped of {FLOOD} ({} handed to the channel), then {other:?}",
                tally.passed,
                tally.dropped,
                sent.load(Ordering::Relaxed)
            ),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let caller = flooder.await.expect("flooder");

    let bound = CONTROL_BURST + CONTROL_RATE * elapsed + 1.0;
    println!(
        "{FLOOD} sent in {elapsed:.2} s: {} queued (bound {bound:.0}), {} dropped, {} reports",
        tally.passed, tally.dropped, tally.reports
    );
    assert!(
        (tally.passed as f64) <= bound,
        "{} of {FLOOD} messages reached the event queue in {elapsed:.2} s",
        tally.passed
    );
    assert!(tally.reports >= 1, "the flood was reported");
    assert!(
        (tally.reports as f64) <= elapsed + 2.0,
        "{} reports in {elapsed:.2} s",
        tally.reports
    );
    assert_eq!(
        tally.last_media,
        Some(flood_message(FLOOD - 1)),
        "the newest media state arrived"
    );
    assert!(!tally.broke, "the call stayed up");

    // After the flood, the channel works at the normal pace.
    let after = ControlMessage::Chat {
        text: "after the flood".to_owned(),
    };
    caller.session.send_control(&after).await.expect("send");
    loop {
        let left = guard.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, callee.events.recv()).await {
            Ok(Some(SessionEvent::Control(m))) if m == after => break,
            Ok(Some(event)) => tally.add(event),
            other => panic!("no chat line after the flood: {other:?}"),
        }
    }
    assert!(!tally.broke, "the call stayed up");
    caller.session.close().await;
    callee.session.close().await;
}
