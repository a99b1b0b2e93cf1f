//! `wss://` to a server with a self-signed certificate (the desktop app's LAN host): no
//! root can vouch for it, so the verifier records which certificate the handshake used and
//! leaves the proof to the WebSocket handshake ([`crate::lan_proof`], [`crate::proof`]).
//! It still checks that the server holds the certificate's key (the handshake signature),
//! and refuses at once a certificate other than a pinned one.

use crate::lan_proof::CertFingerprint;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// The certificate a self-signed `wss://` server must present, shared by every connection
/// of a client (clones share it). Empty, it is filled by the first connection that proves
/// the server; from then on every connection (reconnects included) must present exactly
/// that certificate, else [`super::ClientError::CertificateChanged`].
#[derive(Clone, Debug, Default)]
pub struct CertPin(Arc<Mutex<Option<CertFingerprint>>>);

impl CertPin {
    /// A pin holding `fingerprint` (`None`: filled by the first proven connection).
    pub fn new(fingerprint: Option<CertFingerprint>) -> Self {
        CertPin(Arc::new(Mutex::new(fingerprint)))
    }

    /// The pinned certificate, if any yet.
    pub fn get(&self) -> Option<CertFingerprint> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pins `fingerprint` if nothing is pinned yet.
    pub(crate) fn fill(&self, fingerprint: CertFingerprint) {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        held.get_or_insert(fingerprint);
    }
}

/// What one connection's handshake saw: the end-entity certificate's fingerprint.
pub(crate) type Seen = Arc<Mutex<Option<CertFingerprint>>>;

pub(crate) fn seen(slot: &Seen) -> Option<CertFingerprint> {
    *slot.lock().unwrap_or_else(|p| p.into_inner())
}

/// Records the certificate into `slot`; refuses one that differs from `pinned`.
#[derive(Debug)]
struct Recording {
    slot: Seen,
    pinned: Option<CertFingerprint>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint = CertFingerprint::of_der(end_entity);
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(fingerprint);
        match self.pinned {
            Some(pinned) if pinned != fingerprint => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            )),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client TLS configuration for one connection to a self-signed server: the certificate
/// used lands in `slot`; one other than `pinned` fails the handshake.
pub(crate) fn recording_config(
    slot: Seen,
    pinned: Option<CertFingerprint>,
) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(Recording {
        slot,
        pinned,
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
