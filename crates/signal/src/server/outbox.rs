//! A connection's outgoing queue, budgeted in bytes rather than messages: 512 messages
//! of 64 KiB each would let one slow reader hold 32 MiB of the server's memory, while a
//! byte budget bounds it whatever the mix of sizes. Every queued byte is also counted in
//! a server-wide gauge (`peercall_outbound_queued_bytes`).
//!
//! Written by hand around tokio's unbounded channel plus two atomic counters: no crate
//! found offers a byte-weighted async channel with a non-blocking `try_send` (tokio's
//! `Semaphore` could weigh permits, but a sender must never wait under the registry
//! lock, and a failed acquire would still need the same bookkeeping).

use super::replay::seq_of;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Why a message could not be queued; carries the message back.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The byte budget would be exceeded: the reader is too slow.
    Full(String),
    /// The connection is gone.
    Closed(String),
}

/// The sending half, held by the registry for an attached peer.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<String>,
    taken: Arc<AtomicU64>,
    queued: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
    budget: usize,
}

/// The receiving half, owned by the connection task.
#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::UnboundedReceiver<String>,
    taken: Arc<AtomicU64>,
    queued: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

/// A queue that holds at most `budget` bytes (one message of any size fits into an empty
/// queue, so the budget never makes a single message undeliverable). `total` is the
/// server-wide gauge.
pub fn channel(budget: usize, total: Arc<AtomicUsize>) -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let taken = Arc::new(AtomicU64::new(0));
    let outbox = Outbox {
        tx,
        taken: taken.clone(),
        queued: queued.clone(),
        total: total.clone(),
        budget,
    };
    let inbox = Inbox {
        rx,
        taken,
        queued,
        total,
    };
    (outbox, inbox)
}

impl Outbox {
    /// Queues `text` unless that would pass the byte budget or the connection is gone.
    pub fn try_send(&self, text: String) -> Result<(), Refused> {
        if self.tx.is_closed() {
            return Err(Refused::Closed(text));
        }
        let len = text.len();
        let before = self.queued.fetch_add(len, Ordering::AcqRel);
        if before > 0 && before + len > self.budget {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            return Err(Refused::Full(text));
        }
        self.total.fetch_add(len, Ordering::Relaxed);
        self.tx.send(text).map_err(|e| {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            self.total.fetch_sub(len, Ordering::Relaxed);
            Refused::Closed(e.0)
        })
    }

    /// Bytes queued right now.
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// The `seq` of the last sequenced message the connection took from the queue
    /// (0: none yet).
    pub fn last_taken(&self) -> u64 {
        self.taken.load(Ordering::Acquire)
    }
}

impl Inbox {
    /// The next message; `None` once every sender is gone and the queue is empty.
    pub async fn recv(&mut self) -> Option<String> {
        let text = self.rx.recv().await?;
        self.taken(&text);
        Some(text)
    }

    /// The next message if one is waiting.
    pub fn try_recv(&mut self) -> Option<String> {
        let text = self.rx.try_recv().ok()?;
        self.taken(&text);
        Some(text)
    }

    fn taken(&self, text: &str) {
        if let Some(seq) = seq_of(text) {
            self.taken.store(seq, Ordering::Release);
        }
        let len = text.len();
        self.queued.fetch_sub(len, Ordering::AcqRel);
        self.total.fetch_sub(len, Ordering::Relaxed);
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        // What is still queued leaves the server-wide gauge with the queue.
        self.rx.close();
        while self.try_recv().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_in_bytes_and_frees_as_read() {
        let total = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel(10, total.clone());
        assert_eq!(tx.try_send("12345".into()), Ok(()));
        assert_eq!(tx.try_send("12345".into()), Ok(()));
        assert_eq!(tx.try_send("1".into()), Err(Refused::Full("1".into())));
        assert_eq!((tx.queued_bytes(), total.load(Ordering::Relaxed)), (10, 10));
        assert_eq!(rx.try_recv().as_deref(), Some("12345"));
        assert_eq!(tx.try_send("1".into()), Ok(()));
        assert_eq!(total.load(Ordering::Relaxed), 6);
        drop(rx);
        assert_eq!(
            total.load(Ordering::Relaxed),
            0,
            "a dropped inbox leaves the gauge"
        );
        assert_eq!(tx.try_send("x".into()), Err(Refused::Closed("x".into())));
    }

    #[test]
    fn remembers_the_last_sequence_number_taken() {
        let (tx, mut rx) = channel(1 << 10, Default::default());
        tx.try_send(r#"{"seq":7,"type":"x"}"#.into()).unwrap();
        tx.try_send(r#"{"type":"unsequenced"}"#.into()).unwrap();
        assert_eq!(tx.last_taken(), 0);
        rx.try_recv();
        rx.try_recv();
        assert_eq!(tx.last_taken(), 7);
    }

    #[test]
    fn one_message_past_the_budget_fits_an_empty_queue() {
        let total = Arc::new(AtomicUsize::new(0));
        let (tx, _rx) = channel(4, total);
        assert_eq!(tx.try_send("123456".into()), Ok(()));
        assert!(matches!(tx.try_send("1".into()), Err(Refused::Full(_))));
    }
}
