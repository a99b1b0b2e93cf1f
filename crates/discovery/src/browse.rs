//! Browsing for Peercall hosts: `mdns-sd`'s events for `_peercall._tcp` folded into a
//! [`HostList`] on a tokio task; the current list is published on a `watch` channel, so
//! the lobby (or the CLI) reads the latest whenever it likes. Dropping the [`Browser`]
//! stops the daemon.

use mdns_sd::{ResolvedService, ServiceDaemon, ServiceEvent};
use tokio::sync::watch;

use crate::found::{FoundHost, HostList, SeenAddr, Sighting};
use crate::{DiscoveryError, IP_CHECK_SECS, SERVICE_TYPE};

/// A running browse.
pub struct Browser {
    daemon: ServiceDaemon,
    hosts: watch::Receiver<Vec<FoundHost>>,
}

impl Browser {
    /// Starts browsing; `own`: this app's announcement, left out of the list. Needs a
    /// tokio runtime.
    ///
    /// # Errors
    /// The mDNS daemon cannot start.
    pub fn start(own: Option<String>) -> Result<Self, DiscoveryError> {
        let daemon = ServiceDaemon::new()?;
        // Notice an interface coming up (Wi-Fi joining) within a second, not mdns-sd's 5 s.
        daemon.set_ip_check_interval(IP_CHECK_SECS)?;
        let events = daemon.browse(SERVICE_TYPE)?;
        let (tx, hosts) = watch::channel(Vec::new());
        tokio::spawn(async move {
            let mut list = HostList::default();
            while let Ok(event) = events.recv_async().await {
                let changed = match event {
                    ServiceEvent::ServiceResolved(found) => list.resolved(sighting(&found)),
                    ServiceEvent::ServiceRemoved(_, fullname) => list.removed(&fullname),
                    _ => false,
                };
                if changed {
                    let now = list.hosts(own.as_deref());
                    tracing::info!(hosts = now.len(), "Peercall hosts on the local network");
                    if tx.send(now).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Self { daemon, hosts })
    }

    /// The hosts found so far, and changes as they come.
    #[must_use]
    pub fn hosts(&self) -> watch::Receiver<Vec<FoundHost>> {
        self.hosts.clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Err(err) = self.daemon.shutdown() {
            tracing::debug!(%err, "mDNS daemon already stopped");
        }
    }
}

fn sighting(found: &ResolvedService) -> Sighting {
    let addrs = found
        .get_addresses()
        .iter()
        .map(|scoped| SeenAddr {
            ip: scoped.to_ip_addr(),
            interfaces: match scoped {
                mdns_sd::ScopedIp::V4(v4) => {
                    v4.interface_ids().iter().map(|i| i.name.clone()).collect()
                }
                mdns_sd::ScopedIp::V6(v6) => vec![v6.scope_id().name.clone()],
                _ => Vec::new(),
            }
            .into_iter()
            .filter(|name| !name.is_empty())
            .collect(),
        })
        .collect();
    Sighting {
        fullname: found.get_fullname().to_owned(),
        host: found.get_hostname().to_owned(),
        port: found.get_port(),
        addrs,
        scheme: found.get_property_val_str("scheme").map(str::to_owned),
    }
}
