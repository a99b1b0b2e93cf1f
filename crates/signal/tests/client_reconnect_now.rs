//! `SignalClient::reconnect_now`: after a network change the client drops its connection
//! (whose TCP may be dead without anyone knowing) and resumes on a new one at once:
//! same id, the room sees nothing, and what it sent meanwhile arrives.

mod common;
use common::*;
use peercall_signal::client::ClientEvent;
use peercall_signal::protocol::SignalData;
use std::time::Duration;

#[tokio::test]
async fn reconnect_now_resumes_the_session_at_once() {
    let server = start_fast().await;
    let (alice, mut ea) = client(&server.url(), "Alice", "r").await;
    let (bob, mut eb) = client(&server.url(), "Bob", "r").await;
    wait_event(&mut ea, |e| matches!(e, ClientEvent::PeerJoined { .. })).await;
    let bob_id = bob.id();

    bob.reconnect_now().await.unwrap();
    // Sent while the new connection is being made: queued, then delivered.
    bob.send_signal(
        &alice.id(),
        SignalData::Hangup {
            call: "after-the-move".into(),
        },
    )
    .await
    .unwrap();

    expect_resumed(&mut eb, &bob, &bob_id).await;

    let e = next_event(&mut ea).await;
    assert_eq!(
        e,
        ClientEvent::Signal {
            from: bob_id,
            data: SignalData::Hangup {
                call: "after-the-move".into()
            }
        }
    );
    // No leave and no join: the room never saw Bob go.
    assert_no_event(&mut ea, Duration::from_millis(300)).await;
    assert_eq!(
        metric(server.local_addr(), "peercall_resumes_total").await,
        Some(1.0)
    );
    server.shutdown().await;
}
