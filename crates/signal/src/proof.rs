//! Proving a server before trusting it: a challenge in the WebSocket handshake.
//!
//! The desktop app trusts "the local server" on a fixed loopback port. Any local process
//! that binds that port first could pose as it and read everything the app sends (names,
//! calls, the join code, SDP with its DTLS fingerprints). So the app that hosts the
//! server shares a [`ServerSecret`] with the other apps of the same user (a 0600 file in a
//! 0700 runtime directory, see the app's `local_server`), and a client that knows it
//! proves the server before it sends anything: its upgrade request carries a fresh random
//! nonce ([`NONCE_HEADER`]) and the `101` response must carry
//! `HMAC-SHA256(secret, LABEL ‖ port ‖ nonce)` ([`PROOF_HEADER`]), where `port` is the
//! port the server listens on (so a squatter cannot relay the challenge to a real server
//! of the same user on another port). Only then is `hello` sent.
//!
//! HMAC-SHA256 from the RustCrypto `hmac` and `sha2` crates (well kept, already used for
//! TURN credentials), not hand-written; the check is `verify_slice` (constant time).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The request header that carries the client's nonce (hex).
pub const NONCE_HEADER: &str = "peercall-proof-nonce";
/// The response header that carries the server's answer (hex).
pub const PROOF_HEADER: &str = "peercall-proof";
/// Domain separation: this MAC means "I am the local server", nothing else.
const LABEL: &[u8] = b"peercall local server proof v1\0";
/// Secret and nonce sizes in bytes.
pub const SECRET_BYTES: usize = 32;
const NONCE_BYTES: usize = 16;

/// The secret a server proves it knows. Its `Debug` output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSecret([u8; SECRET_BYTES]);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(<redacted>)")
    }
}

/// A secret that is not 64 hex digits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a server secret is {} hex digits", SECRET_BYTES * 2)]
pub struct BadSecret;

impl ServerSecret {
    /// A fresh random secret.
    pub fn random() -> Self {
        ServerSecret(rand::random())
    }

    /// From its hex form (as written by [`ServerSecret::to_hex`]).
    pub fn from_hex(hex: &str) -> Result<Self, BadSecret> {
        let bytes = hex_bytes(hex.trim()).ok_or(BadSecret)?;
        Ok(ServerSecret(bytes.try_into().map_err(|_| BadSecret)?))
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex_string(&self.0)
    }

    fn mac(&self, port: u16, nonce: &[u8]) -> Hmac<Sha256> {
        // An HMAC key may have any length: `new_from_slice` cannot fail here.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(LABEL);
        mac.update(&port.to_be_bytes());
        mac.update(nonce);
        mac
    }

    /// The server's answer to `nonce_hex` (the header's value) when listening on `port`;
    /// `None` when the nonce is not 32 hex digits (then the server answers nothing).
    pub fn answer(&self, port: u16, nonce_hex: &str) -> Option<String> {
        let nonce = hex_bytes(nonce_hex.trim()).filter(|n| n.len() == NONCE_BYTES)?;
        Some(hex_string(&self.mac(port, &nonce).finalize().into_bytes()))
    }

    /// Whether `answer` (the response header's value, if any) proves the secret for the
    /// challenge `nonce_hex` sent to `port`.
    pub fn verify(&self, port: u16, nonce_hex: &str, answer: Option<&str>) -> bool {
        let (Some(nonce), Some(answer)) = (hex_bytes(nonce_hex), answer.and_then(hex_bytes)) else {
            return false;
        };
        self.mac(port, &nonce).verify_slice(&answer).is_ok()
    }
}

/// A fresh challenge: 16 random bytes as 32 hex digits.
pub fn new_nonce() -> String {
    hex_string(&rand::random::<[u8; NONCE_BYTES]>())
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of an even-length hex string.
pub(crate) fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_proves_the_secret_for_that_nonce_and_port_only() {
        let secret = ServerSecret::random();
        let nonce = new_nonce();
        let answer = secret.answer(7788, &nonce);
        assert!(secret.verify(7788, &nonce, answer.as_deref()));
        // (secret, port, nonce, answer) that must not verify
        let other = ServerSecret::random();
        assert!(!other.verify(7788, &nonce, answer.as_deref()));
        assert!(!secret.verify(7789, &nonce, answer.as_deref()));
        assert!(!secret.verify(7788, &new_nonce(), answer.as_deref()));
        assert!(!secret.verify(7788, &nonce, None));
        assert!(!secret.verify(7788, &nonce, Some("")));
        assert!(!secret.verify(7788, &nonce, Some("zz")));
    }

    #[test]
    fn malformed_nonces_get_no_answer() {
        let secret = ServerSecret::random();
        for nonce in ["", "00", "xyz", &"0".repeat(33), &"é".repeat(16)] {
            assert_eq!(secret.answer(1, nonce), None, "{nonce:?}");
        }
        assert!(secret.answer(1, &"0".repeat(32)).is_some());
    }

    #[test]
    fn secrets_round_trip_as_hex_and_never_show_in_debug() {
        let secret = ServerSecret::random();
        assert_eq!(ServerSecret::from_hex(&secret.to_hex()), Ok(secret.clone()));
        assert_eq!(ServerSecret::from_hex("abcd"), Err(BadSecret));
        assert_eq!(ServerSecret::from_hex(&"g".repeat(64)), Err(BadSecret));
        assert!(!format!("{secret:?}").contains(&secret.to_hex()));
    }
}
