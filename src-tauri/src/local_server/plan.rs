//! What the embedded server is when this app hosts it: loopback only, unless the user
//! turned on "Host calls for my local network" — then every interface with the join code
//! as the server's token. On loopback its token is a random one that only this user can
//! read (from the local record, see `runtime`): another user of the same machine reaches
//! 127.0.0.1 too, but its `hello` is refused. Both prove themselves to the other apps on
//! this machine with the secret of the local record, and refuse web pages (the server's
//! Origin check). For the network it speaks `wss://` with the app's self-signed
//! certificate and proves it with the join code (`peercall_signal::lan_proof`).

use std::net::{IpAddr, Ipv4Addr};

use peercall_signal::proof::ServerSecret;
use peercall_signal::server::Config;

use super::cert::HostCertificate;

/// Join codes use Crockford's base-32 digits (no I, L, O, U: nothing to misread).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Ten digits, 50 bits: far beyond guessing at the server's connection and rate limits.
const CODE_DIGITS: usize = 10;

/// A fresh join code from 10 random bytes: `ABCDE-FGHJK`.
pub fn new_join_code(random: [u8; CODE_DIGITS]) -> String {
    let digits: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    format!("{}-{}", &digits[..5], &digits[5..])
}

/// Whether `code` has the form [`new_join_code`] makes.
pub fn is_join_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == CODE_DIGITS + 1
        && bytes[5] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 5 || ALPHABET.contains(b))
}

/// A fresh token for the loopback server from 16 random bytes: 32 hex digits. Nobody types
/// it: this user's clients read it from the local record.
pub fn new_local_token(random: [u8; 16]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who may reach the hosted server.
#[derive(Clone)]
pub enum Reach {
    /// This machine only (the default), plain `ws://`.
    Loopback,
    /// Every interface: the user hosts for the local network (the token is the join code),
    /// over `wss://` with this certificate, which the server proves with the code.
    Network(HostCertificate),
}

/// The embedded server's configuration: `token` is what every `hello` must carry (the join
/// code for [`Reach::Network`], else a [`new_local_token`]).
pub fn hosted_config(port: u16, reach: Reach, token: &str, secret: ServerSecret) -> Config {
    let (host, tls) = match reach {
        Reach::Network(cert) => (IpAddr::V4(Ipv4Addr::UNSPECIFIED), Some(cert.tls)),
        Reach::Loopback => (IpAddr::V4(Ipv4Addr::LOCALHOST), None),
    };
    Config {
        host,
        port,
        lan_proof: tls.is_some(),
        tls,
        token: Some(token.to_owned()),
        proof_secret: Some(secret),
        ..Config::default()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
