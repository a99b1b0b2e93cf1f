//! A DTLS flight lost whole still connects. Two real sessions over 127.0.0.1 through a
//! relay that loses every datagram of the server's ServerHello flight until 200 ms after
//! the client's retransmission of its own flight has gone through (so the server has
//! received it before it may be heard again; what 5 % loss did to one call in eight). `rtc-dtls` 0.21.1 cancelled its retransmission timer whenever a
//! handshake packet arrived that did not complete the next flight, so the server, which had
//! just received the client's retransmission, never sent its flight again and the call
//! failed 8 s later. Fixed by `patches/rtc-dtls-0.21.1-keep-retransmit-timer.patch`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::relay::{Relay, Way};
use common::sessions::{connect_through, connected};

/// A DTLS handshake record (content type 22) of epoch 0, its first message of this type.
fn handshake_type(datagram: &[u8]) -> Option<u8> {
    let epoch0 = datagram.get(3..5) == Some(&[0, 0]);
    (datagram.first() == Some(&22) && epoch0)
        .then(|| datagram.get(13).copied())
        .flatten()
}

const SERVER_HELLO: u8 = 2;

/// How long the server's flight stays lost after the client's retransmission passed.
const AFTER_PEER: Duration = Duration::from_millis(200);

#[derive(Clone, Copy)]
enum Loss {
    Before,
    /// The server's flight (this way) is lost…
    Losing(Way),
    /// …until then.
    Draining(Way, Instant),
    Done,
}

/// Whether a handshake datagram of `kind` going `way` is delivered, and the next state.
fn step(state: Loss, way: Way, kind: u8, now: Instant) -> (bool, Loss) {
    match state {
        Loss::Before if kind == SERVER_HELLO => (false, Loss::Losing(way)),
        // The client repeated its flight: it reaches the server before the server may
        // be heard again.
        Loss::Losing(w) if w != way => (true, Loss::Draining(w, now + AFTER_PEER)),
        Loss::Draining(w, until) if w == way && now >= until => (true, Loss::Done),
        Loss::Losing(w) | Loss::Draining(w, _) if w == way => (false, state),
        _ => (true, state),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_server_flight_is_sent_again_and_the_call_connects() {
    // `RUST_LOG=rtc_dtls=debug` shows the handshake.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let lost = Arc::new(AtomicUsize::new(0));
    let peer_retransmitted = Arc::new(AtomicUsize::new(0));
    let (lost_in, retx_in) = (lost.clone(), peer_retransmitted.clone());
    let mut state = Loss::Before;
    let relay = Relay::start(Box::new(move |way, data| {
        let Some(kind) = handshake_type(data) else {
            return true;
        };
        let (deliver, next) = step(state, way, kind, Instant::now());
        if matches!((state, next), (Loss::Losing(_), Loss::Draining(..))) {
            retx_in.fetch_add(1, Ordering::Relaxed);
        }
        state = next;
        if deliver {
            return true;
        }
        lost_in.fetch_add(1, Ordering::Relaxed);
        false
    }))
    .await;

    let (ea, eb) = connect_through(&relay).await;

    assert!(
        lost.load(Ordering::Relaxed) > 0 && peer_retransmitted.load(Ordering::Relaxed) > 0,
        "the relay lost the server's flight and let the client's retransmission through"
    );
    for (name, e) in [("caller", &ea), ("callee", &eb)] {
        assert!(connected(e), "{name} never connected: {e:?}");
    }
}
