//! The joiner's side of the LAN mode: another machine's app hosts over `wss://` with a
//! self-signed certificate; the user typed its address and join code in Settings. The
//! host must prove the code for the certificate it serves before `hello`
//! (`peercall_signal::lan_proof`), and the certificate of the first proven connection is
//! pinned per server URL ([`ServerPins`], kept in the settings store beside the settings):
//! a later connection with another certificate is refused ("the host's certificate
//! changed: enter its code again") until the user types the code into Settings again and
//! saves (the `forget_server_pin` command), which drops the pin so the code proves the new
//! certificate.

use std::collections::BTreeMap;

use peercall_signal::client::{CertPin, ClientConfig};
use peercall_signal::lan_proof::CertFingerprint;
use serde::{Deserialize, Serialize};

use super::plan::is_join_code;

/// Servers whose certificate is pinned, at most.
const MAX_PINS: usize = 32;

/// The certificate pinned per server URL (SHA-256, hex).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerPins(BTreeMap<String, String>);

impl ServerPins {
    /// The certificate pinned for `url`, if any.
    pub fn get(&self, url: &str) -> Option<CertFingerprint> {
        CertFingerprint::from_hex(self.0.get(url)?).ok()
    }

    /// Pins `fingerprint` for `url` (a first proven connection); returns whether that
    /// changed anything. At most [`MAX_PINS`] servers are kept.
    pub fn pin(&mut self, url: &str, fingerprint: CertFingerprint) -> bool {
        if self.get(url) == Some(fingerprint)
            || self.0.len() >= MAX_PINS && !self.0.contains_key(url)
        {
            return false;
        }
        self.0.insert(url.to_owned(), fingerprint.to_hex());
        true
    }

    /// The user typed the code for `url` again: its host's certificate is proven anew by
    /// the next connection. Returns whether a pin was dropped.
    pub fn forget(&mut self, url: &str) -> bool {
        self.0.remove(url).is_some()
    }
}

/// For a `wss://` server URL whose token is a join code (`ABCDE-FGHJK`): the host must
/// prove the code for its certificate, and the certificate pinned for the URL (if any) must
/// be the one it presents. Returns the pin (filled by the first proven connection), or
/// `None` when `signaling` is not a LAN join (left as it is).
pub fn prepare(signaling: &mut ClientConfig, pins: &ServerPins) -> Option<CertPin> {
    let code = signaling.token.clone().filter(|t| is_join_code(t))?;
    if !signaling.url.starts_with("wss://") || signaling.server_proof.is_some() {
        return None;
    }
    let pin = CertPin::new(pins.get(&signaling.url));
    signaling.lan_code = Some(code);
    signaling.cert_pin = Some(pin.clone());
    Some(pin)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "wss://192.168.1.20:7788/ws";
    const CODE: &str = "ABCDE-FGHJK";

    fn joiner(url: &str, token: Option<&str>) -> ClientConfig {
        let mut config = ClientConfig::new(url, "Bob");
        config.token = token.map(str::to_owned);
        config
    }

    #[test]
    fn only_a_join_code_over_wss_makes_a_lan_join() {
        let fp = CertFingerprint::of_der(b"host");
        let mut pins = ServerPins::default();
        pins.pin(URL, fp);
        // (url, token, a LAN join?)
        for (url, token, lan) in [
            (URL, Some(CODE), true),
            (URL, Some("an-api-token"), false),
            (URL, None, false),
            ("ws://192.168.1.20:7788/ws", Some(CODE), false),
            ("wss://calls.example.org/ws", Some("s3cret"), false),
        ] {
            let mut config = joiner(url, token);
            let pin = prepare(&mut config, &pins);
            assert_eq!(pin.is_some(), lan, "{url} {token:?}");
            assert_eq!(config.lan_code.is_some(), lan, "{url} {token:?}");
        }
        let mut config = joiner(URL, Some(CODE));
        let pin = prepare(&mut config, &pins).expect("a LAN join");
        assert_eq!(pin.get(), Some(fp), "the pinned certificate is required");
        let mut other = joiner("wss://192.168.1.21:7788/ws", Some(CODE));
        let pin = prepare(&mut other, &pins).expect("a LAN join");
        assert_eq!(pin.get(), None, "another server: its first proof pins it");
    }

    #[test]
    fn a_pin_holds_until_the_code_is_entered_again() {
        let (first, second) = (
            CertFingerprint::of_der(b"first"),
            CertFingerprint::of_der(b"second"),
        );
        let mut pins = ServerPins::default();
        assert!(pins.pin(URL, first));
        assert!(!pins.pin(URL, first), "already pinned");
        assert!(
            pins.pin(URL, second),
            "a new proof after the code was entered again"
        );
        assert!(pins.forget(URL));
        assert!(!pins.forget(URL));
        assert_eq!(pins.get(URL), None);
        assert!(pins.pin(URL, first));
        assert_eq!(pins.get(URL), Some(first));
    }

    #[test]
    fn pins_survive_the_store_and_are_bounded() {
        let mut pins = ServerPins::default();
        for i in 0..100 {
            pins.pin(&format!("wss://h{i}/ws"), CertFingerprint::of_der(&[i]));
        }
        assert_eq!(pins.0.len(), MAX_PINS);
        let json = serde_json::to_value(&pins).expect("json");
        let back: ServerPins = serde_json::from_value(json).expect("back");
        assert_eq!(back, pins);
    }
}
