//! Counters and the Prometheus text rendering of `/metrics`.

use super::registry::Registry;
use peercall_protocol::ErrorCode;
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// Why `/metrics` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The server has a token and the request did not present it (401).
    Unauthorized,
    /// No token: only loopback may read (403).
    NotLoopback,
}

/// Who may read `/metrics`: with a token, whoever presents it
/// (`Authorization: Bearer …`; `presented` says whether it matched); without one,
/// loopback clients only.
pub fn access(
    token_required: bool,
    presented: Option<bool>,
    peer: Option<IpAddr>,
) -> Result<(), Denied> {
    if token_required {
        return match presented {
            Some(true) => Ok(()),
            _ => Err(Denied::Unauthorized),
        };
    }
    match peer {
        Some(ip) if ip.to_canonical().is_loopback() => Ok(()),
        _ => Err(Denied::NotLoopback),
    }
}

/// Server-wide counters; cheap atomics updated by the connection tasks.
#[derive(Debug, Default)]
pub struct Metrics {
    open_connections: AtomicI64,
    connections_total: AtomicU64,
    relayed: AtomicU64,
    resumes: AtomicU64,
    errors: [AtomicU64; ErrorCode::ALL.len()],
    /// Bytes waiting in every connection's outgoing queue (shared with the queues).
    pub outbound_bytes: Arc<AtomicUsize>,
    refused_connections: AtomicU64,
}

impl Metrics {
    /// A WebSocket opened.
    pub fn connection_opened(&self) {
        self.open_connections.fetch_add(1, Ordering::Relaxed);
        self.connections_total.fetch_add(1, Ordering::Relaxed);
    }

    /// A WebSocket closed.
    pub fn connection_closed(&self) {
        self.open_connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// A `signal` was relayed.
    pub fn relayed(&self) {
        self.relayed.fetch_add(1, Ordering::Relaxed);
    }

    /// A session was resumed.
    pub fn resumed(&self) {
        self.resumes.fetch_add(1, Ordering::Relaxed);
    }

    /// An `error` was sent.
    pub fn error(&self, code: ErrorCode) {
        if let Some(i) = ErrorCode::ALL.iter().position(|c| *c == code) {
            self.errors[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A TCP connection was turned away by a connection cap.
    pub fn connection_refused(&self) {
        self.refused_connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Open WebSocket connections.
    pub fn open_connections(&self) -> i64 {
        self.open_connections.load(Ordering::Relaxed)
    }

    /// Renders every metric in the Prometheus text exposition format.
    /// `tcp_open`: TCP connections holding an admission ticket.
    pub fn render(&self, registry: &Registry, tcp_open: usize) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, kind: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        counter(
            "peercall_open_connections",
            "Open WebSocket connections.",
            "gauge",
            self.open_connections().to_string(),
        );
        counter(
            "peercall_connections_total",
            "WebSocket connections accepted.",
            "counter",
            self.connections_total.load(Ordering::Relaxed).to_string(),
        );
        counter(
            "peercall_tcp_connections",
            "Open TCP connections (counted against --max-connections).",
            "gauge",
            tcp_open.to_string(),
        );
        counter(
            "peercall_connections_refused_total",
            "TCP connections turned away by the total or per-address cap.",
            "counter",
            self.refused_connections.load(Ordering::Relaxed).to_string(),
        );
        counter(
            "peercall_outbound_queued_bytes",
            "Bytes waiting in the connections' outgoing queues.",
            "gauge",
            self.outbound_bytes.load(Ordering::Relaxed).to_string(),
        );
        counter(
            "peercall_messages_relayed_total",
            "Signal messages relayed.",
            "counter",
            self.relayed.load(Ordering::Relaxed).to_string(),
        );
        counter(
            "peercall_resumes_total",
            "Sessions resumed after a dropped connection.",
            "counter",
            self.resumes.load(Ordering::Relaxed).to_string(),
        );
        counter(
            "peercall_peers",
            "Peers in all rooms.",
            "gauge",
            registry.peer_count().to_string(),
        );
        counter(
            "peercall_peers_detached",
            "Peers waiting to resume.",
            "gauge",
            registry.detached_count().to_string(),
        );
        // Room names are the users' business: counts only, no per-room labels.
        let rooms = registry.room_sizes();
        counter(
            "peercall_rooms",
            "Rooms with at least one peer.",
            "gauge",
            rooms.len().to_string(),
        );
        counter(
            "peercall_largest_room_peers",
            "Peers in the largest room.",
            "gauge",
            rooms.iter().map(|(_, n)| *n).max().unwrap_or(0).to_string(),
        );
        let _ = writeln!(out, "# HELP peercall_errors_total Errors sent, by code.\n# TYPE peercall_errors_total counter");
        for (code, n) in ErrorCode::ALL.iter().zip(&self.errors) {
            let _ = writeln!(
                out,
                "peercall_errors_total{{code=\"{code}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_read() {
        let lo: Option<IpAddr> = "127.0.0.1".parse().ok();
        let lan: Option<IpAddr> = "192.168.1.5".parse().ok();
        let mapped: Option<IpAddr> = "::ffff:127.0.0.1".parse().ok();
        // (token required, token presented and right?, peer, result)
        let table = [
            (false, None, lo, Ok(())),
            (false, None, mapped, Ok(())),
            (false, None, lan, Err(Denied::NotLoopback)),
            (false, None, None, Err(Denied::NotLoopback)),
            (true, None, lo, Err(Denied::Unauthorized)),
            (true, Some(false), lo, Err(Denied::Unauthorized)),
            (true, Some(true), lan, Ok(())),
        ];
        for (i, (required, presented, peer, want)) in table.into_iter().enumerate() {
            assert_eq!(access(required, presented, peer), want, "row {i}");
        }
    }

    #[test]
    fn renders_counters_and_no_room_names() {
        let m = Metrics::default();
        m.connection_opened();
        m.error(ErrorCode::BadJson);
        m.relayed();
        let mut r = Registry::new(4, 4, 1024);
        let (tx, _rx) = super::super::outbox::channel(1024, Default::default());
        r.join(
            "a".into(),
            "s".into(),
            "A".into(),
            "q\"r",
            1,
            tx,
            std::time::Instant::now(),
        )
        .unwrap();
        let text = m.render(&r, 1);
        assert!(text.contains("peercall_open_connections 1\n"));
        assert!(text.contains("peercall_messages_relayed_total 1\n"));
        assert!(text.contains("peercall_errors_total{code=\"bad-json\"} 1\n"));
        assert!(text.contains("peercall_rooms 1\n"));
        assert!(text.contains("peercall_largest_room_peers 1\n"));
        assert!(
            !text.contains("q\\\"r") && !text.contains("q\"r"),
            "no room names"
        );
    }
}
