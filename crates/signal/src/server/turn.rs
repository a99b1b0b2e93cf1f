//! TURN REST credentials in coturn's `use-auth-secret` scheme, and the `iceServers` list.

use super::config::Config;
use base64::Engine;
use hmac::{Hmac, Mac};
use peercall_protocol::{IceServer, PeerId};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `(username, credential)` for `peer` valid until `now + ttl`: username
/// `expiry:peerId` (expiry in Unix seconds), credential
/// `base64(HMAC-SHA1(secret, username))`.
pub fn turn_credentials(
    secret: &str,
    peer: &PeerId,
    now: SystemTime,
    ttl: Duration,
) -> (String, String) {
    let expiry = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(ttl)
        .as_secs();
    let username = format!("{expiry}:{peer}");
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return (username, String::new()),
    };
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, credential)
}

/// The `iceServers` a peer gets in its `welcome`.
pub fn ice_servers(config: &Config, peer: &PeerId) -> Vec<IceServer> {
    let mut out = Vec::new();
    if !config.stun.is_empty() {
        out.push(IceServer {
            urls: config.stun.clone(),
            username: None,
            credential: None,
        });
    }
    if let Some(turn) = &config.turn {
        let (username, credential) =
            turn_credentials(&turn.secret, peer, SystemTime::now(), turn.ttl);
        out.push(IceServer {
            urls: turn.urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_vector() {
        // Computed independently: printf '%s' '1700003600:peer1' |
        //   openssl dgst -sha1 -hmac 'north' -binary | base64
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let (user, cred) = turn_credentials(
            "north",
            &PeerId::from("peer1"),
            now,
            Duration::from_secs(3600),
        );
        assert_eq!(user, "1700003600:peer1");
        assert_eq!(cred, "/VEbvDfAIXLWflwoF+vmZkPWd6g=");
    }
}
