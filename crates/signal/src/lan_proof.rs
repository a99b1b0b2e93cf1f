//! Proving a LAN host by its join code, bound to its TLS certificate.
//!
//! The desktop app that hosts calls for its local network serves `wss://` with a
//! self-signed certificate nobody can check against a root. The joiner knows the host's
//! join code instead. Its TLS verifier accepts any certificate but records the SHA-256 of
//! the end-entity certificate the handshake used ([`CertFingerprint`]); its upgrade request
//! carries a nonce ([`crate::proof::NONCE_HEADER`]) and the `101` must carry
//! `HMAC-SHA256(K, LABEL ‖ fp ‖ nonce)` ([`LAN_PROOF_HEADER`]) where
//! `K = scrypt(code, salt = KDF_LABEL ‖ fp)` ([`LanKey::derive`]). Only then does the
//! joiner send `hello` (with the code as its token).
//!
//! An on-path attacker that terminates TLS with its own certificate cannot answer (it lacks
//! the code), and relaying the real host's answer fails (the host's answer is bound to the
//! host's certificate, not the one the joiner saw). So it reads neither the code nor the
//! SDP, and the joiner has proven the host.
//!
//! Why scrypt and not a longer code: anyone who reaches the host can fetch one
//! (nonce, answer) pair and try codes offline. With a fast key (HKDF) 2^50 codes are a few
//! days of GPU time; with scrypt at 16 MiB per guess each try costs memory bandwidth that
//! GPUs do not have in that quantity (~10^4–10^5 guesses a second for a whole card: tens
//! of thousands of years for 2^50). It costs the user one derivation per certificate
//! (~50 ms under load: `cargo bench -p peercall-signal --bench lan_key`, BENCHMARKS.md) and
//! the host one at start; a 15-digit code would cost every user five more characters to type.
//! RustCrypto's `scrypt`, `hmac` and `sha2`; the check is `verify_slice` (constant time).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The response header that carries the host's answer (hex).
pub const LAN_PROOF_HEADER: &str = "peercall-lan-proof";
/// Domain separation of the MAC: "I know the code of this certificate".
const LABEL: &[u8] = b"peercall lan proof v1\0";
/// Domain separation of the key derivation's salt.
const KDF_LABEL: &[u8] = b"peercall lan key v1\0";
/// scrypt cost: N = 2^14, r = 8 (16 MiB), p = 1.
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const NONCE_BYTES: usize = 16;

/// The SHA-256 of a certificate's DER encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertFingerprint([u8; 32]);

impl std::fmt::Debug for CertFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertFingerprint({})", self.to_hex())
    }
}

/// A fingerprint that is not 64 hex digits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a certificate fingerprint is 64 hex digits")]
pub struct BadFingerprint;

impl CertFingerprint {
    /// The fingerprint of the certificate `der`.
    pub fn of_der(der: &[u8]) -> Self {
        CertFingerprint(Sha256::digest(der).into())
    }

    /// The fingerprint of the first certificate in `pem` (a chain's end entity), if any.
    pub fn of_pem(pem: &[u8]) -> Option<Self> {
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
            .next()?
            .ok()?;
        Some(Self::of_der(&der))
    }

    /// From its hex form (as written by [`CertFingerprint::to_hex`]; colons are ignored).
    pub fn from_hex(hex: &str) -> Result<Self, BadFingerprint> {
        let clean: String = hex.trim().chars().filter(|c| *c != ':').collect();
        let bytes = crate::proof::hex_bytes(&clean).ok_or(BadFingerprint)?;
        Ok(CertFingerprint(
            bytes.try_into().map_err(|_| BadFingerprint)?,
        ))
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        crate::proof::hex_string(&self.0)
    }
}

/// The key a host proves with: derived from its join code and its certificate. `Debug`
/// is redacted.
#[derive(Clone)]
pub struct LanKey {
    key: [u8; 32],
    fingerprint: CertFingerprint,
}

impl std::fmt::Debug for LanKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl LanKey {
    /// `scrypt(code, KDF_LABEL ‖ fp)`: memory-hard, so the code cannot be searched offline
    /// from an observed answer at any useful speed (see the module docs).
    pub fn derive(code: &str, fingerprint: &CertFingerprint) -> Self {
        let mut salt = KDF_LABEL.to_vec();
        salt.extend_from_slice(&fingerprint.0);
        let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, 32)
            .unwrap_or_else(|_| unreachable!("constant scrypt parameters are valid"));
        let mut key = [0u8; 32];
        scrypt::scrypt(code.as_bytes(), &salt, &params, &mut key)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid scrypt output length"));
        LanKey {
            key,
            fingerprint: *fingerprint,
        }
    }

    /// The certificate this key is bound to.
    pub fn fingerprint(&self) -> &CertFingerprint {
        &self.fingerprint
    }

    fn mac(&self, nonce: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(LABEL);
        mac.update(&self.fingerprint.0);
        mac.update(nonce);
        mac
    }

    /// The host's answer to `nonce_hex` (the request header's value); `None` when the
    /// nonce is not 32 hex digits.
    pub fn answer(&self, nonce_hex: &str) -> Option<String> {
        let nonce = crate::proof::hex_bytes(nonce_hex.trim()).filter(|n| n.len() == NONCE_BYTES)?;
        Some(crate::proof::hex_string(
            &self.mac(&nonce).finalize().into_bytes(),
        ))
    }

    /// Whether `answer` (the response header's value, if any) proves this key for
    /// `nonce_hex`.
    pub fn verify(&self, nonce_hex: &str, answer: Option<&str>) -> bool {
        let (Some(nonce), Some(answer)) = (
            crate::proof::hex_bytes(nonce_hex),
            answer.and_then(crate::proof::hex_bytes),
        ) else {
            return false;
        };
        self.mac(&nonce).verify_slice(&answer).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::new_nonce;

    #[test]
    fn the_answer_proves_the_code_for_that_certificate_and_nonce_only() {
        let host_cert = CertFingerprint::of_der(b"the host's certificate");
        let relay_cert = CertFingerprint::of_der(b"a relay's certificate");
        let host = LanKey::derive("ABCDE-FGHJK", &host_cert);
        let nonce = new_nonce();
        let answer = host.answer(&nonce);
        // What the joiner derives from the code and the certificate it saw.
        assert!(LanKey::derive("ABCDE-FGHJK", &host_cert).verify(&nonce, answer.as_deref()));
        // A relay's certificate, another code, another nonce, no or garbled answers: refused.
        assert!(!LanKey::derive("ABCDE-FGHJK", &relay_cert).verify(&nonce, answer.as_deref()));
        assert!(!LanKey::derive("ABCDE-FGHJM", &host_cert).verify(&nonce, answer.as_deref()));
        assert!(!host.verify(&new_nonce(), answer.as_deref()));
        assert!(!host.verify(&nonce, None));
        assert!(!host.verify(&nonce, Some("zz")));
    }

    #[test]
    fn the_key_depends_on_code_and_certificate() {
        let fp = CertFingerprint::of_der(b"c");
        let a = LanKey::derive("ABCDE-FGHJK", &fp);
        assert_eq!(a.key, LanKey::derive("ABCDE-FGHJK", &fp).key);
        assert_ne!(a.key, LanKey::derive("ABCDE-FGHJ0", &fp).key);
        assert_ne!(
            a.key,
            LanKey::derive("ABCDE-FGHJK", &CertFingerprint::of_der(b"d")).key
        );
        assert!(!format!("{a:?}").contains(&crate::proof::hex_string(&a.key)));
    }

    #[test]
    fn fingerprints_round_trip_as_hex() {
        let fp = CertFingerprint::of_der(b"x");
        assert_eq!(CertFingerprint::from_hex(&fp.to_hex()), Ok(fp));
        let colons: Vec<String> = fp.0.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(CertFingerprint::from_hex(&colons.join(":")), Ok(fp));
        assert_eq!(CertFingerprint::from_hex("abcd"), Err(BadFingerprint));
        assert_eq!(
            CertFingerprint::from_hex(&"g".repeat(64)),
            Err(BadFingerprint)
        );
    }

    #[test]
    fn malformed_nonces_get_no_answer() {
        let key = LanKey::derive("ABCDE-FGHJK", &CertFingerprint::of_der(b"c"));
        for nonce in ["", "00", "xyz", &"0".repeat(33)] {
            assert_eq!(key.answer(nonce), None, "{nonce:?}");
        }
    }
}
