//! A DTLS client that false-started and never gets the server's `Finished` fails the call.
//!
//! `rtc-0.21.1-dtls-client-false-start.patch` lets the DTLS client (the callee, usually)
//! report connected and send media at its own `Finished`, a round trip before the server's.
//! If the server's `Finished` never comes (lost, wrong, or the server aborted), the
//! handshake gives up once its retransmissions are spent. Before, nothing turned that into
//! a state: the client stayed connected, sending media on unconfirmed keys, until the error
//! stopped `webrtc`'s driver and the session heard nothing more. Now the DTLS transport
//! fails, the SRTP keys are dropped and the peer connection fails.
//!
//! Two real sessions through a relay that loses every DTLS datagram towards the client
//! from the client's flight 5 (its first ChangeCipherSpec) on; the client's side must
//! first connect (the false start) and then fail. How long the retransmissions take is
//! `rtc-dtls`'s schedule, not asserted here; `HANG_GUARD` only ends a broken run.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::relay::{Relay, Way};
use common::sessions::{connected, ended, offer_answer_through, pump_through, story};
use common::wire::{has_change_cipher_spec, is_dtls};

/// Far beyond the handshake's retransmission budget: a run that gets here has hung.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Whether the relay passes a datagram going `way`, given the client's way once its flight 5
/// has been seen (recorded here).
fn pass(client: &mut Option<Way>, way: Way, d: &[u8]) -> bool {
    match *client {
        None => {
            if has_change_cipher_spec(d) {
                *client = Some(way);
            }
            true
        }
        // Everything DTLS towards the client is lost: the server's flight 6 above all.
        Some(c) => !(c != way && is_dtls(d)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_false_started_client_without_the_servers_finished_fails() {
    // `RUST_LOG=rtc::peer_connection::handler::dtls=debug,rtc_dtls=debug` shows the handshake.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let client: Arc<Mutex<Option<Way>>> = Arc::new(Mutex::new(None));
    let client_in = client.clone();
    let relay = Relay::start(Box::new(move |way, d| match client_in.lock() {
        Ok(mut c) => pass(&mut c, way, d),
        Err(_) => true,
    }))
    .await;

    let (mut caller, mut callee) =
        offer_answer_through(common::sessions::config(), Some(&relay)).await;
    let client_way = || client.lock().ok().and_then(|c| *c);
    let (ea, eb) = pump_through(
        &mut caller,
        &mut callee,
        Some(&relay),
        HANG_GUARD,
        |a, b| match client_way() {
            Some(Way::BToA) => ended(b),
            Some(Way::AToB) => ended(a),
            None => false,
        },
    )
    .await;
    let Some(way) = client_way() else {
        panic!(
            "no DTLS client flight 5 went through the relay\n{:?}\n{:?}",
            story(&ea),
            story(&eb)
        );
    };
    let client_events = match way {
        Way::BToA => &eb,
        Way::AToB => &ea,
    };
    assert!(
        connected(client_events),
        "the DTLS client never connected, so it did not false-start: {:?}",
        story(client_events)
    );
    assert!(
        ended(client_events),
        "the DTLS client stayed connected without the server's Finished: {:?}",
        story(client_events)
    );
    caller.session.close().await;
    callee.session.close().await;
}
