//! Counters and the Prometheus text rendering of `/metrics`.

use super::registry::Registry;
use peercall_protocol::ErrorCode;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

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
        let _ = writeln!(out, "# HELP peercall_errors_total Errors sent, by code.\n# TYPE peercall_errors_total counter");
        for (code, n) in ErrorCode::ALL.iter().zip(&self.errors) {
            let _ = writeln!(
                out,
                "peercall_errors_total{{code=\"{code}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP peercall_room_peers Peers per room.\n# TYPE peercall_room_peers gauge"
        );
        let mut rooms = registry.room_sizes();
        rooms.sort();
        for (room, n) in rooms {
            let _ = writeln!(
                out,
                "peercall_room_peers{{room=\"{}\"}} {n}",
                escape_label(&room)
            );
        }
        out
    }
}

/// Escapes a label value: backslash, double quote and newline.
fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_escapes_rooms() {
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
        assert!(text.contains("peercall_room_peers{room=\"q\\\"r\"} 1\n"));
    }
}
