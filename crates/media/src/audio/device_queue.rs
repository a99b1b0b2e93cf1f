//! The speaker's queue as the device callback sees it: what [`SpeakerPlayback::play`]
//! pushed, taken one device block at a time. Pure (no device); runs in the real-time
//! callback, so no locks and no allocation.
//!
//! A device asks for a whole block at once (cpal's ALSA host: one period, 1024 frames =
//! 21 ms here) while the call's audio arrives 10 ms at a time. The queue therefore starts
//! (and restarts after running dry) only once it holds **a block plus `prebuffer`**: right
//! after each block is taken, `prebuffer` is left to cover a late feeder. It used to start
//! at `prebuffer` alone (40 ms): the first block emptied it, every later block found at
//! most the block that had arrived since, and any feeder late by a few ms ran it dry in
//! the middle of a block: 4–13 underruns per call, each a hole in what the user hears.
//! When it starts it keeps no more than that: audio queued before the device's first
//! request (or while it stalled) is skipped then, not carried through the call.
//!
//! [`SpeakerPlayback::play`]: super::SpeakerPlayback::play

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::playback::PlaybackStats;

/// See the module documentation.
pub(crate) struct DeviceQueue {
    consumer: rtrb::Consumer<f32>,
    primed: bool,
    /// Samples kept beyond one block when (re)starting.
    prebuffer: usize,
    /// Above this many samples queued, the oldest are skipped (raised to two blocks plus
    /// `prebuffer` when the device's blocks are large).
    max: usize,
    stats: Arc<PlaybackStats>,
}

impl DeviceQueue {
    pub(crate) fn new(
        consumer: rtrb::Consumer<f32>,
        prebuffer: usize,
        max: usize,
        stats: Arc<PlaybackStats>,
    ) -> Self {
        Self {
            consumer,
            primed: false,
            prebuffer,
            max,
            stats,
        }
    }

    /// Called at the start of each device callback that wants `block` samples: bounds
    /// the latency, and starts playing once a block plus the prebuffer is queued.
    pub(crate) fn begin_block(&mut self, block: usize) {
        let start = block + self.prebuffer;
        // After a stall the device takes two blocks back to back (ALSA refills its
        // whole buffer): a trim keeps enough for both, and the prebuffer.
        let keep = start + block;
        let max = self.max.max(keep);
        let queued = self.consumer.slots();
        if queued > max {
            let excess = queued - (max + keep) / 2;
            if let Ok(chunk) = self.consumer.read_chunk(excess) {
                chunk.commit_all();
                self.stats
                    .skipped
                    .fetch_add(excess as u64, Ordering::Relaxed);
            }
        }
        if !self.primed && self.consumer.slots() >= start {
            self.primed = true;
            self.stats.starts.fetch_add(1, Ordering::Relaxed);
            // What piled up before the device first asked (a sound server takes a second
            // or two to start a stream) was never heard and never will be on time: keep
            // only the block and the prebuffer. Kept, it stayed in the queue for the whole
            // call (the feeder and the device run at the same rate, and `drift.rs` holds the
            // level where it settled): ~80 ms of mouth-to-ear on PulseAudio.
            let stale = self.consumer.slots() - start;
            if stale > 0 {
                if let Ok(chunk) = self.consumer.read_chunk(stale) {
                    chunk.commit_all();
                    self.stats
                        .skipped
                        .fetch_add(stale as u64, Ordering::Relaxed);
                }
            }
        }
    }

    /// Next mono sample of the block, or silence (not started, or ran dry: then silent
    /// until a later block finds enough queued).
    pub(crate) fn next_sample(&mut self) -> f32 {
        if !self.primed {
            return 0.0;
        }
        match self.consumer.pop() {
            Ok(s) => {
                self.stats.played.fetch_add(1, Ordering::Relaxed);
                s
            }
            Err(_) => {
                self.primed = false;
                self.stats.underruns.fetch_add(1, Ordering::Relaxed);
                0.0
            }
        }
    }

    /// Samples queued.
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.consumer.slots()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(prebuffer: usize, max: usize) -> (rtrb::Producer<f32>, DeviceQueue) {
        let (producer, consumer) = rtrb::RingBuffer::new(1000);
        let q = DeviceQueue::new(consumer, prebuffer, max, Arc::new(PlaybackStats::default()));
        (producer, q)
    }

    fn push(tx: &mut rtrb::Producer<f32>, n: usize) {
        for _ in 0..n {
            tx.push(1.0).unwrap();
        }
    }

    /// Plays one block of `block` samples; returns how many were sound.
    fn play_block(q: &mut DeviceQueue, block: usize) -> usize {
        q.begin_block(block);
        (0..block).filter(|_| q.next_sample() != 0.0).count()
    }

    #[test]
    fn starts_only_with_a_block_plus_the_prebuffer_queued() {
        let (mut tx, mut q) = queue(4, 100);
        push(&mut tx, 10);
        assert_eq!(play_block(&mut q, 8), 0, "10 < 8 + 4 queued: silence");
        push(&mut tx, 2);
        assert_eq!(play_block(&mut q, 8), 8, "12 queued: the block plays");
        assert_eq!(q.queued(), 4, "the prebuffer is left for a late feeder");
    }

    #[test]
    fn a_feeder_late_by_less_than_the_prebuffer_leaves_no_hole() {
        // A 10-sample block per callback, fed 10 a callback, one feed 3 samples late.
        let (mut tx, mut q) = queue(4, 100);
        push(&mut tx, 14);
        let mut sound = 0;
        for i in 0..20 {
            sound += play_block(&mut q, 10);
            push(&mut tx, if i == 5 { 7 } else { 10 });
            if i == 6 {
                push(&mut tx, 3);
            }
        }
        assert_eq!(sound, 200);
        assert_eq!(q.stats.underruns.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_backlog_from_before_the_first_request_is_skipped_at_the_start() {
        // The device asks for its first block only after 60 samples piled up: the
        // queue starts with a block plus the prebuffer, the newest.
        let (mut tx, mut q) = queue(4, 100);
        for i in 0..60 {
            tx.push(i as f32).unwrap();
        }
        q.begin_block(8);
        assert_eq!(q.queued(), 12);
        assert_eq!(q.next_sample(), 48.0);
        assert_eq!(q.stats.skipped.load(Ordering::Relaxed), 48);
        assert_eq!(q.stats.starts.load(Ordering::Relaxed), 1);
        // Playing, a level above the start is left alone (below the bound).
        push(&mut tx, 30);
        q.begin_block(8);
        assert_eq!(q.queued(), 41);
    }

    #[test]
    fn runs_dry_mid_block_then_waits_for_a_block_plus_the_prebuffer() {
        let (mut tx, mut q) = queue(4, 100);
        push(&mut tx, 12);
        assert_eq!(play_block(&mut q, 8), 8);
        push(&mut tx, 2);
        assert_eq!(play_block(&mut q, 8), 6, "6 queued: ran dry after 6");
        assert_eq!(q.stats.underruns.load(Ordering::Relaxed), 1);
        push(&mut tx, 11);
        assert_eq!(play_block(&mut q, 8), 0, "11 < 12: still silent");
        push(&mut tx, 1);
        assert_eq!(play_block(&mut q, 8), 8);
        assert_eq!(q.stats.played.load(Ordering::Relaxed), 22);
        assert_eq!(
            q.stats.starts.load(Ordering::Relaxed),
            2,
            "started, and again"
        );
    }

    #[test]
    fn trims_the_oldest_audio_above_the_bound_keeping_the_newest() {
        let (mut tx, mut q) = queue(10, 100);
        push(&mut tx, 30);
        assert_eq!(play_block(&mut q, 20), 20, "started");
        for i in 0..240 {
            tx.push(i as f32).unwrap();
        }
        q.begin_block(20);
        // 250 queued: back to halfway between two blocks plus the prebuffer (50) and the
        // bound (100), the 10 older samples and the first 165 new ones skipped.
        assert_eq!(q.queued(), 75);
        assert_eq!(q.next_sample(), 165.0);
        assert_eq!(q.stats.skipped.load(Ordering::Relaxed), 175);
    }

    #[test]
    fn the_bound_holds_two_large_blocks_and_the_prebuffer() {
        // Blocks of 85 with a bound of 100: a stall's recovery takes 170 at once.
        let (mut tx, mut q) = queue(40, 100);
        push(&mut tx, 125);
        assert_eq!(play_block(&mut q, 85), 85, "started");
        push(&mut tx, 300);
        q.begin_block(85);
        assert_eq!(q.queued(), 210);
        assert_eq!(play_block(&mut q, 85), 85);
        assert_eq!(play_block(&mut q, 85), 85, "the second block of the refill");
        assert_eq!(q.queued(), 40, "and the prebuffer");
    }
}
