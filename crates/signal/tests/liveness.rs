//! A client that vanishes without a close frame — its process killed (the socket just
//! closes) or frozen (the socket stays open but nothing answers pings) — leaves the room
//! (`peer-left`) once the liveness checks and the resume window have run out.

mod common;
use common::*;
use peercall_signal::client::ClientEvent;
use std::time::{Duration, Instant};

#[tokio::test]
async fn killed_client_leaves_after_the_resume_window() {
    let mut config = fast_config();
    config.timing.resume_window = Duration::from_millis(600);
    let server = start(config).await;
    let url = server.url();
    let (mut watcher, _) = Raw::join(&url, "Watcher", "r").await;
    let (victim, id) = Raw::join(&url, "Victim", "r").await;
    watcher.recv_type("peer-joined").await;
    let killed = Instant::now();
    // Dropping the stream closes the TCP connection without a WebSocket close frame.
    drop(victim);
    let left = watcher.recv_type("peer-left").await;
    assert_eq!(left["id"], id.as_str());
    assert!(
        killed.elapsed() >= Duration::from_millis(500),
        "kept for the resume window"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn frozen_client_is_dropped_after_two_missed_pongs() {
    let mut config = fast_config();
    config.timing.ping_interval = Duration::from_millis(150);
    config.timing.resume_window = Duration::from_millis(300);
    let server = start(config).await;
    let url = server.url();
    // The watcher is the real client: its driver always reads, so it answers every ping
    // however slow the test machine is.
    let (watcher, mut events) = client(&url, "Watcher", "r").await;
    // Frozen: connected, welcomed, then never read again, so it never answers a ping.
    let (frozen, id) = Raw::join(&url, "Frozen", "r").await;
    wait_event(&mut events, |e| matches!(e, ClientEvent::PeerJoined { .. })).await;
    let froze = Instant::now();
    let left = wait_event(&mut events, |e| matches!(e, ClientEvent::PeerLeft { .. })).await;
    assert_eq!(
        left,
        ClientEvent::PeerLeft {
            id: id.as_str().into()
        }
    );
    // Two missed pongs (≥ 2 intervals) plus the resume window.
    assert!(
        froze.elapsed() >= Duration::from_millis(550),
        "{:?}",
        froze.elapsed()
    );
    // The watcher is still here.
    watcher
        .update(None, Some(true))
        .await
        .expect("still connected");
    assert_no_event(&mut events, Duration::from_millis(100)).await;
    assert_eq!(
        metric(server.local_addr(), "peercall_peers").await,
        Some(1.0)
    );
    drop(frozen);
    server.shutdown().await;
}

#[tokio::test]
async fn a_reading_client_survives_many_ping_intervals() {
    let mut config = fast_config();
    config.timing.ping_interval = Duration::from_millis(50);
    let server = start(config).await;
    let (mut a, _) = Raw::join(&server.url(), "A", "r").await;
    // Reading for 10 intervals answers the pings; the connection stays.
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_millis(50), a.next()).await;
    }
    a.assert_alive().await;
    server.shutdown().await;
}
