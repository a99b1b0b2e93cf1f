//! One received VP8 stream's logic, without I/O: RTP packets and timer ticks in, whole
//! frames (in decode order) and RTCP feedback (NACK, PLI) out. The frame buffer and the
//! NACK list share the round-trip time the stats reporter measured.

use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::{
    nack_pairs_from_sequence_numbers, TransportLayerNack,
};

use super::frame_buffer::{FrameBuffer, FrameBufferConfig, Vp8Part};
use super::nack::{NackConfig, NackList};
use super::rtp_seq::SeqUnwrapper;
use crate::stats::Counters;

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

/// The receive logic of one video stream.
pub struct VideoReceiver {
    media_ssrc: u32,
    seqs: SeqUnwrapper,
    frames: FrameBuffer,
    nacks: NackList,
    newest_seq: u64,
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
            newest_seq: 0,
        }
    }

    /// Takes one RTP packet (RTX already unwrapped); returns the frames it completed.
    pub fn on_packet(
        &mut self,
        packet: &rtc::rtp::Packet,
        now: Instant,
        counters: &Counters,
    ) -> Vec<Bytes> {
        Counters::add(&counters.video_packets_received, 1);
        Counters::add(&counters.video_bytes_received, packet.payload.len() as u64);
        self.media_ssrc = packet.header.ssrc;
        let seq = self.seqs.unwrap(packet.header.sequence_number);
        self.newest_seq = self.newest_seq.max(seq);
        let nack = self.nacks.on_packet(seq);
        if nack.filled {
            Counters::add(&counters.video_packets_repaired, 1);
        }
        if nack.overflow {
            self.frames.request_keyframe(now);
        }
        let Some(part) = Vp8Part::from_rtp(packet, seq) else {
            return Vec::new();
        };
        let pushed = self.frames.push(part, now, rtt(counters));
        if pushed.skipped_packets > 0 || pushed.overflow {
            self.forget_old_holes();
        }
        let keyframes = pushed.frames.iter().filter(|f| f.keyframe).count();
        Counters::add(&counters.video_keyframes_received, keyframes as u64);
        pushed.frames.into_iter().map(|f| f.data).collect()
    }

    /// Advances the timers: NACKs that are due, a hole given up, a keyframe request.
    pub fn on_tick(&mut self, now: Instant, counters: &Counters) -> Feedback {
        let rtt = rtt(counters);
        let mut out = Feedback::default();
        let tick = self.frames.tick(now, rtt);
        if tick.gave_up {
            Counters::add(&counters.video_frames_lost, 1);
            self.forget_old_holes();
        }
        if tick.request_keyframe {
            out.pli = Some(PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: self.media_ssrc,
            });
        }
        let due = self.nacks.due(now, rtt);
        if !due.is_empty() {
            Counters::add(&counters.nack_packets_requested, due.len() as u64);
            let seqs: Vec<u16> = due.iter().map(|&s| s as u16).collect();
            out.nack = Some(TransportLayerNack {
                sender_ssrc: 0,
                media_ssrc: self.media_ssrc,
                nacks: nack_pairs_from_sequence_numbers(&seqs),
            });
        }
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
