//! `wss://` with a self-signed certificate generated in the test: the client trusts it
//! as an extra root and completes hello/welcome; a client without it is refused.

mod common;
use common::*;
use peercall_signal::client::{ClientError, ClientEvent, SignalClient};
use peercall_signal::server::TlsConfig;

#[tokio::test]
async fn wss_with_a_self_signed_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let mut config = fast_config();
    config.tls = Some(TlsConfig {
        cert_pem: cert.cert.pem().into_bytes(),
        key_pem: cert.key_pair.serialize_pem().into_bytes(),
    });
    let server = start(config).await;
    let port = server.local_addr().port();
    assert!(server.url().starts_with("wss://"));
    let url = format!("wss://localhost:{port}/ws");

    let mut c = client_config(&url, "Secure");
    c.extra_root_certs = vec![cert.cert.der().to_vec()];
    let (client, mut events) = SignalClient::connect(c.clone()).await.unwrap();
    assert!(matches!(
        next_event(&mut events).await,
        ClientEvent::Welcome { .. }
    ));
    c.name = "Second".into();
    let (second, _) = SignalClient::connect(c).await.unwrap();
    let e = next_event(&mut events).await;
    assert!(
        matches!(&e, ClientEvent::PeerJoined { peer } if peer.id == second.id()),
        "{e:?}"
    );

    // Without the certificate: not trusted.
    let err = SignalClient::connect(client_config(&url, "Untrusting"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Tls(rustls::Error::InvalidCertificate(_))),
        "{err:?}"
    );
    // Plain ws:// to a TLS port fails.
    let err =
        SignalClient::connect(client_config(&format!("ws://127.0.0.1:{port}/ws"), "Plain")).await;
    assert!(err.is_err());
    client.close().await;
    server.shutdown().await;
}
