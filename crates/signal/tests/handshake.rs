//! hello → welcome: server-assigned unguessable ids, a session, the room's peers,
//! the default room, and ICE servers.

mod common;
use common::*;
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn welcome_carries_id_session_peers_and_defaults() {
    let server = start_fast().await;
    let url = server.url();

    // No room given: lobby.
    let mut a = Raw::connect(&url).await;
    a.send_json(json!({"type":"hello","protocol":1,"name":"  Alice  ","futureField":true}))
        .await;
    let wa = a.recv().await;
    assert_eq!(wa["type"], "welcome");
    assert_eq!(wa["protocol"], 1);
    assert_eq!(
        wa["server"],
        format!("peercall-signal {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(wa["peers"], json!([]));
    assert_eq!(wa["iceServers"], json!([]));
    let id_a = wa["id"].as_str().unwrap().to_owned();
    let session_a = wa["session"].as_str().unwrap().to_owned();
    assert!(
        id_a.len() >= 22,
        "id carries at least 128 random bits: {id_a}"
    );
    assert!(session_a.len() >= 43, "session carries 256 random bits");
    assert_ne!(id_a, session_a);

    let mut b = Raw::connect(&url).await;
    let wb = b.hello("Bob", "lobby").await;
    assert_eq!(
        wb["peers"],
        json!([{"id": id_a, "name": "Alice", "busy": false}])
    );
    let joined = a.recv().await;
    assert_eq!(joined["type"], "peer-joined");
    assert_eq!(joined["peer"]["name"], "Bob");

    let (_c, _) = Raw::join(&url, "Carol", "lobby").await;
    let mut d = Raw::connect(&url).await;
    let wd = d.hello("Dave", "lobby").await;
    let names: HashSet<&str> = wd["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, HashSet::from(["Alice", "Bob", "Carol"]));
    server.shutdown().await;
}

#[tokio::test]
async fn ids_are_unique_and_random() {
    let server = start_fast().await;
    let mut ids = HashSet::new();
    let mut conns = Vec::new();
    for i in 0..20 {
        let (r, id) = Raw::join(&server.url(), &format!("p{i}"), "r").await;
        assert!(id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert!(ids.insert(id), "ids never repeat");
        conns.push(r);
    }
    server.shutdown().await;
}
