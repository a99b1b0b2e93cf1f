//! An interceptor for RTCP sender reports, both ways.
//!
//! Inbound: every SR is copied into the session's [`SyncLink`] (NTP ↔ RTP of the
//! peer's streams) and passed on unchanged.
//!
//! Outbound: `webrtc` 0.21's SR generator (`rtc-interceptor` `report/sender_stream.rs`)
//! ties the last frame's RTP timestamp to the moment its first packet went down the
//! chain, and extrapolates to the report's NTP time (the system clock, the clock our
//! capture times use). Our RTP timestamps follow the *capture* clock, and frames are
//! written later than captured: audio a 20 ms frame plus processing and encoding after
//! its first sample, video after conversion and encoding. So each report's RTP time is
//! moved on by that stream's write lag, making NTP and RTP agree on the capture clock
//! for both streams (libwebrtc computes its SR's RTP time from the capture time the same
//! way). The NTP time is left alone: the peer echoes it in receiver reports for RTT.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::sender_report::SenderReport as RtcpSenderReport;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

use super::core::SenderReport;
use super::link::{Kind, SyncLink};

/// The chain position: nearer the wire than the SR generator (11 000), so it sees the
/// reports it writes, and after the receiver-report interceptor (10 000) on the read leg.
pub const SYNC_SLOT: usize = 10_500;

/// See the module documentation.
pub struct SenderReportSync {
    link: Arc<SyncLink>,
    /// Our streams: SSRC → (kind, clock rate).
    local: HashMap<u32, (Kind, u32)>,
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl SenderReportSync {
    pub fn new(link: Arc<SyncLink>) -> Self {
        Self {
            link,
            local: HashMap::new(),
            read: VecDeque::new(),
            write: VecDeque::new(),
        }
    }

    /// The report with its RTP time moved to the capture clock, if it is one of ours.
    fn on_capture_clock(&self, sr: &RtcpSenderReport) -> Option<RtcpSenderReport> {
        let (kind, rate) = *self.local.get(&sr.ssrc)?;
        let lag = self.link.write_lag(kind);
        let ticks = (lag.as_micros() as u64 * u64::from(rate) / 1_000_000) as u32;
        Some(RtcpSenderReport {
            rtp_time: sr.rtp_time.wrapping_add(ticks),
            ..sr.clone()
        })
    }
}

/// NTP 32.32 fixed point → µs since the NTP epoch.
#[must_use]
pub fn ntp_to_us(ntp: u64) -> i64 {
    let secs = (ntp >> 32) as i64;
    let frac = ((ntp & 0xffff_ffff) * 1_000_000) >> 32;
    secs * 1_000_000 + frac as i64
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for SenderReportSync {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for sr in packets
                .iter()
                .filter_map(|p| p.as_any().downcast_ref::<RtcpSenderReport>())
            {
                self.link.on_report(
                    sr.ssrc,
                    SenderReport {
                        ntp_us: ntp_to_us(sr.ntp_time),
                        rtp: sr.rtp_time,
                        received_at: msg.now,
                    },
                );
            }
        }
        self.read.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read.pop_front()
    }

    fn handle_write(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &mut msg.message.packet {
            for p in packets.iter_mut() {
                let moved = p
                    .as_any()
                    .downcast_ref::<RtcpSenderReport>()
                    .and_then(|sr| self.on_capture_clock(sr));
                if let Some(sr) = moved {
                    *p = Box::new(sr);
                }
            }
        }
        self.write.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write.pop_front()
    }
}

impl Interceptor for SenderReportSync {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        let mime = info.mime_type.to_ascii_lowercase();
        let kind = if mime.starts_with("audio/") {
            Kind::Audio
        } else if mime.starts_with("video/") {
            Kind::Video
        } else {
            return;
        };
        self.local.insert(info.ssrc, (kind, info.clock_rate));
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.local.remove(&info.ssrc);
    }
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::interceptor::AttributedPacket;
    use rtc::shared::TransportContext;
    use std::time::Duration;

    fn sr_packet(now: Instant, ssrc: u32, rtp_time: u32) -> TaggedPacket {
        TaggedPacket {
            now,
            transport: TransportContext::default(),
            message: AttributedPacket::new(Packet::Rtcp(vec![Box::new(RtcpSenderReport {
                ssrc,
                ntp_time: (7 << 32) | 0x4000_0000,
                rtp_time,
                ..Default::default()
            })])),
        }
    }

    fn sr_of(msg: &TaggedPacket) -> RtcpSenderReport {
        let Packet::Rtcp(packets) = &msg.message.packet else {
            panic!("not RTCP");
        };
        packets[0]
            .as_any()
            .downcast_ref::<RtcpSenderReport>()
            .expect("an SR")
            .clone()
    }

    #[test]
    fn ntp_fixed_point_to_micros() {
        assert_eq!(ntp_to_us(0), 0);
        assert_eq!(ntp_to_us(3 << 32), 3_000_000);
        assert_eq!(ntp_to_us((5 << 32) | 0x8000_0000), 5_500_000);
    }

    #[test]
    fn our_reports_move_to_the_capture_clock_and_the_peers_are_kept() {
        let link = Arc::new(SyncLink::default());
        let mut i = SenderReportSync::new(link.clone());
        for (ssrc, mime, rate) in [(1, "audio/opus", 48_000), (2, "video/VP8", 90_000)] {
            i.bind_local_stream(&StreamInfo {
                ssrc,
                mime_type: mime.into(),
                clock_rate: rate,
                ..Default::default()
            });
        }
        link.set_write_lag(Kind::Audio, Duration::from_millis(25));
        link.set_write_lag(Kind::Video, Duration::from_millis(10));
        let now = Instant::now();
        // (ssrc, RTP time written by the SR generator, RTP time sent)
        let table = [
            (1, 1_000, 1_000 + 25 * 48),
            (2, u32::MAX - 100, (u32::MAX - 100).wrapping_add(10 * 90)),
            (3, 5_000, 5_000), // not ours: untouched
        ];
        for (ssrc, written, sent) in table {
            i.handle_write(sr_packet(now, ssrc, written))
                .expect("write");
            let out = i.poll_write().expect("passed on");
            let sr = sr_of(&out);
            assert_eq!((sr.ssrc, sr.rtp_time), (ssrc, sent));
            assert_eq!(sr.ntp_time, (7 << 32) | 0x4000_0000, "NTP kept for RTT");
        }

        // The peer's report is stored for the stream we receive, and passed on.
        link.set_received_ssrc(Kind::Video, 9);
        i.handle_read(sr_packet(now, 9, 4_242)).expect("read");
        assert!(i.poll_read().is_some());
        let got = link.report(Kind::Video).expect("stored");
        assert_eq!((got.ntp_us, got.rtp), (7_250_000, 4_242));
        assert_eq!(link.report(Kind::Audio), None);
    }
}
