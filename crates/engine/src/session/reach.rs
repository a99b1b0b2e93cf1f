//! Which remote candidates are handed to ICE: a peer's *private* host address that no
//! route of ours reaches except the default one is dropped.
//!
//! Why: ICE pairs every local candidate with every remote one, so our TURN relay
//! candidate is paired with the peer's host address (say 10.0.2.10) and its checks ask
//! the TURN server to create a permission and send there. A public TURN server cannot
//! reach another site's private network; coturn closes the whole allocation when such a
//! send fails (its relay socket is marked to be closed on any `sendto` error; in the NAT
//! lab `udp send: Network is unreachable`), and `webrtc`'s TURN client never allocates
//! again (its refreshes get 438, its channel binds 400). A server configured with
//! `denied-peer-ip` for private ranges answers 403 instead and survives, but that is the
//! server's choice, not ours. Behind a symmetric NAT the relay is the
//! only path, so the call failed with "ICE failed" (issue 15). `webrtc` has no per-pair
//! filter, so the candidate is left out: a private address outside every network we
//! have a route to could only be reached through the relay, which is what breaks.
//!
//! Peers on one LAN keep their host pair (their subnet has an on-link route), loopback
//! and public addresses are always kept, and so is everything when the routes cannot
//! be read (not Linux). A LAN routed only through the default gateway loses the direct
//! host pair and connects by srflx or relay instead.

use std::net::{IpAddr, Ipv4Addr};

/// A route other than the default one: a destination network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Network address.
    pub dest: Ipv4Addr,
    /// Netmask.
    pub mask: Ipv4Addr,
}

impl Route {
    fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::from(self.mask);
        u32::from(ip) & mask == u32::from(self.dest) & mask
    }
}

/// The routes of `/proc/net/route` that are up and not the default (mask 0).
#[must_use]
pub fn parse_proc_routes(text: &str) -> Vec<Route> {
    const RTF_UP: u32 = 0x1;
    let hex = |s: &str| u32::from_str_radix(s, 16).ok();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (dest, flags, mask) = (hex(f.get(1)?)?, hex(f.get(3)?)?, hex(f.get(7)?)?);
            // The file holds addresses in host (little-endian) byte order.
            (flags & RTF_UP != 0 && mask != 0).then(|| Route {
                dest: Ipv4Addr::from(u32::from_be(dest)),
                mask: Ipv4Addr::from(u32::from_be(mask)),
            })
        })
        .collect()
}

/// RFC 1918 and shared (carrier-grade NAT, RFC 6598) addresses.
fn is_private(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private() || (a == 100 && (64..128).contains(&b))
}

/// Whether a remote candidate (an SDP `candidate:` line) should reach ICE, given our
/// non-default routes (`None`: unknown, keep everything).
#[must_use]
pub fn keep_remote_candidate(candidate: &str, routes: Option<&[Route]>) -> bool {
    let Some(routes) = routes else {
        return true;
    };
    let Some((address, "host")) = super::candidates::address_and_type(candidate) else {
        return true;
    };
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) if is_private(ip) => routes.iter().any(|r| r.contains(ip)),
        _ => true,
    }
}

/// This machine's routes, read now (they change when interfaces do).
#[must_use]
pub fn current_routes() -> Option<Vec<Route>> {
    std::fs::read_to_string("/proc/net/route")
        .ok()
        .map(|t| parse_proc_routes(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host at 10.0.1.10/24 with a default route via 10.0.1.1 (the NAT lab's side A).
    const LAB_A: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0001000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";

    fn cand(addr: &str, typ: &str) -> String {
        format!("candidate:1 1 udp 2130706431 {addr} 50000 typ {typ}")
    }

    #[test]
    fn the_default_route_is_not_a_route_to_a_private_network() {
        let routes = parse_proc_routes(LAB_A);
        assert_eq!(
            routes,
            [Route {
                dest: Ipv4Addr::new(10, 0, 1, 0),
                mask: Ipv4Addr::new(255, 255, 255, 0)
            }]
        );
    }

    #[test]
    fn candidates_kept_and_dropped() {
        let routes = parse_proc_routes(LAB_A);
        let r = Some(routes.as_slice());
        let table = [
            // Another site's private host address: only the relay could try it.
            (cand("10.0.2.10", "host"), false),
            (cand("192.168.1.20", "host"), false),
            (cand("172.20.0.5", "host"), false),
            (cand("100.70.1.2", "host"), false),
            // Our own LAN: a direct host pair.
            (cand("10.0.1.20", "host"), true),
            // Public, loopback, IPv6, mDNS names, and every non-host type.
            (cand("203.0.113.102", "host"), true),
            (cand("127.0.0.1", "host"), true),
            (cand("fd00::1", "host"), true),
            (cand("0f6b3c1e-6f0a.local", "host"), true),
            (cand("10.0.2.10", "srflx"), true),
            (cand("10.0.2.10", "relay"), true),
            ("garbage".to_owned(), true),
        ];
        for (line, keep) in table {
            assert_eq!(keep_remote_candidate(&line, r), keep, "{line}");
        }
        assert!(keep_remote_candidate(&cand("10.0.2.10", "host"), None));
    }
}
