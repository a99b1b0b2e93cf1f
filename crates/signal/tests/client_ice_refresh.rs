//! A client stays connected for longer than its TURN credentials live: it asks for fresh
//! ones (`{"type":"ice-servers"}`) and passes them on, so a call set up hours after the
//! welcome still gets a relay. Before, the welcome's credentials were the only ones, and
//! after `--turn-ttl` (an hour) they were expired for every call.

mod common;
use common::*;
use peercall_protocol::IceServer;
use peercall_signal::client::{ClientEvent, SignalClient};
use peercall_signal::server::TurnConfig;
use std::time::Duration;

/// The expiry (Unix seconds) in a TURN REST username `expiry:peerId`.
fn expiry(servers: &[IceServer]) -> u64 {
    let turn = servers
        .iter()
        .find(|s| s.credential.is_some())
        .expect("a TURN server with credentials");
    let username = turn.username.as_deref().expect("username");
    username
        .split_once(':')
        .and_then(|(e, _)| e.parse().ok())
        .expect("expiry:peer")
}

#[tokio::test]
async fn fresh_turn_credentials_replace_the_welcomes() {
    let mut config = fast_config();
    config.token = Some("team-token".into());
    config.turn = Some(TurnConfig {
        urls: vec!["turn:turn.example.org:3478".into()],
        secret: "coturn-shared-secret".into(),
        ttl: Duration::from_secs(600),
    });
    let server = start(config).await;
    let mut c = client_config(&server.url(), "A");
    c.token = Some("team-token".into());
    c.ice_refresh_first = Duration::from_millis(1500);
    let (client, mut events) = SignalClient::connect(c).await.unwrap();
    let ClientEvent::Welcome { ice_servers, .. } = next_event(&mut events).await else {
        panic!("welcome")
    };
    let first = expiry(&ice_servers);
    let fresh = loop {
        match next_event(&mut events).await {
            ClientEvent::IceServers { ice_servers } => break ice_servers,
            other => tracing::debug!("skipping {other:?}"),
        }
    };
    assert!(
        expiry(&fresh) > first,
        "the refreshed credentials expire later ({} vs {first})",
        expiry(&fresh)
    );
    client.close().await;
    server.shutdown().await;
}
