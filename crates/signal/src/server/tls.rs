//! The rustls acceptor built from PEM certificate chain and key.

use super::config::{Config, TlsConfig};
use super::ServerError;
use crate::lan_proof::{CertFingerprint, LanKey};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

fn chain(tls: &TlsConfig) -> Result<Vec<CertificateDer<'static>>, ServerError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&tls.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError::Tls(format!("certificate: {e}")))?;
    if certs.is_empty() {
        return Err(ServerError::Tls("no certificate in the PEM".into()));
    }
    Ok(certs)
}

/// The key of the LAN proof ([`crate::lan_proof`]) when `config` asks for it: derived once
/// from the token (the join code) and the end-entity certificate served.
pub fn lan_key(config: &Config) -> Result<Option<LanKey>, ServerError> {
    if !config.lan_proof {
        return Ok(None);
    }
    let (Some(tls), Some(code)) = (&config.tls, &config.token) else {
        return Err(ServerError::LanProofNeedsTlsAndToken);
    };
    let leaf = chain(tls)?.swap_remove(0);
    Ok(Some(LanKey::derive(code, &CertFingerprint::of_der(&leaf))))
}

/// A TLS acceptor for `wss://` (ring provider, HTTP/1.1 only).
pub fn acceptor(tls: &TlsConfig) -> Result<TlsAcceptor, ServerError> {
    let certs = chain(tls)?;
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
