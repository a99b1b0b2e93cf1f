//! Notices this machine's network changing (an address comes or goes, the default route
//! moves: Wi-Fi to Ethernet, a new DHCP lease) so a call in progress can restart ICE at
//! once instead of waiting for its path to go silent.
//!
//! A sampler reads the interfaces' addresses and the default routes every
//! [`POLL_INTERVAL`]; [`Debounce`] (pure, table-tested) says when a change has settled:
//! `ip` and NetworkManager change things a step at a time (add the new address, drop the
//! old one, move the route), and one restart on the final picture is what is wanted.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::mpsc;

/// How often the network is sampled.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// What the call's paths depend on: usable local addresses and default routes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    addrs: BTreeSet<IpAddr>,
    default_routes: BTreeSet<String>,
}

impl Fingerprint {
    /// From the interfaces' addresses (loopback and link-local are left out: no peer
    /// reaches them) and `/proc/net/route`'s text.
    #[must_use]
    pub fn new(addrs: impl IntoIterator<Item = IpAddr>, proc_route: &str) -> Self {
        Self {
            addrs: addrs.into_iter().filter(counts).collect(),
            default_routes: default_routes(proc_route),
        }
    }
}

impl Fingerprint {
    /// The usable local addresses.
    pub fn addrs(&self) -> &BTreeSet<IpAddr> {
        &self.addrs
    }

    /// `interface gateway` of each default route.
    pub fn default_routes(&self) -> &BTreeSet<String> {
        &self.default_routes
    }
}

/// A settled change: the network as it was, and as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetChange {
    pub before: Fingerprint,
    pub after: Fingerprint,
}

/// Whether the watcher keeps `ip` in its picture: not loopback, unspecified or
/// link-local (no peer beyond the link reaches those, and they come and go with links).
pub fn counts(ip: &IpAddr) -> bool {
    !ip.is_loopback() && !ip.is_unspecified() && !is_link_local(ip)
}

fn is_link_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// `interface gateway` of each default route (mask 0) in `/proc/net/route`.
fn default_routes(text: &str) -> BTreeSet<String> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (iface, dest, gateway, mask) = (f.first()?, f.get(1)?, f.get(2)?, f.get(7)?);
            (*dest == "00000000" && *mask == "00000000").then(|| format!("{iface} {gateway}"))
        })
        .collect()
}

/// Says when the network has changed and settled: a new fingerprint counts once it is
/// seen twice in a row and differs from the one last reported (or the first).
#[derive(Debug, Default)]
pub struct Debounce {
    settled: Option<Fingerprint>,
    last: Option<Fingerprint>,
}

impl Debounce {
    /// Takes one sample; the change when it reports a settled one.
    pub fn sample(&mut self, now: Fingerprint) -> Option<NetChange> {
        let stable = self.last.as_ref() == Some(&now);
        self.last = Some(now.clone());
        match &self.settled {
            None => {
                self.settled = Some(now);
                None
            }
            Some(settled) if stable && *settled != now => {
                let before = self.settled.replace(now.clone())?;
                Some(NetChange { before, after: now })
            }
            Some(_) => None,
        }
    }
}

/// The fingerprint of this machine's network now.
fn sample() -> Fingerprint {
    let addrs = rtc::shared::ifaces::ifaces()
        .map(|list| {
            list.into_iter()
                .filter_map(|i| i.addr.map(|a| a.ip()))
                .collect()
        })
        .unwrap_or_else(|e| {
            tracing::debug!("cannot list the interfaces: {e}");
            Vec::new()
        });
    let routes = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    Fingerprint::new(addrs, &routes)
}

/// Samples the network until `changes` is closed, sending each settled change.
pub fn spawn(changes: mpsc::UnboundedSender<NetChange>) {
    tokio::spawn(async move {
        let mut debounce = Debounce::default();
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = tokio::task::spawn_blocking(sample)
                .await
                .unwrap_or_default();
            if let Some(change) = debounce.sample(now) {
                tracing::info!("the local network changed");
                if changes.send(change).is_err() {
                    return;
                }
            } else if changes.is_closed() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES_A: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0001000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";
    const ROUTES_MOVED: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0103000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0003000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";

    fn fp(addrs: &[&str], routes: &str) -> Fingerprint {
        Fingerprint::new(addrs.iter().filter_map(|a| a.parse().ok()), routes)
    }

    #[test]
    fn loopback_and_link_local_addresses_do_not_count() {
        assert_eq!(
            fp(
                &["10.0.1.10", "127.0.0.1", "::1", "fe80::1", "169.254.3.4"],
                ""
            ),
            fp(&["10.0.1.10"], "")
        );
    }

    #[test]
    fn only_default_routes_count() {
        assert_eq!(
            default_routes(ROUTES_A),
            BTreeSet::from(["eth0 0101000A".to_owned()])
        );
    }

    #[test]
    fn a_change_is_reported_once_it_has_settled() {
        let a = fp(&["10.0.1.10"], ROUTES_A);
        let both = fp(&["10.0.1.10", "10.0.3.10"], ROUTES_A);
        let moved = fp(&["10.0.3.10"], ROUTES_MOVED);
        let wifi_gone = fp(&["10.0.1.10"], ROUTES_MOVED);
        // (sample, reported?)
        let table = [
            (&a, false),         // first sample: the starting point
            (&a, false),         // unchanged
            (&both, false),      // a step of the change
            (&moved, false),     // the next step
            (&moved, true),      // settled: reported once
            (&moved, false),     // and not again
            (&wifi_gone, false), // only the route moved back ...
            (&wifi_gone, true),  // ... counts too
            (&a, false),         // back where it started: a change as well
            (&a, true),
        ];
        let mut d = Debounce::default();
        for (i, (sample, reported)) in table.into_iter().enumerate() {
            assert_eq!(d.sample(sample.clone()).is_some(), reported, "row {i}");
        }
    }

    #[test]
    fn a_flap_that_comes_back_is_not_a_change() {
        let a = fp(&["10.0.1.10"], ROUTES_A);
        let gone = fp(&[], "");
        let mut d = Debounce::default();
        assert!(d.sample(a.clone()).is_none());
        assert!(d.sample(gone).is_none());
        assert!(d.sample(a.clone()).is_none());
        assert!(d.sample(a).is_none());
    }

    #[test]
    fn a_settled_change_carries_the_network_before_and_after() {
        let a = fp(&["10.0.1.10"], ROUTES_A);
        let moved = fp(&["10.0.3.10"], ROUTES_MOVED);
        let mut d = Debounce::default();
        assert!(d.sample(a.clone()).is_none());
        assert!(d.sample(moved.clone()).is_none());
        let change = d.sample(moved.clone()).expect("settled");
        assert_eq!((change.before, change.after), (a, moved));
    }
}
