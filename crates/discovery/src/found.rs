//! The pure core of browsing: what mDNS said about `_peercall._tcp` instances, folded into
//! the list of hosts the lobby shows, each with where it was found (the address and the
//! interface the answer came in on). No sockets here: the browser feeds it [`Sighting`]s
//! and removals, table-tested below.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

/// One address of a host and the interfaces of ours it was seen on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenAddr {
    pub ip: IpAddr,
    /// Our interfaces the answer carrying this address came in on (`eth0`, `wlan0`).
    pub interfaces: Vec<String>,
}

/// A resolved announcement, as the browser hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The DNS-SD instance's full name: the key (`Alice._peercall._tcp.local.`).
    pub fullname: String,
    /// The host name it points at (`alice-laptop.local.`).
    pub host: String,
    pub port: u16,
    pub addrs: Vec<SeenAddr>,
    /// The TXT record's `scheme` (`ws` or `wss`), if it has one.
    pub scheme: Option<String>,
}

/// A Peercall app hosting calls for the local network, as the lobby offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundHost {
    /// The DNS-SD instance's full name (unique on the network).
    pub fullname: String,
    /// What the host calls itself (the instance label, unescaped by mDNS).
    pub name: String,
    /// The host name it announced (`alice-laptop.local.`).
    pub host: String,
    /// The server URL to put in Settings: the preferred address, the port, `/ws`.
    pub url: String,
    /// The preferred address and the interface it was found on: "10.0.0.5 on wlan0".
    pub found_on: String,
    /// Every address announced, with where each was seen.
    pub addrs: Vec<SeenAddr>,
}

/// The hosts found so far, by full name.
#[derive(Debug, Default)]
pub struct HostList {
    hosts: BTreeMap<String, FoundHost>,
}

impl HostList {
    /// A host was resolved (or resolved again with new addresses). Returns whether the list
    /// changed. A sighting without a usable address is ignored.
    pub fn resolved(&mut self, sighting: Sighting) -> bool {
        let Some(host) = found_host(sighting) else {
            return false;
        };
        let changed = self.hosts.get(&host.fullname) != Some(&host);
        self.hosts.insert(host.fullname.clone(), host);
        changed
    }

    /// A host said goodbye (or its record expired). Returns whether the list changed.
    pub fn removed(&mut self, fullname: &str) -> bool {
        self.hosts.remove(fullname).is_some()
    }

    /// The hosts, in the order of their full names, except `own` (this app's announcement).
    #[must_use]
    pub fn hosts(&self, own: Option<&str>) -> Vec<FoundHost> {
        self.hosts
            .values()
            .filter(|h| Some(h.fullname.as_str()) != own)
            .cloned()
            .collect()
    }
}

/// The lobby's view of a sighting: `None` when no address can be dialled.
fn found_host(sighting: Sighting) -> Option<FoundHost> {
    let mut addrs: Vec<SeenAddr> = sighting
        .addrs
        .into_iter()
        .filter(|a| !a.ip.is_unspecified() && !a.ip.is_multicast())
        .collect();
    addrs.sort_by_key(|a| (preference(a.ip), a.ip));
    let best = addrs.first()?;
    let scheme = match sighting.scheme.as_deref() {
        Some("wss") => "wss",
        _ => "ws",
    };
    let url = match best.ip {
        IpAddr::V4(v4) => format!("{scheme}://{v4}:{}/ws", sighting.port),
        IpAddr::V6(v6) => format!("{scheme}://[{v6}]:{}/ws", sighting.port),
    };
    let found_on = match best.interfaces.as_slice() {
        [] => best.ip.to_string(),
        names => format!("{} on {}", best.ip, names.join(", ")),
    };
    Some(FoundHost {
        name: instance_name(&sighting.fullname),
        fullname: sighting.fullname,
        host: sighting.host,
        url,
        found_on,
        addrs,
    })
}

/// Lower is better: IPv4 first (a URL to type and read), then global IPv6; link-local
/// IPv6 last (it needs a scope id a URL cannot carry portably) and loopback never first.
fn preference(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => 3,
        IpAddr::V4(v4) if v4.is_link_local() => 1,
        IpAddr::V4(_) => 0,
        IpAddr::V6(v6) if v6.is_loopback() => 4,
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => 3,
        IpAddr::V6(_) => 2,
    }
}

/// `Alice\032Smith._peercall._tcp.local.` → `Alice Smith`: the instance label before the
/// service type, with DNS-SD's `\DDD` and `\c` escapes undone.
fn instance_name(fullname: &str) -> String {
    let label = fullname
        .strip_suffix(crate::SERVICE_TYPE)
        .map_or(fullname, |l| l.strip_suffix('.').unwrap_or(l));
    let mut out = Vec::with_capacity(label.len());
    let bytes = label.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let digits = bytes.get(i + 1..i + 4);
        match (bytes[i], digits) {
            (b'\\', Some(d)) if d.iter().all(u8::is_ascii_digit) => {
                let n = d.iter().fold(0u16, |n, c| n * 10 + u16::from(c - b'0'));
                out.push(u8::try_from(n).unwrap_or(b'?'));
                i += 4;
            }
            (b'\\', _) if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[path = "found_tests.rs"]
mod tests;
