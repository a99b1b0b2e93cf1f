//! Announcing this app's server on the local network while it hosts for it: a
//! `_peercall._tcp` instance named after the user, on every interface's addresses (kept up
//! to date by `mdns-sd` as they change). Dropping the [`Announcer`] says goodbye (the
//! others drop the host at once) and stops the daemon.

use mdns_sd::{ServiceDaemon, ServiceInfo};

use crate::{DiscoveryError, IP_CHECK_SECS, SERVICE_TYPE};

/// What to announce.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// What the lobby of the others shows (the user's display name).
    pub name: String,
    /// The signaling server's port.
    pub port: u16,
    /// Whether the server speaks TLS (`wss://`).
    pub tls: bool,
}

/// An announcement on the air; dropping it withdraws it.
pub struct Announcer {
    daemon: ServiceDaemon,
    fullname: String,
}

impl Announcer {
    /// Starts announcing `what` on every interface.
    ///
    /// # Errors
    /// The mDNS daemon cannot start or refuses the name.
    pub fn start(what: &Announcement) -> Result<Self, DiscoveryError> {
        let daemon = ServiceDaemon::new()?;
        // Notice an interface coming up (Wi-Fi joining) within a second, not mdns-sd's 5 s.
        daemon.set_ip_check_interval(IP_CHECK_SECS)?;
        let scheme = if what.tls { "wss" } else { "ws" };
        let properties = [("v", "1"), ("scheme", scheme), ("path", "/ws")];
        let info = ServiceInfo::new(
            SERVICE_TYPE,
            &instance_label(&what.name),
            &host_name(),
            "",
            what.port,
            &properties[..],
        )?
        .enable_addr_auto();
        let fullname = info.get_fullname().to_owned();
        daemon.register(info)?;
        tracing::info!(%fullname, port = what.port, "announcing this server on the local network");
        Ok(Self { daemon, fullname })
    }

    /// The instance's full name, so this app's own browser can leave it out.
    #[must_use]
    pub fn fullname(&self) -> &str {
        &self.fullname
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        // Both go through the daemon's queue in order: the goodbye goes out first.
        if let Err(err) = self.daemon.unregister(&self.fullname) {
            tracing::debug!(%err, "mDNS goodbye not sent");
        }
        if let Err(err) = self.daemon.shutdown() {
            tracing::debug!(%err, "mDNS daemon already stopped");
        }
        tracing::info!(fullname = %self.fullname, "no longer announcing this server");
    }
}

/// A DNS label holds at most 63 bytes; an empty name becomes "Peercall".
fn instance_label(name: &str) -> String {
    let name = name.trim();
    let name = if name.is_empty() { "Peercall" } else { name };
    let mut label = String::new();
    for c in name.chars() {
        if label.len() + c.len_utf8() > 63 {
            break;
        }
        label.push(c);
    }
    label
}

/// `<machine>-pc<pid>.local.`: the machine's name, made unique per process (two network
/// namespaces of one machine, or two apps, share the machine's name but not addresses).
fn host_name() -> String {
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let machine: String = machine
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let machine = if machine.is_empty() {
        "peercall".to_owned()
    } else {
        machine
    };
    format!("{machine}-pc{}.local.", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_dns() {
        assert_eq!(instance_label("  Alice  "), "Alice");
        assert_eq!(instance_label(""), "Peercall");
        let long = "é".repeat(40);
        let label = instance_label(&long);
        assert!(label.len() <= 63 && label.chars().all(|c| c == 'é'));
        assert_eq!(label.chars().count(), 31);
    }

    #[test]
    fn the_host_name_is_a_local_name() {
        let name = host_name();
        assert!(name.ends_with(".local."), "{name}");
        assert!(!name.contains(' '), "{name}");
    }
}
