//! A bounded queue that drops the oldest item when full, so a slow consumer sees fresh
//! frames instead of building latency. Used between capture threads and their consumers
//! (never inside an audio callback: those use lock-free rings).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

struct State<T> {
    items: VecDeque<T>,
    dropped: u64,
    senders_alive: bool,
    receiver_alive: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    capacity: usize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic while holding this lock cannot leave the deque inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Producing end of a drop-oldest queue.
pub struct QueueSender<T> {
    shared: Arc<Shared<T>>,
}

/// Consuming end of a drop-oldest queue.
pub struct QueueReceiver<T> {
    shared: Arc<Shared<T>>,
}

/// Why [`QueueReceiver::recv_timeout`] returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Nothing arrived within the timeout.
    Timeout,
    /// The sender is gone and the queue is empty: the source stopped.
    Closed,
}

/// A queue holding at most `capacity` items (at least 1).
pub fn drop_oldest_queue<T>(capacity: usize) -> (QueueSender<T>, QueueReceiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::with_capacity(capacity.max(1)),
            dropped: 0,
            senders_alive: true,
            receiver_alive: true,
        }),
        ready: Condvar::new(),
        capacity: capacity.max(1),
    });
    (
        QueueSender {
            shared: shared.clone(),
        },
        QueueReceiver { shared },
    )
}

impl<T> QueueSender<T> {
    /// Adds an item, dropping the oldest if full. Returns `false` once the receiver is gone
    /// (the producer should stop).
    pub fn push(&self, item: T) -> bool {
        let mut st = self.shared.lock();
        if !st.receiver_alive {
            return false;
        }
        if st.items.len() >= self.shared.capacity {
            st.items.pop_front();
            st.dropped += 1;
        }
        st.items.push_back(item);
        drop(st);
        self.shared.ready.notify_one();
        true
    }

    /// Whether the receiver still exists.
    pub fn is_open(&self) -> bool {
        self.shared.lock().receiver_alive
    }
}

impl<T> Drop for QueueSender<T> {
    fn drop(&mut self) {
        self.shared.lock().senders_alive = false;
        self.shared.ready.notify_all();
    }
}

impl<T> QueueReceiver<T> {
    /// Waits up to `timeout` for the oldest queued item.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvError> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        loop {
            if let Some(item) = st.items.pop_front() {
                return Ok(item);
            }
            if !st.senders_alive {
                return Err(RecvError::Closed);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(RecvError::Timeout);
            }
            st = self
                .shared
                .ready
                .wait_timeout(st, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// The oldest queued item, if any, without waiting.
    pub fn try_recv(&self) -> Option<T> {
        self.shared.lock().items.pop_front()
    }

    /// Discards everything queued except the newest item, and returns it.
    pub fn latest(&self) -> Option<T> {
        let mut st = self.shared.lock();
        let last = st.items.pop_back();
        let skipped = st.items.len() as u64;
        st.items.clear();
        st.dropped += skipped;
        last
    }

    /// How many items were dropped because the consumer was too slow.
    pub fn dropped(&self) -> u64 {
        self.shared.lock().dropped
    }

    /// Items waiting now.
    pub fn len(&self) -> usize {
        self.shared.lock().items.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for QueueReceiver<T> {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.receiver_alive = false;
        st.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_oldest_when_full() {
        let (tx, rx) = drop_oldest_queue(2);
        for i in 0..5 {
            assert!(tx.push(i));
        }
        assert_eq!(rx.dropped(), 3);
        assert_eq!(rx.try_recv(), Some(3));
        assert_eq!(rx.try_recv(), Some(4));
        assert_eq!(rx.try_recv(), None);
    }

    #[test]
    fn closed_when_sender_dropped_and_sender_sees_receiver_drop() {
        let (tx, rx) = drop_oldest_queue::<u8>(4);
        tx.push(1);
        drop(tx);
        assert_eq!(rx.recv_timeout(Duration::from_millis(10)), Ok(1));
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(10)),
            Err(RecvError::Closed)
        );
        let (tx, rx) = drop_oldest_queue::<u8>(4);
        drop(rx);
        assert!(!tx.push(1));
    }

    #[test]
    fn wakes_a_waiting_receiver() {
        let (tx, rx) = drop_oldest_queue(4);
        let t = std::thread::spawn(move || rx.recv_timeout(Duration::from_secs(10)));
        tx.push(7u32);
        assert_eq!(t.join().unwrap(), Ok(7));
    }
}
