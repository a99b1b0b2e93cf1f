//! The desktop app's LAN host over `wss://` with a self-signed certificate, proven by its
//! join code (`peercall_signal::lan_proof`): a joiner with the code gets in and pins the
//! certificate; a TLS-terminating relay with its own certificate never receives a `hello`;
//! a wrong code is refused before `hello`; a changed certificate after the pin is refused,
//! on a new connection and on a reconnect; the local apps' pinned certificate plus the
//! record's proof gets in.

mod common;

use common::*;
use peercall_signal::client::SignalClient;
use peercall_signal::client::{CertPin, ClientConfig, ClientError, ClientEvent, CloseReason};
use peercall_signal::lan_proof::CertFingerprint;
use peercall_signal::proof::ServerSecret;
use peercall_signal::server::{Config, Server, ServerError, TlsConfig};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CODE: &str = "K7Q2M-9XHDA";

/// A self-signed certificate as the app makes it, and its fingerprint.
fn certificate() -> (TlsConfig, CertFingerprint) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("rcgen makes a certificate");
    let fingerprint = CertFingerprint::of_der(made.cert.der());
    let tls = TlsConfig {
        cert_pem: made.cert.pem().into_bytes(),
        key_pem: made.key_pair.serialize_pem().into_bytes(),
    };
    (tls, fingerprint)
}

fn lan_host(tls: TlsConfig, port: u16) -> Config {
    let mut config = fast_config();
    config.port = port;
    config.tls = Some(tls);
    config.token = Some(CODE.into());
    config.lan_proof = true;
    config
}

fn joiner(url: &str, code: &str, pin: &CertPin) -> ClientConfig {
    let mut config = client_config(url, "Joiner");
    config.lan_code = Some(code.into());
    config.token = Some(code.into());
    config.cert_pin = Some(pin.clone());
    config
}

fn url(addr: SocketAddr) -> String {
    format!("wss://{addr}/ws")
}

#[tokio::test]
async fn a_joiner_with_the_code_gets_in_and_pins_the_certificate() {
    let (tls, fingerprint) = certificate();
    let server = start(lan_host(tls, 0)).await;
    assert!(server.url().starts_with("wss://"));
    let pin = CertPin::default();
    let (client, mut events) = SignalClient::connect(joiner(&server.url(), CODE, &pin))
        .await
        .expect("the host proved the code");
    assert!(matches!(
        next_event(&mut events).await,
        ClientEvent::Welcome { .. }
    ));
    assert_eq!(
        pin.get(),
        Some(fingerprint),
        "the proven certificate is pinned"
    );
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_code_is_refused_before_hello() {
    let (tls, _) = certificate();
    let server = start(lan_host(tls, 0)).await;
    let pin = CertPin::default();
    let err = SignalClient::connect(joiner(&server.url(), "K7Q2M-9XHDB", &pin))
        .await
        .expect_err("a wrong code proves nothing");
    // Had the hello gone out, the server would have answered `unauthorized`.
    assert!(matches!(err, ClientError::CodeNotProven), "{err:?}");
    assert_eq!(pin.get(), None, "nothing pinned");
    server.shutdown().await;
}

/// What the relay read from the client, decrypted: everything it could forward or keep.
type Plaintext = Arc<Mutex<Vec<u8>>>;

/// An on-path attacker: terminates the client's TLS with its own certificate, opens TLS to
/// the real host (trusting its certificate), and forwards everything both ways while
/// keeping what the client sends.
async fn tls_terminating_relay(host: SocketAddr, host_cert: Vec<u8>) -> (SocketAddr, Plaintext) {
    let (own, _) = certificate();
    let acceptor = {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(&own.cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .expect("relay cert");
        let key = PrivateKeyDer::from_pem_slice(&own.key_pem).expect("relay key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("relay config");
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    };
    let connector = {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(host_cert.into()).expect("host cert as a root");
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        tokio_rustls::TlsConnector::from(Arc::new(config))
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay binds");
    let addr = listener.local_addr().expect("relay addr");
    let seen = Plaintext::default();
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, connector, kept) = (acceptor.clone(), connector.clone(), kept.clone());
            tokio::spawn(async move {
                let Ok(client) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(upstream) = TcpStream::connect(host).await else {
                    return;
                };
                let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
                let Ok(upstream) = connector.connect(name, upstream).await else {
                    return;
                };
                let (mut client_rx, mut client_tx) = tokio::io::split(client);
                let (mut host_rx, mut host_tx) = tokio::io::split(upstream);
                let to_host = async {
                    let mut buf = [0u8; 4096];
                    while let Ok(n @ 1..) = client_rx.read(&mut buf).await {
                        kept.lock().expect("kept").extend_from_slice(&buf[..n]);
                        if host_tx.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                let to_client = async {
                    let _ = tokio::io::copy(&mut host_rx, &mut client_tx).await;
                };
                tokio::join!(to_host, to_client);
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn a_tls_terminating_relay_never_receives_a_hello() {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("rcgen makes a certificate");
    let host_cert = made.cert.der().to_vec();
    let tls = TlsConfig {
        cert_pem: made.cert.pem().into_bytes(),
        key_pem: made.key_pair.serialize_pem().into_bytes(),
    };
    let server = start(lan_host(tls, 0)).await;
    let (relay, seen) = tls_terminating_relay(server.local_addr(), host_cert).await;

    let pin = CertPin::default();
    let err = SignalClient::connect(joiner(&url(relay), CODE, &pin))
        .await
        .expect_err("the relay cannot prove the code for its certificate");
    assert!(matches!(err, ClientError::CodeNotProven), "{err:?}");
    assert_eq!(pin.get(), None, "the relay's certificate is not pinned");
    let seen = String::from_utf8_lossy(&seen.lock().expect("seen")).into_owned();
    // It did sit in the path (it relayed the upgrade and so the host's answer) ...
    assert!(seen.starts_with("GET /ws"), "{seen}");
    // ... but the client sent nothing after it: no hello, no name, no code.
    assert!(!seen.contains("Joiner"), "{seen}");
    assert!(!seen.contains(CODE), "{seen}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_changed_certificate_after_the_pin_is_refused() {
    let (tls, first) = certificate();
    let server = start(lan_host(tls, 0)).await;
    let addr = server.local_addr();
    let pin = CertPin::default();
    let (client, mut events) = SignalClient::connect(joiner(&url(addr), CODE, &pin))
        .await
        .expect("connects");
    next_event(&mut events).await; // welcome
    assert_eq!(pin.get(), Some(first));

    // The host comes back on the same address with a new certificate (and the same code):
    // the running client's reconnect and a new connection with the pin are both refused.
    server.shutdown().await;
    let (tls, second) = certificate();
    assert_ne!(first, second);
    let server = start(lan_host(tls, addr.port())).await;
    let closed = wait_event(&mut events, |e| matches!(e, ClientEvent::Closed { .. })).await;
    assert!(
        matches!(&closed, ClientEvent::Closed { reason: CloseReason::Refused(why) }
            if why.contains("certificate changed")),
        "{closed:?}"
    );
    let err = SignalClient::connect(joiner(&url(addr), CODE, &pin))
        .await
        .expect_err("another certificate than the pinned one");
    assert!(matches!(err, ClientError::CertificateChanged), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the host's certificate changed: enter its code again"
    );
    assert_eq!(pin.get(), Some(first), "the pin stays");
    drop(client);
    server.shutdown().await;
}

#[tokio::test]
async fn this_machines_apps_get_in_with_the_records_certificate_and_secret() {
    let (tls, fingerprint) = certificate();
    let secret = ServerSecret::random();
    let mut host = lan_host(tls, 0);
    host.proof_secret = Some(secret.clone());
    let server = start(host).await;
    let local = |pinned: CertFingerprint| {
        let mut config = client_config(&server.url(), "Local");
        config.token = Some(CODE.into());
        config.server_proof = Some(secret.clone());
        config.cert_pin = Some(CertPin::new(Some(pinned)));
        config
    };
    let (client, mut events) = SignalClient::connect(local(fingerprint))
        .await
        .expect("the record's certificate and secret");
    assert!(matches!(
        next_event(&mut events).await,
        ClientEvent::Welcome { .. }
    ));
    let err = SignalClient::connect(local(CertFingerprint::of_der(b"another")))
        .await
        .expect_err("not the record's certificate");
    assert!(matches!(err, ClientError::CertificateChanged), "{err:?}");
    // An unknown self-signed certificate that nothing proves is not trusted.
    let mut unproven = client_config(&server.url(), "Nobody");
    unproven.cert_pin = Some(CertPin::default());
    let err = SignalClient::connect(unproven).await.expect_err("unproven");
    assert!(matches!(err, ClientError::NotProven), "{err:?}");
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_lan_proof_needs_a_certificate_and_a_code() {
    let mut config = fast_config();
    config.lan_proof = true;
    config.token = Some(CODE.into());
    let err = Server::bind(config).await.err().expect("refused");
    assert!(
        matches!(err, ServerError::LanProofNeedsTlsAndToken),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_plain_loopback_url_reaches_the_lan_host_over_wss_through_the_record() {
    let base =
        std::env::temp_dir().join(format!("peercall-lan-tls-{:016x}", rand::random::<u64>()));
    std::fs::create_dir(&base).expect("temp dir");
    let runtime = peercall_signal::local_record::RuntimeDir::open(
        base.to_str(),
        std::path::Path::new("/nonexistent"),
    )
    .expect("runtime dir");
    let (tls, fingerprint) = certificate();
    let secret = ServerSecret::random();
    let mut host = lan_host(tls, 0);
    host.proof_secret = Some(secret.clone());
    let server = start(host).await;
    let port = server.local_addr().port();
    let _published = runtime
        .publish(&peercall_signal::local_record::LocalRecord {
            port,
            pid: std::process::id(),
            secret,
            token: Some(CODE.into()),
            cert: Some(fingerprint),
        })
        .expect("published");
    // `peercall-agent --server ws://127.0.0.1:PORT/ws`, or the app with that URL typed in.
    let mut config = client_config(&format!("ws://127.0.0.1:{port}/ws"), "Agent");
    assert!(runtime.fill_client_config(&mut config).expect("trusted"));
    assert_eq!(config.url, format!("wss://127.0.0.1:{port}/ws"));
    let (client, mut events) = SignalClient::connect(config).await.expect("gets in");
    assert!(matches!(
        next_event(&mut events).await,
        ClientEvent::Welcome { .. }
    ));
    client.close().await;
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&base);
}
