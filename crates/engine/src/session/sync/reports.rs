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
//! way). The lag is measured here, where the packets pass just after the generator saw
//! them: the send thread says which capture instant the frame it writes stands for, and
//! the first packet of each new RTP timestamp is timed against it, so a chain running
//! behind the send thread is counted too. The NTP time is left alone: the peer echoes it
//! in receiver reports for RTT.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Our streams by SSRC.
    local: HashMap<u32, Local>,
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
        let local = self.local.get(&sr.ssrc)?;
        let ticks = (local.lag.as_micros() as u64 * u64::from(local.rate) / 1_000_000) as u32;
        Some(RtcpSenderReport {
            rtp_time: sr.rtp_time.wrapping_add(ticks),
            ..sr.clone()
        })
    }
}

/// One of our streams.
struct Local {
    kind: Kind,
    rate: u32,
    /// The RTP timestamp of the last frame written, and how long after the capture
    /// instant it stands for its first packet came by.
    last_ts: Option<u32>,
    lag: Duration,
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
        if let Packet::Rtp(rtp) = &msg.message.packet {
            if let Some(local) = self.local.get_mut(&rtp.header.ssrc) {
                if local.last_ts != Some(rtp.header.timestamp) {
                    local.last_ts = Some(rtp.header.timestamp);
                    if let Some(at) = self.link.captured_at(local.kind) {
                        local.lag = msg.now.saturating_duration_since(at);
                    }
                }
            }
        }
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
        self.local.insert(
            info.ssrc,
            Local {
                kind,
                rate: info.clock_rate,
                last_ts: None,
                lag: Duration::ZERO,
            },
        );
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

    fn rtp_packet(now: Instant, ssrc: u32, timestamp: u32) -> TaggedPacket {
        let packet = rtc::rtp::Packet {
            header: rtc::rtp::header::Header {
                version: 2,
                ssrc,
                timestamp,
                ..Default::default()
            },
            payload: vec![0u8; 100].into(),
        };
        TaggedPacket {
            now,
            transport: TransportContext::default(),
            message: AttributedPacket::new(Packet::Rtp(packet)),
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
        let link = Arc::new(SyncLink::new(true));
        let mut i = SenderReportSync::new(link.clone());
        for (ssrc, mime, rate) in [(1, "audio/opus", 48_000), (2, "video/VP8", 90_000)] {
            i.bind_local_stream(&StreamInfo {
                ssrc,
                mime_type: mime.into(),
                clock_rate: rate,
                ..Default::default()
            });
        }
        // Each stream's frame is written (its first packet passes here) some time after
        // the capture instant its timestamp stands for.
        let t0 = Instant::now();
        let now = t0 + Duration::from_millis(100);
        for (ssrc, kind, lag_ms) in [(1, Kind::Audio, 25), (2, Kind::Video, 10)] {
            link.set_captured_at(kind, t0);
            let written = now - Duration::from_millis(100 - lag_ms);
            i.handle_write(rtp_packet(written, ssrc, 77)).expect("rtp");
            i.handle_write(rtp_packet(now, ssrc, 77))
                .expect("same frame, later packet");
            while i.poll_write().is_some() {}
        }
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
