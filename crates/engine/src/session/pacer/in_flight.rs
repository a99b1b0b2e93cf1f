//! Bytes in flight: sent and not yet reported on by transport-wide feedback, for the
//! congestion window pushback (libwebrtc's "outstanding data").
//!
//! The pacer cannot count them itself: the transport-wide sequence number that feedback
//! names is written below it (`Slot::TwccSender`), so this small interceptor sits between
//! the TWCC sender and the congestion controller ([`IN_FLIGHT_SLOT`]), where departing
//! packets carry their number and feedback arrives first on the way in.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::interceptor::{Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::transport_feedbacks::transport_layer_cc::TransportLayerCc;
use rtc::rtp::extension::transport_cc_extension::TransportCcExtension;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;
use rtc::shared::marshal::{MarshalSize, Unmarshal};

use super::Outstanding;
use crate::session::twcc;

/// Chain position: below the TWCC sender (2 000), above the congestion controller (1 000).
pub const IN_FLIGHT_SLOT: usize = 1_500;

/// A packet no feedback has covered after this long counts as gone (lost, or its feedback
/// was): otherwise a lost feedback packet, or a peer that stopped sending any, would hold
/// the encoder back for ever.
const FORGET_AFTER: Duration = Duration::from_secs(1);

/// The pure core: packets by transport-wide sequence number, in send order.
#[derive(Debug, Default)]
pub struct InFlight {
    sent: VecDeque<(i64, usize, Instant)>,
    bytes: usize,
    last_seq: Option<i64>,
}

impl InFlight {
    /// Unwraps a 16-bit sequence number next to the last one sent.
    fn unwrap(&self, seq: u16) -> i64 {
        match self.last_seq {
            None => i64::from(seq),
            Some(last) => last + i64::from(seq.wrapping_sub(last as u16) as i16),
        }
    }

    /// A packet of `size` bytes left with number `seq`.
    pub fn on_sent(&mut self, now: Instant, seq: u16, size: usize) {
        let seq = self.unwrap(seq);
        if self.last_seq.is_some_and(|last| seq <= last) {
            return;
        }
        self.last_seq = Some(seq);
        self.sent.push_back((seq, size, now));
        self.bytes += size;
        self.expire(now);
    }

    /// Feedback covered `count` numbers from `base`: those and every earlier one are no
    /// longer in flight (received or reported lost).
    pub fn on_feedback(&mut self, now: Instant, base: u16, count: u16) {
        if self.last_seq.is_some() {
            let end = self.unwrap(base) + i64::from(count);
            while let Some(&(seq, size, _)) = self.sent.front() {
                if seq >= end {
                    break;
                }
                self.sent.pop_front();
                self.bytes -= size;
            }
        }
        self.expire(now);
    }

    /// Forgets packets older than [`FORGET_AFTER`].
    pub fn expire(&mut self, now: Instant) {
        while let Some(&(_, size, at)) = self.sent.front() {
            if now.saturating_duration_since(at) < FORGET_AFTER {
                break;
            }
            self.sent.pop_front();
            self.bytes -= size;
        }
    }

    /// Bytes in flight.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// When the oldest packet will be forgotten.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.sent.front().map(|&(_, _, at)| at + FORGET_AFTER)
    }
}

/// [`InFlight`] as an interceptor, publishing the bytes to the video send thread.
pub struct InFlightTracker {
    in_flight: InFlight,
    published: Arc<Outstanding>,
    /// The TWCC header extension id, by SSRC (RTX SSRCs included).
    ext_ids: HashMap<u32, u8>,
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl InFlightTracker {
    /// A tracker publishing to `published`.
    pub fn new(published: Arc<Outstanding>) -> Self {
        published.in_flight.store(0, Ordering::Relaxed);
        Self {
            in_flight: InFlight::default(),
            published,
            ext_ids: HashMap::new(),
            read: VecDeque::new(),
            write: VecDeque::new(),
        }
    }

    fn publish(&self) {
        self.published
            .in_flight
            .store(self.in_flight.bytes() as u64, Ordering::Relaxed);
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for InFlightTracker {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for p in packets {
                if let Some(fb) = p.as_any().downcast_ref::<TransportLayerCc>() {
                    self.in_flight.on_feedback(
                        msg.now,
                        fb.base_sequence_number,
                        fb.packet_status_count,
                    );
                    self.publish();
                }
            }
        }
        self.read.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtp(rtp) = &msg.message.packet {
            let seq = self
                .ext_ids
                .get(&rtp.header.ssrc)
                .and_then(|id| rtp.header.get_extension(*id))
                .and_then(|mut ext| TransportCcExtension::unmarshal(&mut ext).ok());
            if let Some(ext) = seq {
                self.in_flight
                    .on_sent(msg.now, ext.transport_sequence, rtp.marshal_size());
                self.publish();
            }
        }
        self.write.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write.pop_front()
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error> {
        self.in_flight.expire(now);
        self.publish();
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.in_flight.next_expiry()
    }
}

impl Interceptor for InFlightTracker {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        if let Some(id) = twcc::extension_id(info) {
            self.ext_ids.insert(info.ssrc, id);
            if let Some(rtx) = info.ssrc_rtx {
                self.ext_ids.insert(rtx, id);
            }
        }
    }

    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.ext_ids.remove(&info.ssrc);
    }

    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}

    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_takes_packets_out_of_flight() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut f = InFlight::default();
        // (sent: seq, size) then feedback (base, count) → bytes in flight.
        for seq in 65_530u16..=65_535 {
            f.on_sent(t0, seq, 100);
        }
        for seq in 0u16..4 {
            f.on_sent(t0 + ms(10), seq, 1000);
        }
        assert_eq!(f.bytes(), 600 + 4000);
        // Across the wrap: 65 534 .. 1 reported, so everything up to 1.
        f.on_feedback(t0 + ms(50), 65_534, 4);
        assert_eq!(f.bytes(), 2000);
        // Old feedback changes nothing.
        f.on_feedback(t0 + ms(60), 65_530, 2);
        assert_eq!(f.bytes(), 2000);
        // Unreported packets are forgotten after a second.
        f.expire(t0 + ms(1009));
        assert_eq!(f.bytes(), 2000);
        f.expire(t0 + ms(1010));
        assert_eq!(f.bytes(), 0);
        assert_eq!(f.next_expiry(), None);
    }
}
