//! TURN REST credentials in `welcome.iceServers`: username `expiry:peerId`, credential
//! `base64(HMAC-SHA1(secret, username))` — verified here with an independent HMAC. Only
//! for clients that know the token: a server with TURN and no token refuses to start
//! unless told to mint for anyone.

mod common;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use peercall_signal::client::ClientEvent;
use peercall_signal::server::TurnConfig;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[tokio::test]
async fn welcome_carries_stun_and_verifiable_turn_credentials() {
    let mut config = fast_config();
    config.token = Some("team-token".into());
    config.stun = vec!["stun:stun.example.org:3478".into()];
    config.turn = Some(TurnConfig {
        urls: vec![
            "turn:turn.example.org:3478?transport=udp".into(),
            "turns:turn.example.org:5349".into(),
        ],
        secret: "coturn-shared-secret".into(),
        ttl: Duration::from_secs(600),
    });
    let server = start(config).await;
    let (client, events) = {
        let mut c = client_config(&server.url(), "A");
        c.token = Some("team-token".into());
        peercall_signal::client::SignalClient::connect(c)
            .await
            .unwrap()
    };
    let mut events = events;
    let ClientEvent::Welcome {
        id, ice_servers, ..
    } = next_event(&mut events).await
    else {
        panic!("welcome")
    };
    assert_eq!(ice_servers.len(), 2);
    assert_eq!(ice_servers[0].urls, ["stun:stun.example.org:3478"]);
    assert!(ice_servers[0].username.is_none() && ice_servers[0].credential.is_none());
    let turn = &ice_servers[1];
    assert_eq!(turn.urls.len(), 2);
    let username = turn.username.clone().unwrap();
    let (expiry, peer) = username.split_once(':').unwrap();
    assert_eq!(peer, id.as_str());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry: u64 = expiry.parse().unwrap();
    assert!(
        expiry > now + 590 && expiry <= now + 601,
        "expiry {expiry} ≈ now + ttl"
    );
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"coturn-shared-secret").unwrap();
    mac.update(username.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(turn.credential.as_deref(), Some(expected.as_str()));
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn turn_without_a_token_is_refused_unless_asked_for() {
    let mut config = fast_config();
    config.turn = Some(TurnConfig {
        urls: vec!["turn:turn.example.org:3478".into()],
        secret: "coturn-shared-secret".into(),
        ttl: Duration::from_secs(600),
    });
    match peercall_signal::server::Server::bind(config.clone()).await {
        Err(peercall_signal::server::ServerError::TurnWithoutToken) => {}
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("a server minting TURN credentials for anyone started"),
    }
    config.turn_without_token = true;
    let server = start(config).await;
    server.shutdown().await;
}
