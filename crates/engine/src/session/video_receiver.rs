//! One received VP8 stream's logic, without I/O: RTP packets and timer ticks in, whole
//! frames (in decode order) and RTCP feedback (NACK, PLI) out. The frame buffer and the
//! NACK list share the round-trip time the stats reporter measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::{
    nack_pairs_from_sequence_numbers, TransportLayerNack,
};

use super::frame_buffer::{Frame, FrameBuffer, FrameBufferConfig, Vp8Part};
use super::nack::{NackConfig, NackList};
use super::playout::{Playout, PlayoutConfig};
use super::rtp_seq::SeqUnwrapper;
use super::sync::SyncLink;
use crate::stats::Counters;

/// Packets asked for before a stream's first packet when that one is mid-frame (a
/// keyframe is a few dozen packets at most at call start).
const START_LOOKBACK: u64 = 32;

/// The round trip assumed until one is measured (libwebrtc's default too).
pub const DEFAULT_RTT: Duration = Duration::from_millis(100);

/// RTCP to send after a tick.
#[derive(Debug, Default)]
pub struct Feedback {
    /// Packets to retransmit.
    pub nack: Option<TransportLayerNack>,
    /// Ask for a keyframe.
    pub pli: Option<PictureLossIndication>,
}

/// A whole frame and when to show it.
#[derive(Debug, Clone)]
pub struct ReadyFrame {
    /// The VP8 bitstream.
    pub data: Bytes,
    /// When to show it (decode at once, present at this instant).
    pub render_at: Instant,
    /// Its RTP timestamp.
    pub rtp_ts: u32,
    /// It sat behind a hole (a repair or a reordered packet).
    pub waited: bool,
}

/// What one received packet produced.
#[derive(Debug, Default)]
pub struct Received {
    /// Frames now decodable, in order.
    pub frames: Vec<ReadyFrame>,
    /// Feedback to send at once (a NACK for holes this packet revealed).
    pub feedback: Feedback,
}

/// The receive logic of one video stream.
pub struct VideoReceiver {
    media_ssrc: u32,
    seqs: SeqUnwrapper,
    frames: FrameBuffer,
    nacks: NackList,
    playout: Playout,
    newest_seq: u64,
    /// Lip sync: when frames are due on the voice's clock, if it runs.
    sync: Option<Arc<SyncLink>>,
}

impl VideoReceiver {
    /// A receiver for the stream `ssrc` (replaced by the SSRC its packets carry).
    #[must_use]
    pub fn new(ssrc: u32, config: FrameBufferConfig) -> Self {
        Self {
            media_ssrc: ssrc,
            seqs: SeqUnwrapper::default(),
            frames: FrameBuffer::new(config),
            nacks: NackList::new(NackConfig::default()),
            playout: Playout::new(PlayoutConfig::default()),
            newest_seq: 0,
            sync: None,
        }
    }

    /// Lip sync: a frame is late once its time has come on both video's own playout
    /// clock and the voice's (frames are shown at the later of the two).
    pub fn set_sync_link(&mut self, link: Arc<SyncLink>) {
        self.sync = Some(link);
    }

    /// When the frame with RTP timestamp `ts` is to be shown.
    fn due(&self, ts: u32) -> Option<Instant> {
        let voice = self.sync.as_ref().and_then(|s| s.video_show_at(ts));
        let own = self.playout.due(ts);
        voice.max(own)
    }

    /// Lip sync: show frames this much later than the playout delay alone would.
    pub fn set_sync_delay(&mut self, d: Duration) {
        self.playout.set_sync_delay(d);
    }

    /// Takes one RTP packet (RTX already unwrapped); returns the frames it completed and
    /// the NACK for the holes it revealed.
    pub fn on_packet(
        &mut self,
        packet: &rtc::rtp::Packet,
        now: Instant,
        counters: &Counters,
    ) -> Received {
        Counters::add(&counters.video_packets_received, 1);
        Counters::add(&counters.video_bytes_received, packet.payload.len() as u64);
        self.media_ssrc = packet.header.ssrc;
        let seq = self.seqs.unwrap(packet.header.sequence_number);
        let first = self.newest_seq == 0;
        self.newest_seq = self.newest_seq.max(seq);
        let mut nack = self.nacks.on_packet(seq, now);
        let part = Vp8Part::from_rtp(packet, seq);
        if first && part.as_ref().is_some_and(|p| !p.start) {
            // The keyframe's head was lost before we saw anything: ask for the packets
            // just before this one instead of waiting for a keyframe request to be honoured.
            self.nacks.expect_before(seq, START_LOOKBACK, now);
            nack.new_holes = true;
        }
        if nack.filled {
            Counters::add(&counters.video_packets_repaired, 1);
        }
        if let Some((open, requests)) = nack.hole {
            tracing::trace!(
                seq,
                open_ms = open.as_millis() as u64,
                requests,
                "video hole filled"
            );
        }
        if nack.overflow {
            tracing::debug!("video NACK list overflowed at seq {seq}");
            self.frames.request_keyframe(now);
        }
        let mut out = Received::default();
        if nack.new_holes {
            out.feedback.nack = self.due_nacks(now, counters);
        }
        let Some(part) = part else {
            return out;
        };
        let pushed = self.frames.push(part, now, rtt(counters));
        if pushed.skipped_packets > 0 || pushed.overflow {
            self.forget_old_holes();
        }
        self.release(pushed.frames, now, counters, &mut out.frames);
        self.skip_late(now, counters, &mut out.frames);
        out
    }

    /// Skips the frame the buffer waits for while it is late (its time to be shown has
    /// come) and the frame after it does not need it (`FrameBuffer::skippable`): the
    /// picture goes on from the next frame rather than holding every later frame until
    /// the repair comes.
    fn skip_late(&mut self, now: Instant, counters: &Counters, out: &mut Vec<ReadyFrame>) {
        while let Some(ts) = self.frames.skippable() {
            if self.due(ts).is_none_or(|due| now < due) {
                return;
            }
            let pushed = self.frames.skip(now);
            Counters::add(&counters.video_frames_skipped, 1);
            tracing::trace!(ts, "late video frame skipped");
            self.forget_old_holes();
            self.release(pushed.frames, now, counters, out);
        }
    }

    /// Gives decodable frames their render times.
    fn release(
        &mut self,
        frames: Vec<Frame>,
        now: Instant,
        counters: &Counters,
        out: &mut Vec<ReadyFrame>,
    ) {
        for f in frames {
            if f.keyframe {
                Counters::add(&counters.video_keyframes_received, 1);
            }
            let render_at = self.playout.on_frame(f.timestamp, now, f.waited);
            if f.waited {
                tracing::trace!(
                    ts = f.timestamp,
                    last_seq = f.last_seq,
                    hold_ms = render_at.saturating_duration_since(now).as_millis() as u64,
                    delay_ms = self.playout.delay().as_millis() as u64,
                    "video frame released after a hole"
                );
            }
            out.push(ReadyFrame {
                data: f.data,
                render_at,
                rtp_ts: f.timestamp,
                waited: f.waited,
            });
        }
        counters.video_playout_delay_us.store(
            self.playout.delay().as_micros() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    fn due_nacks(&mut self, now: Instant, counters: &Counters) -> Option<TransportLayerNack> {
        let due = self.nacks.due(now, rtt(counters));
        if due.is_empty() {
            return None;
        }
        Counters::add(&counters.nack_packets_requested, due.len() as u64);
        tracing::trace!(
            ?due,
            rtt_ms = rtt(counters).as_millis() as u64,
            "video NACK"
        );
        let seqs: Vec<u16> = due.iter().map(|&s| s as u16).collect();
        Some(TransportLayerNack {
            sender_ssrc: 0,
            media_ssrc: self.media_ssrc,
            nacks: nack_pairs_from_sequence_numbers(&seqs),
        })
    }

    /// Advances the timers: a late frame skipped, NACKs that are due, a hole given up, a
    /// keyframe request.
    pub fn on_tick(&mut self, now: Instant, counters: &Counters) -> Received {
        let mut frames = Vec::new();
        self.skip_late(now, counters, &mut frames);
        Received {
            frames,
            feedback: self.tick_feedback(now, counters),
        }
    }

    fn tick_feedback(&mut self, now: Instant, counters: &Counters) -> Feedback {
        let rtt = rtt(counters);
        let mut out = Feedback::default();
        let tick = self.frames.tick(now, rtt);
        if tick.gave_up {
            tracing::debug!("video frame given up (rtt {} ms)", rtt.as_millis());
            Counters::add(&counters.video_frames_lost, 1);
            self.forget_old_holes();
        }
        if tick.request_keyframe {
            tracing::debug!("video keyframe requested");
            out.pli = Some(PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: self.media_ssrc,
            });
        }
        out.nack = self.due_nacks(now, counters);
        out
    }

    /// Wait for a keyframe and ask for one now (the decoder could not use a frame, or
    /// the owner wants a fresh picture).
    pub fn request_keyframe(&mut self, now: Instant) {
        self.frames.request_keyframe(now);
    }

    /// Once the buffer waits for a keyframe, or jumped to one, the holes behind are moot.
    fn forget_old_holes(&mut self) {
        let upto = if self.frames.needs_keyframe() {
            Some(self.newest_seq)
        } else {
            self.frames.next_seq().map(|n| n.saturating_sub(1))
        };
        if let Some(seq) = upto {
            self.nacks.forget_through(seq);
        }
    }
}

/// The measured round trip, or [`DEFAULT_RTT`] before there is one.
fn rtt(counters: &Counters) -> Duration {
    counters.rtt().unwrap_or(DEFAULT_RTT)
}
