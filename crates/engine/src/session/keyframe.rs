//! An interceptor that lets the application see keyframe requests (PLI / FIR) about the
//! tracks it sends, so the VP8 encoder can answer them. Without it inbound RTCP stops at
//! the end of the interceptor chain and video never recovers from loss. It also counts the
//! NACKs that arrive (`webrtc` 0.21's outbound stats leave `nackCount` at 0, though its
//! responder answers them).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
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
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl KeyframeRequestForwarder {
    /// A forwarder counting into `counters`.
    pub fn new(counters: Arc<Counters>) -> Self {
        Self {
            counters,
            read: VecDeque::new(),
            write: VecDeque::new(),
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
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}
