//! The thin adapter: [`PacedQueue`] as a `webrtc` interceptor at `Slot::Pacer`.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;
use rtc::shared::error::Error;
use rtc::shared::marshal::MarshalSize;

use super::queue::{Class, PacedQueue, PacerConfig};
use super::Outstanding;

/// Paces outgoing RTP by priority; see the module documentation.
pub struct PriorityPacer {
    queue: PacedQueue<TaggedPacket>,
    /// Where the send thread reads the bytes waiting (congestion window pushback).
    outstanding: Arc<Outstanding>,
    audio_ssrcs: HashSet<u32>,
    rtx_ssrcs: HashSet<u32>,
    rtx_payload_types: HashSet<u8>,
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
    last_log: Option<Instant>,
}

impl PriorityPacer {
    /// A pacer starting at `rate_bps`, publishing its queue to `outstanding`.
    pub fn new(rate_bps: f64, config: PacerConfig, outstanding: Arc<Outstanding>) -> Self {
        outstanding.paced.store(0, Ordering::Relaxed);
        Self {
            queue: PacedQueue::new(rate_bps, config),
            outstanding,
            audio_ssrcs: HashSet::new(),
            rtx_ssrcs: HashSet::new(),
            rtx_payload_types: HashSet::new(),
            read: VecDeque::new(),
            write: VecDeque::new(),
            last_log: None,
        }
    }

    /// Once a second at debug level (`RUST_LOG=peercall::pacer=debug`).
    fn log(&mut self, now: Instant) {
        if self
            .last_log
            .is_some_and(|at| now.saturating_duration_since(at).as_secs() < 1)
        {
            return;
        }
        self.last_log = Some(now);
        tracing::debug!(
            target: "peercall::pacer",
            "rate {:.0} kbit/s (now {:.0}), queued {} B in {} packets, {} refused, in flight {} B",
            self.queue.rate_bps() / 1000.0,
            self.queue.effective_rate_bps() / 1000.0,
            self.queue.queued_bytes(),
            self.queue.queued_packets(),
            self.queue.refused(),
            self.outstanding.in_flight.load(Ordering::Relaxed),
        );
    }

    fn classify(&self, msg: &TaggedPacket, rtp: &rtc::rtp::Packet) -> Class {
        let header = &rtp.header;
        if self.audio_ssrcs.contains(&header.ssrc) {
            Class::Audio
        } else if msg.message.has(&Attribute::Retransmission)
            || self.rtx_ssrcs.contains(&header.ssrc)
            || self.rtx_payload_types.contains(&header.payload_type)
        {
            Class::Retransmission
        } else if rtp.payload.is_empty() {
            Class::Padding
        } else {
            Class::Video
        }
    }

    /// Moves whatever may leave at `now` to the write queue, stamped with `now` (the send
    /// history below records the release instant, not the enqueue instant).
    fn release(&mut self, now: Instant) {
        while let Some(mut packet) = self.queue.pop(now) {
            packet.now = now;
            self.write.push_back(packet);
        }
        self.outstanding
            .paced
            .store(self.queue.queued_bytes() as u64, Ordering::Relaxed);
        self.log(now);
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for PriorityPacer {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        // The congestion controller (wire-ward of here) attaches its pacing rate to the
        // feedback packet that changed it; read it on the way past, as rtc's pacer does.
        if let Some(Attribute::TargetBitrateChanged { bits_per_second }) =
            msg.message.get(&Attribute::TargetBitrateChanged {
                bits_per_second: 0.0,
            })
        {
            self.queue.set_rate(msg.now, *bits_per_second);
        }
        self.read.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        // RTCP is only useful while fresh: never paced.
        let (class, size) = match &msg.message.packet {
            Packet::Rtp(rtp) => (self.classify(&msg, rtp), rtp.marshal_size()),
            _ => {
                self.write.push_back(msg);
                return Ok(());
            }
        };
        let now = msg.now;
        if let Some(audio) = self.queue.push(now, class, size, msg) {
            self.write.push_back(audio);
        }
        // What the budget allows leaves now rather than on the next timer.
        self.release(now);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write.pop_front()
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error> {
        self.release(now);
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.queue.next_send_time()
    }
}

impl Interceptor for PriorityPacer {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        if info.mime_type.to_ascii_lowercase().starts_with("audio/") {
            self.audio_ssrcs.insert(info.ssrc);
        }
        self.rtx_ssrcs.extend(info.ssrc_rtx);
        self.rtx_payload_types.extend(info.payload_type_rtx);
    }

    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.audio_ssrcs.remove(&info.ssrc);
        if let Some(ssrc) = info.ssrc_rtx {
            self.rtx_ssrcs.remove(&ssrc);
        }
    }

    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}

    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::interceptor::AttributedPacket;
    use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
    use rtc::shared::TransportContext;

    const AUDIO: u32 = 1;
    const VIDEO: u32 = 2;
    const RTX: u32 = 3;

    fn rtp(now: Instant, ssrc: u32, payload_type: u8, len: usize) -> TaggedPacket {
        let packet = rtc::rtp::Packet {
            header: rtc::rtp::header::Header {
                version: 2,
                ssrc,
                payload_type,
                ..Default::default()
            },
            payload: vec![0u8; len].into(),
        };
        TaggedPacket {
            now,
            transport: TransportContext::default(),
            message: AttributedPacket::new(Packet::Rtp(packet)),
        }
    }

    fn rtcp(now: Instant) -> TaggedPacket {
        TaggedPacket {
            now,
            transport: TransportContext::default(),
            message: AttributedPacket::new(Packet::Rtcp(vec![Box::new(
                PictureLossIndication::default(),
            )])),
        }
    }

    /// What left, as (kind, ssrc or 0 for RTCP).
    fn drain(p: &mut PriorityPacer) -> Vec<u32> {
        std::iter::from_fn(|| p.poll_write())
            .map(|m| match &m.message.packet {
                Packet::Rtp(r) => r.header.ssrc,
                _ => 0,
            })
            .collect()
    }

    fn pacer(queued: Arc<Outstanding>) -> PriorityPacer {
        let mut p = PriorityPacer::new(100_000.0, PacerConfig::default(), queued);
        p.bind_local_stream(&StreamInfo {
            ssrc: AUDIO,
            mime_type: "audio/opus".into(),
            payload_type: 111,
            ..Default::default()
        });
        p.bind_local_stream(&StreamInfo {
            ssrc: VIDEO,
            ssrc_rtx: Some(RTX),
            mime_type: "video/VP8".into(),
            payload_type: 96,
            payload_type_rtx: Some(97),
            ..Default::default()
        });
        p
    }

    #[test]
    fn audio_and_rtcp_pass_a_video_backlog_and_resends_go_next() {
        let t0 = Instant::now();
        let queued = Arc::new(Outstanding::default());
        let mut p = pacer(queued.clone());
        for _ in 0..5 {
            p.handle_write(rtp(t0, VIDEO, 96, 1000)).unwrap();
        }
        // 100 kbit/s, 40 ms burst = 500 bytes: the first video packet leaves, four wait.
        assert_eq!(drain(&mut p), [VIDEO]);
        assert!(queued.paced.load(Ordering::Relaxed) >= 4_000);

        p.handle_write(rtcp(t0)).unwrap();
        p.handle_write(rtp(t0, AUDIO, 111, 100)).unwrap();
        p.handle_write(rtp(t0, RTX, 97, 1000)).unwrap();
        // A plain resend (no RTX) is known by the NACK responder's mark.
        let mut resend = rtp(t0, VIDEO, 96, 1000);
        resend.message.add(Attribute::Retransmission);
        p.handle_write(resend).unwrap();
        assert_eq!(drain(&mut p), [0, AUDIO], "RTCP and audio are not paced");

        let mut order = Vec::new();
        while let Some(at) = p.poll_timeout() {
            p.handle_timeout(at).unwrap();
            for m in std::iter::from_fn(|| p.poll_write()) {
                assert_eq!(m.now, at, "stamped with the release instant");
                let Packet::Rtp(r) = &m.message.packet else {
                    panic!("RTCP was not queued")
                };
                order.push((r.header.ssrc, r.header.payload_type));
            }
        }
        assert_eq!(
            order,
            [
                (RTX, 97),
                (VIDEO, 96),
                (VIDEO, 96),
                (VIDEO, 96),
                (VIDEO, 96),
                (VIDEO, 96)
            ],
            "resends first, then the video in order"
        );
        assert_eq!(queued.bytes(), 0);
    }

    #[test]
    fn the_rate_follows_the_congestion_controller() {
        let t0 = Instant::now();
        let mut p = pacer(Arc::default());
        let mut feedback = rtcp(t0);
        feedback.message.add(Attribute::TargetBitrateChanged {
            bits_per_second: 2_000_000.0,
        });
        p.handle_read(feedback).unwrap();
        assert!(p.poll_read().is_some(), "the packet carries on");
        assert_eq!(p.queue.rate_bps(), 2_000_000.0);
    }
}
