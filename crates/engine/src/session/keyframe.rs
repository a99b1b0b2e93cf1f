//! An interceptor that lets the application see keyframe requests (PLI / FIR) about the
//! tracks it sends, so the VP8 encoder can answer them. Without it inbound RTCP stops at
//! the end of the interceptor chain and video never recovers from loss. It also counts the
//! NACKs that arrive (`webrtc` 0.21's outbound stats leave `nackCount` at 0, though its
//! responder answers them), and reads the fraction of our audio the peer reports lost
//! (the reception report blocks of its receiver and sender reports) for the Opus
//! encoder's FEC: `webrtc` 0.21's remote-inbound stats give `fraction_lost` 0 whatever
//! the loss (seen at 5 %), though the blocks arrive with it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::reception_report::ReceptionReport;
use rtc::rtcp::sender_report::SenderReport;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

use crate::stats::Counters;

/// The chain position: after every built-in interceptor on the read leg (they all still
/// see the packets), so the mark is the last thing added.
pub const KEYFRAME_SLOT: usize = 14_000;

/// Whether an RTCP packet asks for a keyframe.
pub fn is_keyframe_request(packet: &dyn rtc::rtcp::Packet) -> bool {
    let any = packet.as_any();
    any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
}

/// Marks inbound RTCP compounds that contain a PLI or FIR for delivery to the
/// application, and counts inbound NACKs; passes everything through unchanged.
pub struct KeyframeRequestForwarder {
    counters: Arc<Counters>,
    /// Our audio streams' SSRCs.
    audio: HashSet<u32>,
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl KeyframeRequestForwarder {
    /// A forwarder counting into `counters`.
    pub fn new(counters: Arc<Counters>) -> Self {
        Self {
            counters,
            audio: HashSet::new(),
            read: VecDeque::new(),
            write: VecDeque::new(),
        }
    }
}

impl KeyframeRequestForwarder {
    /// Notes the fraction lost the peer reports on our audio, if `packet` carries it.
    fn read_reports(&self, packet: &dyn rtc::rtcp::Packet) {
        let any = packet.as_any();
        let blocks: &[ReceptionReport] = if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
            &rr.reports
        } else if let Some(sr) = any.downcast_ref::<SenderReport>() {
            &sr.reports
        } else {
            return;
        };
        for b in blocks.iter().filter(|b| self.audio.contains(&b.ssrc)) {
            // 8-bit fixed point (RFC 3550 6.4.1) → parts per million, plus one (0: none).
            let ppm = u64::from(b.fraction_lost) * 1_000_000 / 256;
            Counters::set(&self.counters.audio_remote_loss_ppm1, ppm + 1);
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for KeyframeRequestForwarder {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        let (keyframe, nacks) = match &msg.message.packet {
            Packet::Rtcp(packets) => (
                packets.iter().any(|p| is_keyframe_request(p.as_ref())),
                packets
                    .iter()
                    .filter(|p| p.as_any().is::<TransportLayerNack>())
                    .count(),
            ),
            _ => (false, 0),
        };
        if keyframe {
            msg.message.add(Attribute::DeliverToApplication);
        }
        Counters::add(&self.counters.rtcp_nacks_received, nacks as u64);
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for p in packets {
                self.read_reports(p.as_ref());
            }
        }
        self.read.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.write.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write.pop_front()
    }
}

impl Interceptor for KeyframeRequestForwarder {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        if info.mime_type.to_ascii_lowercase().starts_with("audio/") {
            self.audio.insert(info.ssrc);
        }
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.audio.remove(&info.ssrc);
    }
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::interceptor::AttributedPacket;
    use rtc::shared::TransportContext;

    fn rtcp(packet: Box<dyn rtc::rtcp::Packet>) -> TaggedPacket {
        TaggedPacket {
            now: Instant::now(),
            transport: TransportContext::default(),
            message: AttributedPacket::new(Packet::Rtcp(vec![packet])),
        }
    }

    fn block(ssrc: u32, fraction_lost: u8) -> ReceptionReport {
        ReceptionReport {
            ssrc,
            fraction_lost,
            ..Default::default()
        }
    }

    #[test]
    fn the_loss_reported_on_our_audio_is_noted_from_either_kind_of_report() {
        let counters = Arc::new(Counters::default());
        let mut f = KeyframeRequestForwarder::new(counters.clone());
        f.bind_local_stream(&StreamInfo {
            ssrc: 7,
            mime_type: "audio/opus".into(),
            ..Default::default()
        });
        let loss = || {
            counters
                .audio_remote_loss_ppm1
                .load(std::sync::atomic::Ordering::Relaxed)
        };
        // (packet, counter after: ppm + 1, 0 for none yet)
        let cases: Vec<(Box<dyn rtc::rtcp::Packet>, u64)> = vec![
            // Our video's block, or another stream's: not audio's.
            (
                Box::new(ReceiverReport {
                    reports: vec![block(9, 128)],
                    ..Default::default()
                }),
                0,
            ),
            // 5 % (13/256) in a receiver report.
            (
                Box::new(ReceiverReport {
                    reports: vec![block(9, 0), block(7, 13)],
                    ..Default::default()
                }),
                50_782,
            ),
            // A peer that sends media reports in its sender reports.
            (
                Box::new(SenderReport {
                    reports: vec![block(7, 0)],
                    ..Default::default()
                }),
                1,
            ),
        ];
        for (packet, want) in cases {
            f.handle_read(rtcp(packet)).expect("read");
            assert!(f.poll_read().is_some(), "passed on");
            assert_eq!(loss(), want);
        }
    }
}
