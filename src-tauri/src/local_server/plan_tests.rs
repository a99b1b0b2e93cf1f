use std::net::SocketAddr;
use std::time::Duration;

use peercall_signal::client::{CertPin, ClientConfig, ClientError, ClientEvent, SignalClient};
use peercall_signal::server::{Server, ServerHandle};

use super::*;
use crate::local_server::lan_address;

const CODE: &str = "ABCDE-FGHJK";
const LOCAL_TOKEN: &str = "00112233445566778899aabbccddeeff";

/// Where a stranger on the network reaches this machine: its LAN address (loopback only
/// when the machine has none, e.g. a sandbox without a network).
fn from_the_network(port: u16) -> SocketAddr {
    let ip = lan_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    SocketAddr::new(ip, port)
}

/// The embedded server as the app hosts it, on a free port.
async fn host(reach: Reach, token: &str) -> ServerHandle {
    Server::bind(hosted_config(0, reach, token, ServerSecret::random()))
        .await
        .expect("binds")
}

/// Each of `tokens` gets `unauthorized` at `addr`.
async fn refused(addr: SocketAddr, tokens: &[Option<&str>]) {
    for token in tokens {
        let err = SignalClient::connect(client(addr, *token))
            .await
            .expect_err("refused");
        assert!(
            matches!(err, ClientError::Unauthorized(_)),
            "{token:?}: {err:?}"
        );
    }
}

fn client(addr: SocketAddr, token: Option<&str>) -> ClientConfig {
    let mut config = ClientConfig::new(format!("ws://{addr}/ws"), "Stranger");
    config.token = token.map(str::to_owned);
    config.reconnect.enabled = false;
    config.connect_timeout = Duration::from_secs(5);
    config
}

#[test]
fn by_default_the_server_listens_on_loopback_with_a_token() {
    let config = hosted_config(7788, Reach::Loopback, LOCAL_TOKEN, ServerSecret::random());
    assert_eq!(config.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(config.token.as_deref(), Some(LOCAL_TOKEN));
    assert!(config.proof_secret.is_some());
    assert!(config.allowed_origins.is_empty(), "web pages are refused");
}

fn network() -> (Reach, HostCertificate) {
    let cert = super::super::cert::make().expect("a certificate");
    (Reach::Network(cert.clone()), cert)
}

#[test]
fn hosting_for_the_network_listens_everywhere_with_the_join_code_over_wss() {
    let (reach, _) = network();
    let config = hosted_config(7788, reach, CODE, ServerSecret::random());
    assert_eq!(config.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(config.token.as_deref(), Some(CODE));
    assert!(config.proof_secret.is_some());
    assert!(
        config.tls.is_some() && config.lan_proof,
        "wss://, proven by the code"
    );
    assert!(config.allowed_origins.is_empty(), "web pages are refused");
    let loopback = hosted_config(7788, Reach::Loopback, LOCAL_TOKEN, ServerSecret::random());
    assert!(loopback.tls.is_none() && !loopback.lan_proof);
}

#[test]
fn local_tokens_are_32_hex_digits_and_fresh() {
    assert_eq!(new_local_token([0xab; 16]), "ab".repeat(16));
    let token = new_local_token(rand::random());
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert_ne!(new_local_token(rand::random()), token);
}

/// Another user of this machine reaches 127.0.0.1 like this user, but cannot read the
/// token from this user's record: its hello is refused. (Before, the loopback server
/// took no token and let it list and ring everyone.)
#[tokio::test]
async fn another_user_without_the_token_is_refused_on_loopback() {
    let server = host(Reach::Loopback, LOCAL_TOKEN).await;
    let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), server.local_addr().port());
    refused(local, &[None, Some("guess")]).await;
    let (c, _events) = SignalClient::connect(client(local, Some(LOCAL_TOKEN)))
        .await
        .expect("the token lets this user's apps in");
    c.close().await;
}

#[tokio::test]
async fn by_default_the_network_cannot_reach_the_server() {
    let Some(ip) = lan_address() else {
        eprintln!("no LAN address on this machine: only the configuration is checked");
        return;
    };
    let server = host(Reach::Loopback, LOCAL_TOKEN).await;
    let port = server.local_addr().port();
    let err = SignalClient::connect(client(SocketAddr::new(ip, port), Some(LOCAL_TOKEN)))
        .await
        .expect_err("not reachable from the network");
    assert!(matches!(err, ClientError::Unreachable(_)), "{err:?}");
    // This machine's apps still get in.
    let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    let (c, _events) = SignalClient::connect(client(local, Some(LOCAL_TOKEN)))
        .await
        .expect("loopback works");
    c.close().await;
}

#[tokio::test]
async fn hosting_for_the_network_refuses_a_stranger_without_the_code() {
    let (reach, cert) = network();
    let server = host(reach, CODE).await;
    let addr = from_the_network(server.local_addr().port());
    // A stranger that trusts the certificate (it can fetch it) but lacks the code.
    for token in [None, Some("WRONG-CODE0"), Some("abcde-fghjk")] {
        let mut stranger = client(addr, token);
        stranger.url = format!("wss://{addr}/ws");
        stranger.cert_pin = Some(CertPin::new(Some(cert.fingerprint)));
        let err = SignalClient::connect(stranger).await.expect_err("refused");
        assert!(
            matches!(err, ClientError::Unauthorized(_)),
            "{token:?}: {err:?}"
        );
    }
    // One that guesses a code: the server does not prove it, nothing is sent.
    let mut guess = client(addr, Some("WRONG-CODE0"));
    guess.url = format!("wss://{addr}/ws");
    guess.lan_code = guess.token.clone();
    let err = SignalClient::connect(guess).await.expect_err("not proven");
    assert!(matches!(err, ClientError::CodeNotProven), "{err:?}");
    // The joiner with the code: the host proves it, then the code lets it in.
    let mut joiner = client(addr, Some(CODE));
    joiner.url = format!("wss://{addr}/ws");
    joiner.lan_code = Some(CODE.into());
    let (c, mut events) = SignalClient::connect(joiner)
        .await
        .expect("the code lets one in");
    assert!(matches!(
        events.recv().await,
        Some(ClientEvent::Welcome { .. })
    ));
    c.close().await;
}

#[test]
fn join_codes_are_ten_unambiguous_digits() {
    let code = new_join_code([0; 10]);
    assert_eq!(code, "00000-00000");
    let code = new_join_code(std::array::from_fn(|i| (i * 37) as u8));
    assert!(is_join_code(&code), "{code}");
    assert!(!code.contains(['I', 'L', 'O', 'U']));
    for bad in [
        "",
        "ABCDE",
        "ABCDEFGHJK",
        "ABCDE-FGHJI",
        "abcde-fghjk",
        "ABCDE-FGHJKM",
    ] {
        assert!(!is_join_code(bad), "{bad}");
    }
    assert_ne!(new_join_code(rand::random()), new_join_code(rand::random()));
}
