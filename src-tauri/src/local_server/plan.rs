//! What the embedded server is when this app hosts it: loopback only, unless the user
//! turned on "Host calls for my local network" — then every interface with the join code
//! as the server's token. Both prove themselves to the other apps on this machine with
//! the secret of the local record (see `runtime`), and refuse web pages (the server's
//! Origin check).

use std::net::{IpAddr, Ipv4Addr};

use peercall_signal::proof::ServerSecret;
use peercall_signal::server::Config;

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

/// The embedded server's configuration. `lan_code`: `Some(join code)` when the user
/// hosts for the local network, `None` for this machine only (the default).
pub fn hosted_config(port: u16, lan_code: Option<&str>, secret: ServerSecret) -> Config {
    let host = match lan_code {
        Some(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    Config {
        host,
        port,
        token: lan_code.map(str::to_owned),
        proof_secret: Some(secret),
        ..Config::default()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
