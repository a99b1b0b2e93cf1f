//! After `rtc`'s FlexFEC receive interceptor: counts the media packets it rebuilt (it marks
//! them `RecoveredByFec`, and nothing past the interceptor chain can see the mark), and
//! takes their transport-wide sequence number off. A rebuilt packet never arrived: left
//! on, the TWCC receiver would report it received a frame late, and the sender's delay
//! estimator would read that as a queue building (libwebrtc keeps recovered packets out
//! of transport feedback too).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

use crate::session::twcc;
use crate::stats::Counters;

/// The chain position: right after `Slot::FecDecoder` (6 000) on the read leg, before the
/// TWCC receiver (8 000).
pub const RECOVERED_SLOT: usize = 6_500;

/// Passes everything through; counts rebuilt packets and unnumbers them.
pub struct RecoveredCounter {
    counters: Arc<Counters>,
    /// The transport-wide sequence number's extension id, by remote media SSRC.
    twcc_ids: HashMap<u32, u8>,
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl RecoveredCounter {
    /// A counter adding to `counters.video_fec_recovered`.
    pub fn new(counters: Arc<Counters>) -> Self {
        Self {
            counters,
            twcc_ids: HashMap::new(),
            read: VecDeque::new(),
            write: VecDeque::new(),
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for RecoveredCounter {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if msg.message.has(&Attribute::RecoveredByFec) {
            Counters::add(&self.counters.video_fec_recovered, 1);
            if let Packet::Rtp(rtp) = &mut msg.message.packet {
                if let Some(&id) = self.twcc_ids.get(&rtp.header.ssrc) {
                    // Absent (an error) when the peer did not number it: nothing to remove.
                    let _ = rtp.header.del_extension(id);
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
        self.write.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write.pop_front()
    }
}

impl Interceptor for RecoveredCounter {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}

    fn bind_remote_stream(&mut self, info: &StreamInfo) {
        if let Some(id) = twcc::extension_id(info) {
            self.twcc_ids.insert(info.ssrc, id);
        }
    }

    fn unbind_remote_stream(&mut self, info: &StreamInfo) {
        self.twcc_ids.remove(&info.ssrc);
    }
}
