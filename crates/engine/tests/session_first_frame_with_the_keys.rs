//! The DTLS client's first frame travels with the flight that gives the server its keys,
//! and the server shows it. Two fixes to `rtc` 0.21.1 make this hold (`patches/`):
//!
//! - `rtc-0.21.1-dtls-client-false-start.patch`: the client holds the SRTP keys once it
//!   has sent its own `Finished` (flight 5, after checking the server's certificate and
//!   signature) and sends media from then on, instead of waiting a round trip for the
//!   server's `Finished`. Before, nothing of the client's media could be sent before the
//!   server's last flight.
//! - `rtc-0.21.1-srtp-keys-with-handshake.patch`: a receiver sets its SRTP keys in the very
//!   read that completes the handshake. Before, `webrtc` read a whole burst of ready
//!   datagrams before the keys were handed over, and media right behind the last flight
//!   was dropped ("remote_srtp_context is not set yet"): the first frame then waited a
//!   round trip for a retransmission or another keyframe.
//!
//! Two real sessions through a relay that holds the client's flight 5 and the packets of
//! its first video frame and delivers them to the server back to back: the server must
//! show that very frame, asking for no retransmission and no keyframe (the relay loses the
//! client's later frames, so no other could serve). If the client sends no whole frame
//! first, the relay lets the flight go after `GIVE_UP` and the test fails on that. How soon
//! the first frame comes is a benchmark (`BENCHMARKS.md`, "Setup at 100 ms RTT").

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::relay::{Relay, Verdict, Way};
use common::sessions::{connected, has, offer_answer_through, pump_through, Peer};
use common::wire::{has_change_cipher_spec, is_dtls, rtp, vp8_marker};
use peercall_engine::session::SessionEvent;

/// How long the relay holds the client's flight at most (the failure path only).
const GIVE_UP: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    Before,
    /// The client's flight 5 (the first ChangeCipherSpec, this way) is held since then.
    Holding {
        client: Way,
        since: Instant,
    },
    /// Released with the client's first frame; its later video is lost.
    Released {
        client: Way,
    },
    /// No frame came: the flight went at `GIVE_UP`.
    GaveUp,
}

/// What the relay does with one datagram, and the next state.
fn step(state: Hold, way: Way, d: &[u8], now: Instant) -> (Verdict, Hold) {
    match state {
        Hold::Before if has_change_cipher_spec(d) => (
            Verdict::Hold,
            Hold::Holding {
                client: way,
                since: now,
            },
        ),
        Hold::Holding { since, .. } if now.duration_since(since) >= GIVE_UP => {
            (Verdict::DeliverHeld, Hold::GaveUp)
        }
        Hold::Holding { client, .. } if way == client => match (vp8_marker(d), rtp(d)) {
            (Some(true), _) => (Verdict::DeliverHeld, Hold::Released { client }),
            (Some(false), _) => (Verdict::Hold, state),
            // Audio and RTCP sent meanwhile are lost: the burst is the flight and the frame.
            (None, Some(_)) => (Verdict::Drop, state),
            (None, None) if is_dtls(d) => (Verdict::Hold, state),
            (None, None) => (Verdict::Deliver, state),
        },
        Hold::Released { client } if way == client && vp8_marker(d).is_some() => {
            (Verdict::Drop, state)
        }
        _ => (Verdict::Deliver, state),
    }
}

fn load(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_first_frame_arrives_with_its_last_flight_and_is_shown() {
    // `RUST_LOG=rtc::peer_connection::handler::srtp=debug,rtc_dtls=debug` shows the
    // handshake and any packet met without keys.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let state = Arc::new(Mutex::new(Hold::Before));
    let burst_video = Arc::new(AtomicU64::new(0));
    let (state_in, burst_in) = (state.clone(), burst_video.clone());
    let relay = Relay::start_holding(Box::new(move |way, d| {
        let Ok(mut s) = state_in.lock() else {
            return Verdict::Deliver;
        };
        let (verdict, next) = step(*s, way, d, Instant::now());
        if matches!(verdict, Verdict::Hold | Verdict::DeliverHeld) && vp8_marker(d).is_some() {
            burst_in.fetch_add(1, Ordering::Relaxed);
        }
        *s = next;
        verdict
    }))
    .await;

    let (mut caller, mut callee) =
        offer_answer_through(common::sessions::config(), Some(&relay)).await;
    let first = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::FirstRemoteFrame));
    let hold = || state.lock().map(|g| *g).unwrap_or(Hold::GaveUp);
    let (ea, eb) = pump_through(
        &mut caller,
        &mut callee,
        Some(&relay),
        Duration::from_secs(20),
        // The server is the side the client's frame went to.
        |a, b| match hold() {
            Hold::Released { client: Way::BToA } => first(a),
            Hold::Released { client: Way::AToB } => first(b),
            Hold::GaveUp => connected(a) && connected(b),
            _ => false,
        },
    )
    .await;
    assert!(connected(&ea) && connected(&eb), "{ea:?}\n{eb:?}");
    let Hold::Released { client } = hold() else {
        panic!(
            "the DTLS client sent no whole video frame before the server's last flight could \
             reach it (relay: {:?})",
            hold()
        );
    };
    let (server, server_events): (&Peer, &[SessionEvent]) = match client {
        Way::BToA => (&caller, &ea),
        Way::AToB => (&callee, &eb),
    };
    let c = &server.counters;
    let burst = load(&burst_video);
    assert!(
        first(server_events),
        "the DTLS server never showed the client's first frame, which came with its last \
         flight ({burst} packets; received {}, retransmissions asked for {}, keyframe \
         requests {})",
        load(&c.video_packets_received),
        load(&c.nack_packets_requested),
        load(&c.plis_sent),
    );
    assert_eq!(
        (load(&c.nack_packets_requested), load(&c.plis_sent)),
        (0, 0),
        "the first frame needed a retransmission or a keyframe request on a path that \
         lost nothing of it"
    );
    assert!(
        load(&c.video_packets_received) >= burst,
        "{} of the first frame's {burst} packets received",
        load(&c.video_packets_received)
    );
    caller.session.close().await;
    callee.session.close().await;
}
