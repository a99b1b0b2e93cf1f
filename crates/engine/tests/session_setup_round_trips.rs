//! Setup takes no round trip it does not need. Two real sessions over 127.0.0.1 through a
//! relay that only watches: the caller (ICE's controlling agent) nominates with its very
//! first check (aggressive nomination, `patches/rtc-ice-0.21.1-aggressive-nomination.patch`),
//! and the DTLS server answers the ClientHello with its ServerHello, never with a
//! HelloVerifyRequest (`patches/rtc-dtls-0.21.1-no-hello-verify.patch`). How long setup
//! takes is a benchmark (`BENCHMARKS.md`, "Setup at 100 ms RTT").

mod common;

use std::sync::{Arc, Mutex};

use common::relay::{Relay, Way};
use common::sessions::{connect_through, connected};

const STUN_BINDING_REQUEST: u16 = 0x0001;
const STUN_MAGIC: [u8; 4] = [0x21, 0x12, 0xA4, 0x42];
const USE_CANDIDATE: u16 = 0x0025;
const DTLS_HANDSHAKE: u8 = 22;
const HELLO_VERIFY_REQUEST: u8 = 3;

/// What the relay saw, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// A STUN binding request; whether it nominated (USE-CANDIDATE).
    Check { nominates: bool },
    /// A DTLS handshake record of epoch 0 and its first message's type.
    Handshake(u8),
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Whether a STUN message carries the attribute `kind`.
fn has_attribute(msg: &[u8], kind: u16) -> bool {
    let mut at = 20;
    while let (Some(t), Some(len)) = (be16(msg, at), be16(msg, at + 2)) {
        if t == kind {
            return true;
        }
        at += 4 + usize::from(len).div_ceil(4) * 4;
    }
    false
}

fn classify(datagram: &[u8]) -> Option<Seen> {
    if datagram.get(4..8) == Some(&STUN_MAGIC) && be16(datagram, 0) == Some(STUN_BINDING_REQUEST) {
        return Some(Seen::Check {
            nominates: has_attribute(datagram, USE_CANDIDATE),
        });
    }
    let epoch0 = datagram.get(3..5) == Some(&[0, 0]);
    (datagram.first() == Some(&DTLS_HANDSHAKE) && epoch0)
        .then(|| datagram.get(13).map(|&t| Seen::Handshake(t)))
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_nominates_at_once_and_dtls_skips_the_cookie_round_trip() {
    let seen: Arc<Mutex<Vec<(Way, Seen)>>> = Arc::default();
    let log = seen.clone();
    let relay = Relay::start(Box::new(move |way, data| {
        if let (Some(s), Ok(mut log)) = (classify(data), log.lock()) {
            log.push((way, s));
        }
        true
    }))
    .await;

    let (ea, eb) = connect_through(&relay).await;
    assert!(connected(&ea) && connected(&eb), "{ea:?}\n{eb:?}");

    let seen = seen.lock().expect("relay log").clone();
    // The caller is A: ICE's controlling agent.
    let first_check = seen.iter().find_map(|(way, s)| match s {
        Seen::Check { nominates } if *way == Way::AToB => Some(*nominates),
        _ => None,
    });
    assert_eq!(
        first_check,
        Some(true),
        "the caller's first check did not nominate: {seen:?}"
    );
    let handshakes: Vec<u8> = seen
        .iter()
        .filter_map(|(_, s)| match s {
            Seen::Handshake(t) => Some(*t),
            _ => None,
        })
        .collect();
    assert!(!handshakes.is_empty(), "no DTLS handshake seen: {seen:?}");
    assert!(
        !handshakes.contains(&HELLO_VERIFY_REQUEST),
        "the DTLS server sent a HelloVerifyRequest: {handshakes:?}"
    );
}
