//! Whether a change of this machine's network harms the call's path (issue 15): an ICE
//! restart costs a visible pause (`reconnecting`, new candidates, new checks), so it is
//! made only when the change can have broken the selected candidate pair, not on every
//! address that comes or goes (an IPv6 temporary address rotating, a second interface
//! coming up, a VPN adding an address). A path this misjudges as intact still recovers:
//! ICE `disconnected` (consent checks unanswered) restarts it a couple of seconds later.
//!
//! Pure: the path from the last stats, the network before and after; table-tested below.

use std::net::IpAddr;

use super::netwatch::NetChange;
use crate::stats::CallStats;

/// The call's selected candidate pair, as the last stats saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SelectedPath {
    /// Our candidate's type: `host`, `srflx`, `prflx` or `relay`.
    local_kind: String,
    /// The peer's candidate's type.
    remote_kind: String,
    /// The local address our socket of this pair is bound to (the candidate's base),
    /// when the stats tell it: a host candidate's own address, a reflexive one's
    /// related address. Unknown for a relay candidate (its related address is the
    /// mapped one, not ours).
    base: Option<IpAddr>,
}

impl SelectedPath {
    /// From a stats interval; `None` while no pair is selected.
    pub(crate) fn from_stats(stats: &CallStats) -> Option<Self> {
        let local_kind = stats.candidate_type.clone()?;
        Some(Self {
            // The watcher leaves loopback and link-local addresses out of its picture,
            // so such a base could never be found there: unknown instead.
            base: stats
                .local_base
                .filter(|ip| local_kind != "relay" && super::netwatch::counts(ip)),
            remote_kind: stats
                .remote_candidate_type
                .clone()
                .unwrap_or_else(|| "prflx".to_owned()),
            local_kind,
        })
    }
}

/// What to do about a network change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Restart ICE, and why.
    Restart(&'static str),
    /// Leave the path alone, and why.
    Keep(&'static str),
}

/// Whether `change` can have broken `path` (`None`: no pair selected yet).
pub(crate) fn judge(change: &NetChange, path: Option<&SelectedPath>) -> Verdict {
    let Some(path) = path else {
        return Verdict::Restart("the call has no selected path yet");
    };
    if let Some(base) = path.base {
        if !change.after.addrs().contains(&base) {
            return Verdict::Restart("the path's local address went away");
        }
    }
    let lan_only = path.local_kind == "host" && path.remote_kind == "host";
    if change.before.default_routes() != change.after.default_routes() && !lan_only {
        // Our packets to a reflexive or relayed peer now leave by another gateway,
        // through another NAT (or none): the mappings the pair relied on are gone.
        return Verdict::Restart("the default route moved");
    }
    if path.base.is_none()
        && change
            .before
            .addrs()
            .difference(change.after.addrs())
            .next()
            .is_some()
    {
        return Verdict::Restart("an address went away and the path's own is not known");
    }
    Verdict::Keep("the call's path is intact")
}

#[cfg(test)]
#[path = "path_check_tests.rs"]
mod tests;
