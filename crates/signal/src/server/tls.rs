//! The rustls acceptor built from PEM certificate chain and key.

use super::config::TlsConfig;
use super::ServerError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// A TLS acceptor for `wss://` (ring provider, HTTP/1.1 only).
pub fn acceptor(tls: &TlsConfig) -> Result<TlsAcceptor, ServerError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&tls.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError::Tls(format!("certificate: {e}")))?;
    if certs.is_empty() {
        return Err(ServerError::Tls("no certificate in the PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(&tls.key_pem)
        .map_err(|e| ServerError::Tls(format!("private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
