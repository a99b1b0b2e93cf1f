//! The real client over a connection that breaks: it reconnects with backoff, resumes
//! its session (same id, the room sees nothing), and what was sent to it or by it in
//! between arrives. A server restart yields a fresh welcome.

mod common;
use common::*;
use peercall_signal::client::{ClientEvent, CloseReason, SignalClient};
use peercall_signal::protocol::SignalData;
use std::time::Duration;

#[tokio::test]
async fn client_resumes_after_the_network_drops() {
    let server = start_fast().await;
    let proxy = Proxy::start(server.local_addr()).await;
    let (alice, mut ea) = client(&server.url(), "Alice", "r").await;
    let (bob, mut eb) = client(&proxy.url(), "Bob", "r").await;
    wait_event(&mut ea, |e| matches!(e, ClientEvent::PeerJoined { .. })).await;
    let bob_id = bob.id();

    proxy.cut();
    wait_metric(server.local_addr(), "peercall_peers_detached", 1.0).await;
    // Alice relays while Bob is away; Bob sends while he is away too.
    alice
        .send_signal(
            &bob_id,
            SignalData::Cancel {
                call: "while-away".into(),
            },
        )
        .await
        .unwrap();
    bob.send_signal(
        &alice.id(),
        SignalData::Hangup {
            call: "queued-by-bob".into(),
        },
    )
    .await
    .unwrap();

    expect_resumed(&mut eb, &bob, &bob_id).await;
    let e = next_event(&mut eb).await;
    assert_eq!(
        e,
        ClientEvent::Signal {
            from: alice.id(),
            data: SignalData::Cancel {
                call: "while-away".into()
            }
        }
    );

    // Alice saw no leave/join, only Bob's queued message.
    let e = next_event(&mut ea).await;
    assert_eq!(
        e,
        ClientEvent::Signal {
            from: bob_id.clone(),
            data: SignalData::Hangup {
                call: "queued-by-bob".into()
            }
        }
    );
    assert_no_event(&mut ea, Duration::from_millis(300)).await;
    assert_eq!(
        metric(server.local_addr(), "peercall_resumes_total").await,
        Some(1.0)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn server_restart_gives_a_fresh_welcome() {
    let server = start_fast().await;
    let addr = server.local_addr();
    let (client_a, mut ea) = client(&server.url(), "A", "r").await;
    let old_id = client_a.id();
    server.shutdown().await;
    wait_event(&mut ea, |e| matches!(e, ClientEvent::Reconnecting { .. })).await;
    // A new server on the same port: the session is unknown there.
    let mut config = fast_config();
    config.port = addr.port();
    let server = start(config).await;
    let e = wait_event(&mut ea, |e| matches!(e, ClientEvent::Welcome { .. })).await;
    let ClientEvent::Welcome { id, .. } = e else {
        unreachable!()
    };
    assert_ne!(id, old_id);
    assert_eq!(client_a.id(), id);
    client_a.close().await;
    let e = wait_event(&mut ea, |e| matches!(e, ClientEvent::Closed { .. })).await;
    assert_eq!(
        e,
        ClientEvent::Closed {
            reason: CloseReason::ByClient
        }
    );
    server.shutdown().await;
}

#[tokio::test]
async fn client_gives_up_after_max_attempts() {
    let server = start_fast().await;
    let mut config = client_config(&server.url(), "A");
    config.reconnect.max_attempts = Some(2);
    let (_client, mut events) = SignalClient::connect(config).await.unwrap();
    server.shutdown().await;
    let e = wait_event(&mut events, |e| matches!(e, ClientEvent::Closed { .. })).await;
    assert_eq!(
        e,
        ClientEvent::Closed {
            reason: CloseReason::ServerGone { attempts: 2 }
        }
    );
}

#[tokio::test]
async fn kicked_by_the_server_it_comes_back_with_a_fresh_identity() {
    let server = start_fast().await;
    let (client_b, _eb) = client(&server.url(), "B", "r").await;
    let (client_a, mut ea) = client(&server.url(), "A", "r").await;
    let old_id = client_a.id();
    // 20 messages past the size limit in a row: the server closes with 1008.
    let pad = "x".repeat(65 * 1024);
    for _ in 0..20 {
        let data = serde_json::json!({ "pad": pad });
        if client_a
            .send_raw_signal(&client_b.id(), data)
            .await
            .is_err()
        {
            break;
        }
    }
    let e = wait_event(&mut ea, |e| {
        matches!(e, ClientEvent::Welcome { .. } | ClientEvent::Closed { .. })
    })
    .await;
    let ClientEvent::Welcome { id, .. } = e else {
        panic!("a kicked client stopped instead of reconnecting: {e:?}");
    };
    assert_ne!(id, old_id, "the server removed the old peer");
    client_a.update(None, Some(true)).await.expect("usable");
    server.shutdown().await;
}
