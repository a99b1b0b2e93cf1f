//! Connection caps: at most so many open TCP connections in total and per source
//! address, checked at accept. A connection holds a [`Ticket`] from accept until its
//! last task (HTTP, then the WebSocket) ends. IPv6 sources are grouped by their /64,
//! the block one host typically gets; IPv4-mapped IPv6 counts as the IPv4 address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds its maximum of connections.
    Total,
    /// This source address holds its maximum.
    PerIp,
}

/// The counting core: pure, no locking.
#[derive(Debug, Default)]
pub struct Counts {
    total: usize,
    by_source: HashMap<IpAddr, usize>,
}

/// The key a source address is counted under.
fn source_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl Counts {
    /// Counts a new connection from `ip` if both caps allow it.
    pub fn admit(
        &mut self,
        ip: IpAddr,
        total_cap: usize,
        per_ip_cap: usize,
    ) -> Result<(), Refusal> {
        if self.total >= total_cap {
            return Err(Refusal::Total);
        }
        let n = self.by_source.entry(source_key(ip)).or_insert(0);
        if *n >= per_ip_cap {
            return Err(Refusal::PerIp);
        }
        *n += 1;
        self.total += 1;
        Ok(())
    }

    /// A connection from `ip` ended.
    pub fn release(&mut self, ip: IpAddr) {
        let key = source_key(ip);
        if let Some(n) = self.by_source.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.by_source.remove(&key);
            }
            self.total = self.total.saturating_sub(1);
        }
    }

    /// Connections counted.
    pub fn total(&self) -> usize {
        self.total
    }
}

/// The caps of one server, shared by the accept loop and the connections.
#[derive(Debug)]
pub struct Admission {
    counts: Mutex<Counts>,
    total_cap: usize,
    per_ip_cap: usize,
}

/// Proof that a connection was admitted; dropping it frees the slot.
#[derive(Debug)]
pub struct Ticket {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Admission {
    /// Caps of `total_cap` connections, `per_ip_cap` per source (0: no cap).
    pub fn new(total_cap: usize, per_ip_cap: usize) -> Self {
        let unlimited = |cap: usize| if cap == 0 { usize::MAX } else { cap };
        Admission {
            counts: Mutex::default(),
            total_cap: unlimited(total_cap),
            per_ip_cap: unlimited(per_ip_cap),
        }
    }

    /// A ticket for a connection from `ip`, or why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Ticket, Refusal> {
        self.counts()
            .admit(ip, self.total_cap, self.per_ip_cap)
            .map(|()| Ticket {
                admission: self.clone(),
                ip,
            })
    }

    /// Connections holding a ticket.
    pub fn open(&self) -> usize {
        self.counts().total()
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Ticket {
    /// The source address of the connection.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.counts().release(self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn caps_per_source_and_in_total() {
        let mut c = Counts::default();
        // (source, expected) against a total cap of 4 and 2 per source.
        let table = [
            ("10.0.0.1", Ok(())),
            ("10.0.0.1", Ok(())),
            ("10.0.0.1", Err(Refusal::PerIp)),
            ("::ffff:10.0.0.1", Err(Refusal::PerIp)),
            ("2001:db8::1", Ok(())),
            ("2001:db8::2", Ok(())),
            ("2001:db8::3", Err(Refusal::Total)),
            ("10.0.0.2", Err(Refusal::Total)),
        ];
        for (i, (source, want)) in table.into_iter().enumerate() {
            assert_eq!(c.admit(ip(source), 4, 2), want, "row {i}: {source}");
        }
        c.release(ip("10.0.0.1"));
        assert_eq!(
            c.admit(ip("2001:db8::9"), 4, 2),
            Err(Refusal::PerIp),
            "same /64"
        );
        assert_eq!(c.admit(ip("10.0.0.2"), 4, 2), Ok(()));
        c.release(ip("192.0.2.1")); // never admitted: no effect
        assert_eq!(c.total(), 4);
    }

    #[test]
    fn tickets_free_their_slot() {
        let a = Arc::new(Admission::new(1, 0));
        let t = a.admit(ip("127.0.0.1")).unwrap();
        assert_eq!(a.admit(ip("127.0.0.2")).unwrap_err(), Refusal::Total);
        drop(t);
        assert_eq!(a.open(), 0);
        assert!(a.admit(ip("127.0.0.2")).is_ok());
    }
}
