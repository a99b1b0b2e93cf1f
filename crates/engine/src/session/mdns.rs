//! mDNS in ICE is optional: it only resolves a peer's `.local` host candidates. `webrtc`
//! opens its multicast socket (bind 5353, join 224.0.0.251 on the default interface)
//! whenever mDNS is on, and a machine whose interfaces cannot do multicast (a namespace
//! with only `lo`, no route to 224.0.0.0/4) made every call fail with `I/O error: No such
//! device`. So the socket is tried first, and mDNS is switched off when it cannot open:
//! the call goes on without `.local` resolution.

use std::net::{IpAddr, Ipv4Addr};

use rtc::ice::mdns::MulticastDnsMode;
use rtc::mdns::MulticastSocket;

/// The mode for a probe's outcome: resolve `.local` names when the socket opened.
fn mode_for(probe: std::io::Result<()>) -> MulticastDnsMode {
    match probe {
        Ok(()) => MulticastDnsMode::QueryOnly,
        Err(e) => {
            tracing::warn!("mDNS off for this call (no multicast here: {e}); .local candidates will not resolve");
            MulticastDnsMode::Disabled
        }
    }
}

/// Opens (and closes) the multicast socket `webrtc` would, and picks the mode.
pub fn multicast_dns_mode() -> MulticastDnsMode {
    mode_for(MulticastSocket::new().into_std().map(drop))
}

/// The mode and the address a `.local` name stands for, when our host candidates are to
/// carry one (`SessionConfig::mdns_host_candidates`): `webrtc` hides one IPv4 address,
/// the one bound (`bind`, loopback aside: the app also binds 127.0.0.1) or else the one
/// the default route leaves from.
pub fn gather_mode(hide: bool, bind: &[String]) -> (MulticastDnsMode, Option<IpAddr>) {
    let mode = multicast_dns_mode();
    if !hide || mode == MulticastDnsMode::Disabled {
        return (mode, None);
    }
    let bound = bind
        .iter()
        .filter_map(|b| b.parse::<std::net::SocketAddr>().ok())
        .map(|a| a.ip())
        .find(|ip| ip.is_ipv4() && !ip.is_unspecified() && !ip.is_loopback());
    let ip = bound
        .or_else(default_route_ipv4)
        .or_else(first_interface_ipv4);
    (MulticastDnsMode::QueryAndGather, ip)
}

/// This machine's IPv4 address towards the default route (a UDP "connect" sends nothing).
fn default_route_ipv4() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

/// The first IPv4 address of an interface that is not loopback (a LAN without a gateway).
fn first_interface_ipv4() -> Option<IpAddr> {
    let list = rtc::shared::ifaces::ifaces().ok()?;
    list.into_iter()
        .filter_map(|i| i.addr.map(|a| a.ip()))
        .find(|ip| ip.is_ipv4() && !ip.is_loopback() && !ip.is_unspecified())
}

/// A local candidate line as it may leave when our addresses are hidden: a host candidate
/// with a raw address is dropped (`None`), a `.local` one kept, and a derived candidate's
/// `raddr`/`rport` blanked to `0.0.0.0 0` (as browsers do).
#[must_use]
pub fn hide_addresses(line: &str) -> Option<String> {
    let (address, typ) = super::candidates::address_and_type(line)?;
    if typ == "host" {
        return address.ends_with(".local").then(|| line.to_owned());
    }
    let mut fields: Vec<&str> = line.split(' ').collect();
    for key in ["raddr", "rport"] {
        if let Some(i) = fields.iter().position(|f| *f == key) {
            if let Some(value) = fields.get_mut(i + 1) {
                *value = if key == "raddr" { "0.0.0.0" } else { "0" };
            }
        }
    }
    Some(fields.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_that_cannot_open_turns_mdns_off() {
        assert_eq!(mode_for(Ok(())), MulticastDnsMode::QueryOnly);
        let no_device = std::io::Error::from_raw_os_error(19);
        assert_eq!(mode_for(Err(no_device)), MulticastDnsMode::Disabled);
    }

    #[test]
    fn hidden_addresses_leave_only_names_and_blanked_related_addresses() {
        let table = [
            (
                "candidate:1 1 udp 2130706431 10.0.1.10 50000 typ host",
                None,
            ),
            (
                "candidate:1 1 udp 2130706431 fd00::5 50000 typ host generation 0",
                None,
            ),
            (
                "candidate:1 1 udp 2130706431 6f1c0b5e-6d0e-4bb5-9f4e-1f0e8e7a3c11.local 50000 typ host",
                Some("candidate:1 1 udp 2130706431 6f1c0b5e-6d0e-4bb5-9f4e-1f0e8e7a3c11.local 50000 typ host"),
            ),
            (
                "candidate:2 1 udp 1694498815 203.0.113.101 50000 typ srflx raddr 10.0.1.10 rport 50000",
                Some("candidate:2 1 udp 1694498815 203.0.113.101 50000 typ srflx raddr 0.0.0.0 rport 0"),
            ),
            (
                "candidate:3 1 udp 16777215 203.0.113.10 49160 typ relay raddr 203.0.113.101 rport 50000 generation 0",
                Some("candidate:3 1 udp 16777215 203.0.113.10 49160 typ relay raddr 0.0.0.0 rport 0 generation 0"),
            ),
            ("not a candidate", None),
        ];
        for (line, out) in table {
            assert_eq!(hide_addresses(line).as_deref(), out, "{line}");
        }
    }
}
