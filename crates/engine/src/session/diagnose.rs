//! Why a call failed to connect, in words a user can act on: from what we know when it
//! fails — whether ICE found a path at all (then the encrypted handshake on it failed),
//! the ICE servers we had, whether relay-only was on, which kinds of local candidate we
//! gathered and which the peer sent.

use std::sync::atomic::{AtomicBool, Ordering};

/// Local candidate kinds gathered so far, and whether ICE ever connected (set by the
/// event handler).
#[derive(Debug, Default)]
pub struct LocalTally {
    srflx: AtomicBool,
    relay: AtomicBool,
    path: AtomicBool,
    connected: AtomicBool,
}

impl LocalTally {
    /// Notes that ICE found a working pair (the DTLS handshake on it may still fail).
    pub fn path_found(&self) {
        self.path.store(true, Ordering::Relaxed);
    }

    /// Notes that the call connected (ICE and DTLS): a later failure is a lost path,
    /// not a setup failure.
    pub fn connected(&self) {
        self.connected.store(true, Ordering::Relaxed);
    }

    /// Whether the call ever connected.
    pub fn ever_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// Notes one gathered local candidate line.
    pub fn gathered(&self, line: &str) {
        match super::candidates::address_and_type(line).map(|(_, t)| t) {
            Some("srflx") => self.srflx.store(true, Ordering::Relaxed),
            Some("relay") => self.relay.store(true, Ordering::Relaxed),
            _ => {}
        }
    }
}

/// What is known when ICE fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IceFacts {
    /// A `stun:` or `turn:` server was configured.
    pub stun_configured: bool,
    /// A `turn:` server was configured.
    pub turn_configured: bool,
    /// Relay-only privacy was on.
    pub relay_only: bool,
    /// We gathered a server-reflexive candidate (the STUN server answered).
    pub local_srflx: bool,
    /// We gathered a relay candidate (the TURN server granted an allocation).
    pub local_relay: bool,
    /// The peer sent a relay candidate.
    pub remote_relay: bool,
    /// ICE found a working pair: what failed was the DTLS handshake on it.
    pub path_found: bool,
}

impl IceFacts {
    /// The facts of a session: its servers and settings, what it gathered, what the
    /// peer sent.
    #[must_use]
    pub fn of(config: &super::SessionConfig, local: &LocalTally, remote_relays: u64) -> Self {
        let urls = || config.ice_servers.iter().flat_map(|s| s.urls.iter());
        Self {
            stun_configured: urls().next().is_some(),
            turn_configured: urls().any(|u| u.starts_with("turn:") || u.starts_with("turns:")),
            relay_only: config.relay_only,
            local_srflx: local.srflx.load(Ordering::Relaxed),
            local_relay: local.relay.load(Ordering::Relaxed),
            remote_relay: remote_relays > 0,
            path_found: local.path.load(Ordering::Relaxed),
        }
    }
}

/// The likeliest reason, most specific first.
#[must_use]
pub fn explain(f: &IceFacts) -> &'static str {
    if f.path_found {
        return "a network path was found, but the encrypted handshake (DTLS) over it did not \
                complete: heavy packet loss on the path, or the other app stopped answering";
    }
    if f.relay_only && !f.turn_configured {
        return "relay-only is on, but the server offers no TURN relay";
    }
    let server_silent = !f.local_relay && (f.relay_only || !f.local_srflx);
    if f.stun_configured && server_silent {
        return "the STUN/TURN server did not answer: UDP to it seems blocked on this network";
    }
    if f.turn_configured && !f.local_relay {
        return "the TURN server gave no relay (credentials refused?)";
    }
    if !f.turn_configured && !f.remote_relay {
        return "no direct path between the two networks (a symmetric NAT or a firewall on \
                one side) and no TURN relay is configured";
    }
    "no path worked, not even through the TURN relay: UDP may be blocked between the relay \
     and one side"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_situation_gets_its_reason() {
        let direct_only = IceFacts {
            stun_configured: true,
            local_srflx: true,
            ..IceFacts::default()
        };
        let with_turn = IceFacts {
            turn_configured: true,
            local_relay: true,
            ..direct_only
        };
        let table = [
            (
                IceFacts {
                    relay_only: true,
                    ..direct_only
                },
                "relay-only is on",
            ),
            (
                IceFacts {
                    local_srflx: false,
                    ..direct_only
                },
                "did not answer",
            ),
            (
                IceFacts {
                    local_relay: false,
                    ..with_turn
                },
                "gave no relay",
            ),
            (direct_only, "no TURN relay is configured"),
            (
                IceFacts {
                    remote_relay: true,
                    ..with_turn
                },
                "not even through the TURN relay",
            ),
            (IceFacts::default(), "no TURN relay is configured"),
            (
                IceFacts {
                    path_found: true,
                    ..with_turn
                },
                "encrypted handshake (DTLS)",
            ),
        ];
        for (facts, words) in table {
            assert!(
                explain(&facts).contains(words),
                "{facts:?}: {}",
                explain(&facts)
            );
        }
    }

    #[test]
    fn the_tally_reads_candidate_lines() {
        let t = LocalTally::default();
        t.gathered("candidate:1 1 udp 1 10.0.1.10 5000 typ host");
        t.gathered("candidate:2 1 udp 1 203.0.113.10 49152 typ relay raddr 10.0.1.10 rport 5000");
        let f = IceFacts::of(&crate::session::SessionConfig::default(), &t, 0);
        assert!(f.local_relay && !f.local_srflx && !f.stun_configured);
    }
}
