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
//! "Private": RFC 1918, 100.64/10 and IPv6 unique local (fc00::/7). Peers on one LAN keep
//! their host pair (their subnet has an on-link route), loopback, link-local and public
//! addresses are always kept, and so is everything when the routes cannot be read (not
//! Linux). A LAN routed only through the default gateway loses the direct
//! host pair and connects by srflx or relay instead.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A route other than the default one: a destination network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Network address.
    pub dest: IpAddr,
    /// Prefix length (never 0: that is the default route).
    pub prefix: u8,
}

impl Route {
    fn contains(&self, ip: IpAddr) -> bool {
        let same = |a: u128, b: u128, bits: u32| {
            let shift = bits.saturating_sub(u32::from(self.prefix));
            a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
        };
        match (self.dest, ip) {
            (IpAddr::V4(d), IpAddr::V4(i)) => {
                same(u128::from(u32::from(d)), u128::from(u32::from(i)), 32)
            }
            (IpAddr::V6(d), IpAddr::V6(i)) => same(u128::from(d), u128::from(i), 128),
            _ => false,
        }
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
                dest: IpAddr::V4(Ipv4Addr::from(u32::from_be(dest))),
                prefix: u32::from_be(mask).count_ones() as u8,
            })
        })
        .collect()
}

/// The routes of `/proc/net/ipv6_route` that are up and not the default (prefix 0).
#[must_use]
pub fn parse_proc_ipv6_routes(text: &str) -> Vec<Route> {
    const RTF_UP: u32 = 0x1;
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let dest = u128::from_str_radix(f.first()?, 16).ok()?;
            let prefix = u8::from_str_radix(f.get(1)?, 16).ok()?;
            let flags = u32::from_str_radix(f.get(8)?, 16).ok()?;
            (flags & RTF_UP != 0 && prefix != 0).then(|| Route {
                dest: IpAddr::V6(Ipv6Addr::from(dest)),
                prefix,
            })
        })
        .collect()
}

/// RFC 1918 and shared (carrier-grade NAT, RFC 6598) addresses, and IPv6 unique local
/// addresses (fc00::/7).
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => v6.segments()[0] & 0xfe00 == 0xfc00,
    }
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
        Ok(ip) if is_private(ip) => routes.iter().any(|r| r.contains(ip)),
        _ => true,
    }
}

/// This machine's routes, read now (they change when interfaces do).
#[must_use]
pub fn current_routes() -> Option<Vec<Route>> {
    let mut routes = parse_proc_routes(&std::fs::read_to_string("/proc/net/route").ok()?);
    // A machine without IPv6 has no such file: no IPv6 routes.
    if let Ok(text) = std::fs::read_to_string("/proc/net/ipv6_route") {
        routes.extend(parse_proc_ipv6_routes(&text));
    }
    Some(routes)
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

    /// fd00::/64 on eth0, fe80::/64, and a default route via fd00::1.
    const V6: &str = "\
fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0
";

    #[test]
    fn the_default_route_is_not_a_route_to_a_private_network() {
        let routes = parse_proc_routes(LAB_A);
        assert_eq!(
            routes,
            [Route {
                dest: IpAddr::V4(Ipv4Addr::new(10, 0, 1, 0)),
                prefix: 24
            }]
        );
        let v6 = parse_proc_ipv6_routes(V6);
        assert_eq!(v6.len(), 2, "{v6:?}");
        assert_eq!(v6[0].prefix, 64);
    }

    #[test]
    fn unique_local_ipv6_follows_the_same_rule() {
        let routes = parse_proc_ipv6_routes(V6);
        let r = Some(routes.as_slice());
        assert!(keep_remote_candidate(&cand("fd00::20", "host"), r));
        assert!(!keep_remote_candidate(&cand("fd12:3456::20", "host"), r));
        assert!(keep_remote_candidate(&cand("2001:db8::20", "host"), r));
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
            // Public (v4 and v6), loopback, mDNS names, and every non-host type.
            (cand("203.0.113.102", "host"), true),
            (cand("127.0.0.1", "host"), true),
            (cand("2001:db8::1", "host"), true),
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
