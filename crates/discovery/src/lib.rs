//! Finding Peercall hosts on the local network with zero typing (issue 15).
//!
//! An app with "Host calls for my local network" on announces `_peercall._tcp` over
//! mDNS / DNS-SD with its server's port ([`Announcer`]); the other apps browse for it
//! ([`Browser`]) and offer each host in the lobby with where it was found
//! ([`FoundHost::found_on`]). Only the *address* is found: the join code is still typed
//! once, and nothing announced carries it or the server's token.
//!
//! - [`found`]: the pure core (sightings and goodbyes → the list of hosts), table-tested
//! - [`announce`] / [`browse`]: thin drivers over `mdns-sd`'s daemon thread
//!
//! `peercall-lan` (this crate's binary) announces or browses from the command line; the
//! agent's `lan_discovery` test runs it in two network namespaces joined by a veth pair.

pub mod announce;
pub mod browse;
pub mod found;

pub use announce::{Announcement, Announcer};
pub use browse::Browser;
pub use found::{FoundHost, HostList, SeenAddr, Sighting};

/// The DNS-SD service type Peercall hosts announce.
pub const SERVICE_TYPE: &str = "_peercall._tcp.local.";

/// How often the daemons look for interfaces and addresses that came or went.
const IP_CHECK_SECS: u32 = 1;

/// Why announcing or browsing could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The mDNS daemon refused (no thread, a name it cannot announce, shut down).
    #[error("mDNS: {0}")]
    Mdns(#[from] mdns_sd::Error),
}
