//! A relaunched app never sees its own previous session: a fresh hello with the same
//! `hello.client` drops that client's detached session at once (`peer-left` to the room,
//! not after the resume window), while another *running* app of the same client stays.

mod common;
use common::*;
use peercall_signal::client::{ClientEvent, SignalClient};
use serde_json::json;

#[tokio::test]
async fn a_relaunch_replaces_the_crashed_session_of_its_client() {
    let server = start_fast().await;
    let url = server.url();
    let (mut bob, _bob_id) = Raw::join(&url, "Bob", "r").await;

    // Alice's app dies without a close frame: the server keeps her for the resume window.
    let mut old = Raw::connect(&url).await;
    old.send_json(
        json!({"type":"hello","protocol":1,"name":"Alice","room":"r","client":"alice-install"}),
    )
    .await;
    let w = old.recv().await;
    assert_eq!(w["type"], "welcome", "{w}");
    let old_id = w["id"].as_str().expect("id").to_owned();
    bob.recv_type("peer-joined").await;
    drop(old);
    wait_metric(server.local_addr(), "peercall_peers_detached", 1.0).await;

    // She relaunches with the same profile (the real client, same client id).
    let mut config = client_config(&url, "Alice");
    config.room = Some("r".into());
    config.client_id = Some("alice-install".into());
    let (alice, mut events) = SignalClient::connect(config).await.expect("connects");
    let ClientEvent::Welcome { id, peers, .. } = next_event(&mut events).await else {
        panic!("welcome first")
    };
    assert_ne!(id.0, old_id);
    let names: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Bob"], "she does not see herself");

    // Bob sees the old one leave and the new one join: Alice is listed once.
    let left = bob.recv().await;
    assert_eq!(left["type"], "peer-left", "{left}");
    assert_eq!(left["id"], old_id.as_str());
    let joined = bob.recv().await;
    assert_eq!(joined["type"], "peer-joined", "{joined}");
    assert_eq!(joined["peer"]["id"], id.0.as_str());
    wait_metric(server.local_addr(), "peercall_peers_detached", 0.0).await;

    // A second app running on the same profile is not a stale session: both stay.
    let mut second = Raw::connect(&url).await;
    second
        .send_json(
            json!({"type":"hello","protocol":1,"name":"Alice","room":"r","client":"alice-install"}),
        )
        .await;
    let w = second.recv().await;
    assert_eq!(w["type"], "welcome", "{w}");
    let listed: Vec<&str> = w["peers"]
        .as_array()
        .expect("peers")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(listed.contains(&id.0.as_str()), "{w}");
    assert_eq!(bob.recv_type("peer-joined").await["peer"]["name"], "Alice");
    drop(alice);
}
