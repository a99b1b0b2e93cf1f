//! Resume on the wire: a peer whose socket dropped comes back with `hello.resume`,
//! keeps its id, the room sees no leave/join, and messages relayed meanwhile arrive.
//! After the resume window the id is gone.

mod common;
use common::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn resume_keeps_id_and_delivers_queued_messages() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, id_a) = Raw::join(&url, "A", "r").await;
    let mut b = Raw::connect(&url).await;
    let wb = b.hello("B", "r").await;
    let (id_b, session) = (
        wb["id"].as_str().unwrap().to_owned(),
        wb["session"].as_str().unwrap().to_owned(),
    );
    a.recv_type("peer-joined").await;

    drop(b); // socket gone, no close frame
    wait_metric(server.local_addr(), "peercall_peers_detached", 1.0).await;
    // Messages sent meanwhile are queued (not unknown-peer).
    for n in 0..3 {
        a.send_json(json!({"type":"signal","to":id_b,"data":{"kind":"candidate","n":n}}))
            .await;
    }
    let (mut c, id_c) = Raw::join(&url, "C", "r").await;
    a.recv_type("peer-joined").await;

    let mut b = Raw::connect(&url).await;
    b.send_json(json!({"type":"hello","protocol":1,"name":"B","room":"r","resume":session}))
        .await;
    let w = b.recv().await;
    assert_eq!(w["type"], "welcome");
    assert_eq!(w["id"], id_b.as_str());
    assert_eq!(w["resumed"], true);
    // The secret is single-use: a fresh one comes with every resume.
    assert!(w["session"]
        .as_str()
        .is_some_and(|s| s.len() == 43 && s != session));
    assert_eq!(w["peers"].as_array().unwrap().len(), 2);
    // First the presence it missed (C joined), in order with the signals.
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(b.recv().await);
    }
    let signals: Vec<_> = got
        .iter()
        .filter(|m| m["type"] == "signal")
        .map(|m| m["data"]["n"].clone())
        .collect();
    assert_eq!(signals, [json!(0), json!(1), json!(2)]);
    assert!(
        got.iter()
            .all(|m| m["type"] == "signal" && m["from"] == id_a.as_str()
                || m["type"] == "peer-joined")
    );
    assert!(got
        .iter()
        .any(|m| m["type"] == "peer-joined" && m["peer"]["id"] == id_c.as_str()));

    // The room saw no leave or join of B: A's next message is the reply to its probe.
    a.assert_alive().await;
    c.assert_alive().await;
    // And B is reachable under its old id.
    a.send_json(json!({"type":"signal","to":id_b,"data":{"after":true}}))
        .await;
    assert_eq!(b.recv().await["data"]["after"], true);
    // Whoever kept the old secret cannot take B over with it.
    let mut thief = Raw::connect(&url).await;
    thief
        .send_json(json!({"type":"hello","protocol":1,"name":"B","room":"r","resume":session}))
        .await;
    let t = thief.recv().await;
    assert_eq!(
        (t["resumed"].clone(), t["id"] != id_b.as_str()),
        (json!(false), true)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn after_the_window_the_id_is_gone() {
    let mut config = fast_config();
    config.timing.resume_window = Duration::from_millis(400);
    let server = start(config).await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let mut b = Raw::connect(&url).await;
    let wb = b.hello("B", "r").await;
    let (id_b, session) = (
        wb["id"].as_str().unwrap().to_owned(),
        wb["session"].as_str().unwrap().to_owned(),
    );
    a.recv_type("peer-joined").await;
    drop(b);
    let left = a.recv_type("peer-left").await;
    assert_eq!(left["id"], id_b.as_str());
    a.send_json(json!({"type":"signal","to":id_b,"data":{}}))
        .await;
    a.expect_error("unknown-peer").await;

    // Resuming now yields a fresh identity.
    let mut b = Raw::connect(&url).await;
    b.send_json(json!({"type":"hello","protocol":1,"name":"B","room":"r","resume":session}))
        .await;
    let w = b.recv().await;
    assert_eq!(w["type"], "welcome");
    assert_ne!(w["id"], id_b.as_str());
    assert_eq!(w["resumed"], false);
    assert_eq!(a.recv_type("peer-joined").await["peer"]["id"], w["id"]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_clean_close_is_a_leave_and_cannot_be_resumed() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let mut b = Raw::connect(&url).await;
    let wb = b.hello("B", "r").await;
    a.recv_type("peer-joined").await;
    b.close().await;
    assert_eq!(a.recv_type("peer-left").await["id"], wb["id"]);
    let mut b = Raw::connect(&url).await;
    b.send_json(json!({"type":"hello","protocol":1,"name":"B","room":"r","resume":wb["session"]}))
        .await;
    let w = b.recv().await;
    assert_ne!(w["id"], wb["id"]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_guessed_session_does_not_resume() {
    let server = start_fast().await;
    let url = server.url();
    let (_a, id_a) = Raw::join(&url, "A", "r").await;
    let mut m = Raw::connect(&url).await;
    m.send_json(json!({"type":"hello","protocol":1,"name":"M","room":"r","resume":id_a}))
        .await;
    let w = m.recv().await;
    assert_ne!(w["id"], id_a.as_str());
    assert_eq!(w["resumed"], false);
    server.shutdown().await;
}

#[tokio::test]
async fn resuming_a_connection_the_server_still_thinks_alive_takes_it_over() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let mut old = Raw::connect(&url).await;
    let w = old.hello("B", "r").await;
    a.recv_type("peer-joined").await;
    // The old socket is still open when B comes back on a new one.
    let mut new = Raw::connect(&url).await;
    new.send_json(json!({"type":"hello","protocol":1,"name":"B","room":"r","resume":w["session"]}))
        .await;
    let w2 = new.recv().await;
    assert_eq!(
        (w2["id"].clone(), w2["resumed"].clone()),
        (w["id"].clone(), json!(true))
    );
    assert_eq!(
        old.expect_close().await,
        Some(1013),
        "the superseded socket is closed"
    );
    // Nobody saw B leave; messages now reach the new socket.
    a.send_json(json!({"type":"signal","to":w["id"],"data":{"n":1}}))
        .await;
    assert_eq!(new.recv().await["data"]["n"], 1);
    a.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_takeover_replays_what_the_old_connection_held() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    // `last` on the first hello: this client acknowledges, so the server keeps what it
    // sends B until B says it has it.
    let mut old = Raw::connect(&url).await;
    old.send_json(json!({"type":"hello","protocol":1,"name":"B","room":"r","last":0}))
        .await;
    let w = old.recv().await;
    a.recv_type("peer-joined").await;
    // B's old socket is alive but B reads nothing more from it.
    for n in 0..3 {
        a.send_json(json!({"type":"signal","to":w["id"],"data":{"n":n}}))
            .await;
    }
    a.assert_alive().await; // the three were relayed
    let mut new = Raw::connect(&url).await;
    new.send_json(
        json!({"type":"hello","protocol":1,"name":"B","room":"r","resume":w["session"],"last":0}),
    )
    .await;
    assert_eq!(new.recv().await["resumed"], true);
    let mut seqs = Vec::new();
    for n in 0..3 {
        let m = new.recv().await;
        assert_eq!(m["data"]["n"], n, "replayed in order: {m}");
        seqs.push(m["seq"].as_u64().expect("seq"));
    }
    assert!(seqs.windows(2).all(|p| p[1] == p[0] + 1), "{seqs:?}");
    new.send_json(json!({"type":"ack","seq":seqs[2]})).await;
    new.assert_alive().await;
    server.shutdown().await;
}
