//! Which flow a packet belongs to, for the per-flow `rate` and `limit` queues: its source
//! (protocol, address, port), read from the first bytes of its IP header. Pure byte-slice
//! code over what the kernel copies to us (the first `COPY_RANGE` bytes of each packet).
//!
//! On loopback both directions of a call cross the same emulated link; keying the queue by
//! the sender's socket gives each direction its own, as a netem qdisc on each side's uplink
//! would. A packet whose source cannot be read (not UDP or TCP, a later fragment, a header
//! cut short, garbage) goes to [`FlowKey::Other`], one shared queue.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
// IPv6 extension headers we step over to reach the transport header.
const IPV6_HOP_BY_HOP: u8 = 0;
const IPV6_ROUTING: u8 = 43;
const IPV6_FRAGMENT: u8 = 44;
const IPV6_AUTH: u8 = 51;
const IPV6_DEST_OPTS: u8 = 60;
/// Extension headers followed at most (more is not something our tests send).
const IPV6_MAX_EXTENSIONS: usize = 8;

/// The queue a packet is serialised in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FlowKey {
    /// Source unknown: every such packet shares this queue (and so does every packet in
    /// shared-rate mode).
    #[default]
    Other,
    /// A UDP or TCP sender.
    Source {
        /// `IPPROTO_UDP` (17) or `IPPROTO_TCP` (6).
        protocol: u8,
        addr: IpAddr,
        port: u16,
    },
}

impl FlowKey {
    /// The flow of an IP packet (IPv4 or IPv6, from its first byte), given its first bytes.
    #[must_use]
    pub fn of_packet(ip: &[u8]) -> FlowKey {
        match ip.first().map(|b| b >> 4) {
            Some(4) => ipv4(ip),
            Some(6) => ipv6(ip),
            _ => None,
        }
        .unwrap_or(FlowKey::Other)
    }
}

impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowKey::Other => f.write_str("other"),
            FlowKey::Source {
                protocol,
                addr,
                port,
            } => {
                let proto = match *protocol {
                    IPPROTO_UDP => "udp",
                    IPPROTO_TCP => "tcp",
                    _ => "ip",
                };
                match addr {
                    IpAddr::V4(a) => write!(f, "{proto} {a}:{port}"),
                    IpAddr::V6(a) => write!(f, "{proto} [{a}]:{port}"),
                }
            }
        }
    }
}

fn source(protocol: u8, addr: IpAddr, transport: &[u8]) -> Option<FlowKey> {
    if protocol != IPPROTO_UDP && protocol != IPPROTO_TCP {
        return None;
    }
    let port = u16::from_be_bytes(transport.get(..2)?.try_into().ok()?);
    Some(FlowKey::Source {
        protocol,
        addr,
        port,
    })
}

fn ipv4(ip: &[u8]) -> Option<FlowKey> {
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if ihl < 20 {
        return None;
    }
    // A later fragment carries no transport header.
    let frag_offset = u16::from_be_bytes(ip.get(6..8)?.try_into().ok()?) & 0x1fff;
    if frag_offset != 0 {
        return None;
    }
    let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
    source(*ip.get(9)?, Ipv4Addr::from(src).into(), ip.get(ihl..)?)
}

fn ipv6(ip: &[u8]) -> Option<FlowKey> {
    let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
    let mut next = *ip.get(6)?;
    let mut off = 40;
    for _ in 0..IPV6_MAX_EXTENSIONS {
        let ext = ip.get(off..)?;
        let len = match next {
            IPV6_HOP_BY_HOP | IPV6_ROUTING | IPV6_DEST_OPTS => (usize::from(*ext.get(1)?) + 1) * 8,
            IPV6_AUTH => (usize::from(*ext.get(1)?) + 2) * 4,
            IPV6_FRAGMENT => {
                let frag_offset = u16::from_be_bytes(ext.get(2..4)?.try_into().ok()?) >> 3;
                if frag_offset != 0 {
                    return None;
                }
                8
            }
            _ => return source(next, Ipv6Addr::from(src).into(), ext),
        };
        next = *ext.first()?;
        off += len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 header (no options) with `protocol`, source 127.0.0.1, then `transport`.
    fn ipv4_packet(protocol: u8, frag: u16, transport: &[u8]) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 0, 0, 0];
        p.extend_from_slice(&frag.to_be_bytes());
        p.extend_from_slice(&[64, protocol, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        p.extend_from_slice(transport);
        p
    }

    /// An IPv6 header with next header `next`, source ::1, then `rest`.
    fn ipv6_packet(next: u8, rest: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, 0, next, 64];
        p.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        p.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        p.extend_from_slice(rest);
        p
    }

    /// UDP header from port 5004 to 6000, and some payload.
    const UDP: [u8; 12] = [0x13, 0x8c, 0x17, 0x70, 0, 12, 0, 0, 1, 2, 3, 4];
    /// The start of a TCP header from port 443 to 50000.
    const TCP: [u8; 8] = [0x01, 0xbb, 0xc3, 0x50, 0, 0, 0, 1];

    fn key(protocol: u8, addr: IpAddr, port: u16) -> FlowKey {
        FlowKey::Source {
            protocol,
            addr,
            port,
        }
    }

    #[test]
    fn source_of_udp_and_tcp_over_ipv4_and_ipv6() {
        let v4: IpAddr = Ipv4Addr::LOCALHOST.into();
        let v6: IpAddr = Ipv6Addr::LOCALHOST.into();
        let mut with_options = ipv4_packet(IPPROTO_UDP, 0, &[]);
        with_options[0] = 0x46; // IHL 6: four bytes of options
        with_options.extend_from_slice(&[1, 1, 1, 1]);
        with_options.extend_from_slice(&UDP);
        // Hop-by-hop (8 bytes), then a first fragment (offset 0), then UDP.
        let mut ext = vec![IPV6_FRAGMENT, 0, 5, 2, 1, 0, 0, 0];
        ext.extend_from_slice(&[IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 9]);
        ext.extend_from_slice(&UDP);
        let cases: [(&str, Vec<u8>, FlowKey); 6] = [
            (
                "IPv4 UDP",
                ipv4_packet(IPPROTO_UDP, 0, &UDP),
                key(17, v4, 5004),
            ),
            (
                "IPv4 TCP",
                ipv4_packet(IPPROTO_TCP, 0, &TCP),
                key(6, v4, 443),
            ),
            ("IPv4 with options", with_options, key(17, v4, 5004)),
            (
                "IPv4 first fragment (more fragments set)",
                ipv4_packet(IPPROTO_UDP, 0x2000, &UDP),
                key(17, v4, 5004),
            ),
            (
                "IPv6 UDP",
                ipv6_packet(IPPROTO_UDP, &UDP),
                key(17, v6, 5004),
            ),
            (
                "IPv6 hop-by-hop, fragment, UDP",
                ipv6_packet(IPV6_HOP_BY_HOP, &ext),
                key(17, v6, 5004),
            ),
        ];
        for (what, packet, want) in cases {
            assert_eq!(FlowKey::of_packet(&packet), want, "{what}");
        }
        assert_eq!(
            FlowKey::of_packet(&ipv6_packet(IPPROTO_TCP, &TCP)),
            key(6, v6, 443)
        );
        assert_eq!(key(17, v4, 5004).to_string(), "udp 127.0.0.1:5004");
        assert_eq!(key(6, v6, 443).to_string(), "tcp [::1]:443");
        assert_eq!(FlowKey::Other.to_string(), "other");
    }

    #[test]
    fn unreadable_sources_share_the_default_key() {
        let icmp = ipv4_packet(1, 0, &[8, 0, 0, 0, 0, 1, 0, 1]);
        let later_fragment = ipv4_packet(IPPROTO_UDP, 185, &UDP);
        let mut bad_ihl = ipv4_packet(IPPROTO_UDP, 0, &UDP);
        bad_ihl[0] = 0x44;
        let mut ihl_past_end = ipv4_packet(IPPROTO_UDP, 0, &[]);
        ihl_past_end[0] = 0x4f;
        let v6_later_fragment = ipv6_packet(
            IPV6_FRAGMENT,
            &[IPPROTO_UDP, 0, 0x05, 0xc8, 0, 0, 0, 9, 0x13, 0x8c],
        );
        let icmpv6 = ipv6_packet(58, &[128, 0, 0, 0]);
        let cases: [(&str, &[u8]); 12] = [
            ("empty", &[]),
            ("one byte", &[0x45]),
            ("garbage", &[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]),
            ("ICMP", &icmp),
            ("later IPv4 fragment", &later_fragment),
            ("IHL below 5", &bad_ihl),
            ("IHL past the copied bytes", &ihl_past_end),
            (
                "IPv4 cut in the source",
                &ipv4_packet(IPPROTO_UDP, 0, &UDP)[..14],
            ),
            (
                "IPv4 cut before the port",
                &ipv4_packet(IPPROTO_UDP, 0, &UDP)[..21],
            ),
            (
                "IPv6 cut in the header",
                &ipv6_packet(IPPROTO_UDP, &UDP)[..30],
            ),
            ("later IPv6 fragment", &v6_later_fragment),
            ("ICMPv6", &icmpv6),
        ];
        for (what, packet) in cases {
            assert_eq!(FlowKey::of_packet(packet), FlowKey::Other, "{what}");
        }
        // An endless chain of extension headers ends, unread.
        let mut chain = Vec::new();
        for _ in 0..20 {
            chain.extend_from_slice(&[IPV6_DEST_OPTS, 0, 0, 0, 0, 0, 0, 0]);
        }
        assert_eq!(
            FlowKey::of_packet(&ipv6_packet(IPV6_DEST_OPTS, &chain)),
            FlowKey::Other
        );
    }
}
