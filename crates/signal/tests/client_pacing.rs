//! The real client paces its own sends under the server's rate limit: a burst far past
//! the server's allowance (50/s, bursts of 100) is sent a little later instead of being
//! refused and getting the connection closed. Everything arrives, in order.

mod common;
use common::*;
use peercall_signal::client::ClientEvent;
use serde_json::json;

const SENT: u64 = 250;

#[tokio::test]
async fn a_burst_past_the_server_limit_is_paced_not_refused() {
    let server = start_fast().await;
    let url = server.url();
    let (b, mut eb) = client(&url, "B", "r").await;
    let (a, mut ea) = client(&url, "A", "r").await;
    for n in 0..SENT {
        a.send_raw_signal(&b.id(), json!({ "n": n }))
            .await
            .expect("queued");
    }
    for want in 0..SENT {
        let e = wait_event(&mut eb, |e| matches!(e, ClientEvent::RawSignal { .. })).await;
        let ClientEvent::RawSignal { data, .. } = e else {
            unreachable!()
        };
        assert_eq!(data["n"], want, "in order, none lost");
    }
    // A heard nothing but presence: no `rate-limited`, no close, no reconnect.
    while let Ok(e) = ea.try_recv() {
        assert!(matches!(e, ClientEvent::PeerJoined { .. }), "A got {e:?}");
    }
    a.update(None, Some(true)).await.expect("still usable");
    wait_event(&mut eb, |e| matches!(e, ClientEvent::PeerUpdated { .. })).await;
    server.shutdown().await;
}
