//! Where pictures go once they exist: a [`FrameSink`] is handed each frame on the thread that
//! made it (the camera's, the decoder's) and takes it from there: the app's frame bridge
//! sends it to the page, the agent's measurer records it, a test reads it off a queue.
//!
//! There is no thread in between whose only job is to move frames from one queue to the
//! next: the producer calls the sink, the sink keeps the newest frame (or measures it) and
//! returns at once. A sink takes the frame by value, so it can send the pixels on without
//! copying them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::clock::now_us;
use crate::frame::VideoFrame;
use crate::queue::{drop_oldest_queue, QueueReceiver, QueueSender};

/// A picture handed to a sink, with what its producer knows about it.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The I420 picture. For a decoded frame, `frame_number` and `capture_time_us` come
    /// from the test pattern's stamp when one was read, else they are 0.
    pub frame: VideoFrame,
    /// Whether a stamp was read from the picture (a decoded test pattern).
    pub stamped: bool,
    /// When the picture came to exist here, µs on the capture clock
    /// ([`crate::clock::now_us`]): decoded (remote video) or captured (local camera).
    pub decoded_at_us: u64,
}

impl Picture {
    /// A frame straight from a camera: its own numbers, made when it was captured.
    #[must_use]
    pub fn captured(frame: VideoFrame) -> Self {
        let decoded_at_us = frame.capture_time_us;
        Self {
            frame,
            stamped: false,
            decoded_at_us,
        }
    }
}

/// Takes pictures as they are made. Called on the producing thread (a camera, a decoder):
/// it must not block on anyone (keep the newest, drop the rest).
pub trait FrameSink: Send + Sync {
    /// The newest picture of this stream.
    fn show(&self, picture: Picture);
    /// The stream stopped (its camera closed, its call ended): nothing to show.
    fn clear(&self);
}

/// A sink shared by whoever produces into it.
pub type SharedSink = Arc<dyn FrameSink>;

/// A sink that queues pictures for a reader on another thread (drop-oldest: a slow reader
/// sees fresh pictures). For tools and tests that read frames at their own pace.
pub struct QueueSink {
    queue: QueueSender<Picture>,
}

/// A [`QueueSink`] holding up to `capacity` pictures, and the queue's reading end (it
/// closes when the sink is dropped by every producer).
#[must_use]
pub fn queue_sink(capacity: usize) -> (Arc<QueueSink>, QueueReceiver<Picture>) {
    let (queue, rx) = drop_oldest_queue(capacity);
    (Arc::new(QueueSink { queue }), rx)
}

impl FrameSink for QueueSink {
    fn show(&self, picture: Picture) {
        self.queue.push(picture);
    }

    fn clear(&self) {}
}

/// Counts what a sink was given: for a test that a stream started, stopped and was cleared.
#[derive(Debug, Default)]
pub struct Tally {
    shown: AtomicU64,
    cleared: AtomicU64,
    last_shown_us: AtomicU64,
}

impl Tally {
    /// Pictures shown so far.
    pub fn shown(&self) -> u64 {
        self.shown.load(Ordering::Relaxed)
    }

    /// Times the stream was cleared so far.
    pub fn cleared(&self) -> u64 {
        self.cleared.load(Ordering::Relaxed)
    }

    /// When the last picture was shown, µs on the capture clock (0: never).
    pub fn last_shown_us(&self) -> u64 {
        self.last_shown_us.load(Ordering::Relaxed)
    }
}

impl FrameSink for Tally {
    fn show(&self, _picture: Picture) {
        self.shown.fetch_add(1, Ordering::Relaxed);
        self.last_shown_us.store(now_us(), Ordering::Relaxed);
    }

    fn clear(&self) {
        self.cleared.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_queue_sink_hands_pictures_to_its_reader_and_closes_with_its_producers() {
        let (sink, rx) = queue_sink(2);
        let shared: SharedSink = sink;
        for n in 1..=3 {
            let mut frame = VideoFrame::black(4, 2);
            frame.frame_number = n;
            frame.capture_time_us = 100 * n;
            shared.show(Picture::captured(frame));
        }
        // Drop-oldest: the reader sees the two newest, with their capture times.
        let got: Vec<(u64, u64)> = std::iter::from_fn(|| rx.try_recv())
            .map(|p| (p.frame.frame_number, p.decoded_at_us))
            .collect();
        assert_eq!(got, vec![(2, 200), (3, 300)]);
        drop(shared);
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(1)).err(),
            Some(crate::RecvError::Closed)
        );
    }

    #[test]
    fn a_tally_counts_shown_and_cleared() {
        let tally = Tally::default();
        tally.show(Picture::captured(VideoFrame::black(2, 2)));
        tally.show(Picture::captured(VideoFrame::black(2, 2)));
        tally.clear();
        assert_eq!((tally.shown(), tally.cleared()), (2, 1));
        assert!(tally.last_shown_us() > 0);
    }
}
