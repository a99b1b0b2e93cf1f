//! The queue between the video receive loop and the decoder thread, bounded in frames and
//! in bytes. A peer can complete frames faster than they decode (thousands of tiny
//! frames a second); an unbounded queue grew with every one of them.
//!
//! When a frame would overflow the queue, everything queued is dropped rather than only
//! the oldest frame: every VP8 delta frame references the one before it, so the frames
//! behind a dropped one cannot be decoded either. The next frame the decoder takes then
//! says so ([`Queued::after_loss`]): the decoder withholds pictures until a keyframe and
//! asks for one (`Vp8Decoder::report_loss`), and the sender learns of the drop from
//! [`DecodeSender::push`] and can ask at once. A frame going into an empty queue is always
//! taken, however large (the frame buffer bounds one frame).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// How much may wait for the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Frames queued at most.
    pub max_frames: usize,
    /// Bytes of bitstream queued at most.
    pub max_bytes: usize,
}

impl Default for DecodeLimits {
    /// 64 frames and 8 MiB (a few 4K keyframes). The decoder thread holds each frame
    /// until it is due, so the queue normally holds what the playout delay (at most
    /// 250 ms) and the lip-sync delay (at most 500 ms) add up to: 45 frames at 60 fps.
    fn default() -> Self {
        Self {
            max_frames: 64,
            max_bytes: 8 << 20,
        }
    }
}

/// A frame taken from the queue.
#[derive(Debug, PartialEq, Eq)]
pub struct Queued<T> {
    /// The frame.
    pub frame: T,
    /// Frames were dropped since the last one taken: the decoder's reference chain is
    /// broken before this frame.
    pub after_loss: bool,
}

/// The decoder thread is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

struct State<T> {
    frames: VecDeque<(T, usize)>,
    bytes: usize,
    lost: bool,
    sender_alive: bool,
    receiver_alive: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    limits: DecodeLimits,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing panics while holding the lock with the state half-updated.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The receive loop's end.
pub struct DecodeSender<T> {
    shared: Arc<Shared<T>>,
}

/// The decoder thread's end.
pub struct DecodeReceiver<T> {
    shared: Arc<Shared<T>>,
}

/// A queue holding at most `limits` (and always at least one frame).
#[must_use]
pub fn decode_queue<T>(limits: DecodeLimits) -> (DecodeSender<T>, DecodeReceiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            frames: VecDeque::new(),
            bytes: 0,
            lost: false,
            sender_alive: true,
            receiver_alive: true,
        }),
        ready: Condvar::new(),
        limits,
    });
    (
        DecodeSender {
            shared: shared.clone(),
        },
        DecodeReceiver { shared },
    )
}

impl<T> DecodeSender<T> {
    /// Queues a frame of `bytes` bytes; returns how many queued frames were dropped to
    /// make room (all of them, or none).
    pub fn push(&self, frame: T, bytes: usize) -> Result<usize, Closed> {
        let limits = self.shared.limits;
        let mut st = self.shared.lock();
        if !st.receiver_alive {
            return Err(Closed);
        }
        let full = st.frames.len() >= limits.max_frames
            || st.bytes.saturating_add(bytes) > limits.max_bytes;
        let mut dropped = 0;
        if full && !st.frames.is_empty() {
            dropped = st.frames.len();
            st.frames.clear();
            st.bytes = 0;
            st.lost = true;
        }
        st.frames.push_back((frame, bytes));
        st.bytes = st.bytes.saturating_add(bytes);
        drop(st);
        self.shared.ready.notify_one();
        Ok(dropped)
    }
}

impl<T> Drop for DecodeSender<T> {
    fn drop(&mut self) {
        self.shared.lock().sender_alive = false;
        self.shared.ready.notify_all();
    }
}

impl<T> DecodeReceiver<T> {
    /// Waits for the oldest frame; `None` once the sender is gone and the queue is empty.
    pub fn recv(&self) -> Option<Queued<T>> {
        let mut st = self.shared.lock();
        loop {
            if let Some((frame, bytes)) = st.frames.pop_front() {
                st.bytes = st.bytes.saturating_sub(bytes);
                let after_loss = std::mem::take(&mut st.lost);
                return Some(Queued { frame, after_loss });
            }
            if !st.sender_alive {
                return None;
            }
            st = self
                .shared
                .ready
                .wait(st)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Frames waiting now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shared.lock().frames.len()
    }

    /// Whether nothing is waiting.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes waiting now.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.shared.lock().bytes
    }
}

impl<T> Drop for DecodeReceiver<T> {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.receiver_alive = false;
        st.frames.clear();
        st.bytes = 0;
    }
}

#[cfg(test)]
mod tests;
