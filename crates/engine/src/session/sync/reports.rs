//! An interceptor for RTCP sender reports, both ways.
//!
//! Inbound: every SR is copied into the session's [`SyncLink`] (NTP ↔ RTP of the
//! peer's streams) and passed on unchanged.
//!
//! Outbound: `webrtc` 0.21's SR generator (`rtc-interceptor` `report/sender_stream.rs`)
//! ties the last frame's RTP timestamp to the moment its first packet went down the
//! chain, and pairs that `Instant` with the wall clock read when it processed the packet.
//! Our RTP timestamps follow the *capture* clock, and frames are written later than
//! captured (audio a 10 ms frame plus processing and encoding after its first sample,
//! video after conversion and encoding), and a chain running behind adds its own delay:
//! each stream's report was off by its own, varying amount. So our reports are rewritten
//! here from what we know: the send thread says which capture instant the frame it
//! writes stands for, this interceptor notes it with the frame's RTP timestamp when the
//! first packet of that timestamp passes, and a report gets NTP = the wall clock now (the
//! clock capture times use) and RTP = that timestamp plus the time since that capture
//! instant (libwebrtc computes its SR's RTP time from the capture time the same way).
//! NTP stays the time of sending, so the peer's receiver reports still give the RTT.
//!
//! **Early reports.** `webrtc` sends its first SR a second after the first packet, and a
//! lost one costs another second; until both streams' reports are in, the peer cannot
//! place the picture on the voice's clock (`clock.rs`), and the call's first beeps showed
//! the picture 50–110 ms off. So each of our streams also sends [`EARLY_REPORTS`] reports
//! of its own, [`EARLY_INTERVAL`] apart from its first frame, built the same way (RTCP's
//! few hundred bytes at the call's start).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::interceptor::{AttributedPacket, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::sender_report::SenderReport as RtcpSenderReport;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;
use rtc::shared::TransportContext;

use peercall_media::clock::now_us;

use super::core::SenderReport;
use super::link::{Kind, SyncLink};

/// How many reports each stream sends of its own at its start, and how far apart.
pub const EARLY_REPORTS: u8 = 5;
pub const EARLY_INTERVAL: Duration = Duration::from_millis(100);

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

    /// The report on the capture clock if it is one of ours with a frame written: at
    /// `now`, the wall clock reading `wall_us` (µs since the UNIX epoch).
    fn on_capture_clock(
        &self,
        sr: &RtcpSenderReport,
        now: Instant,
        wall_us: u64,
    ) -> Option<RtcpSenderReport> {
        let local = self.local.get(&sr.ssrc)?;
        let (ntp_time, rtp_time) = local.clock_at(now, wall_us)?;
        Some(RtcpSenderReport {
            ntp_time,
            rtp_time,
            ..sr.clone()
        })
    }

    /// An RTP packet of ours passes at `now`: counted, its frame noted, and while the
    /// stream is young an early report of its own follows it (see the module
    /// documentation).
    fn on_local_rtp(&mut self, ssrc: u32, ts: u32, payload: usize, now: Instant, wall_us: u64) {
        let Some(local) = self.local.get_mut(&ssrc) else {
            return;
        };
        local.packets = local.packets.wrapping_add(1);
        local.octets = local.octets.wrapping_add(payload as u32);
        if local.frame.is_none_or(|(last, _)| last != ts) {
            if let Some(at) = self.link.captured_at(local.kind) {
                local.frame = Some((ts, at));
            }
        }
        if local.early_sent >= EARLY_REPORTS || local.next_early.is_some_and(|t| now < t) {
            return;
        }
        let Some((ntp_time, rtp_time)) = local.clock_at(now, wall_us) else {
            return;
        };
        local.early_sent += 1;
        local.next_early = Some(now + EARLY_INTERVAL);
        let sr = RtcpSenderReport {
            ssrc,
            ntp_time,
            rtp_time,
            packet_count: local.packets,
            octet_count: local.octets,
            ..Default::default()
        };
        self.write.push_back(TaggedPacket {
            now,
            transport: TransportContext::default(),
            message: AttributedPacket::new(Packet::Rtcp(vec![Box::new(sr)])),
        });
    }
}

/// One of our streams.
struct Local {
    kind: Kind,
    rate: u32,
    /// The RTP timestamp of the last frame written and the capture instant it stands for.
    frame: Option<(u32, Instant)>,
    /// RTP packets and payload octets sent (an SR's counts).
    packets: u32,
    octets: u32,
    /// Early reports sent, and when the next may go.
    early_sent: u8,
    next_early: Option<Instant>,
}

impl Local {
    fn new(kind: Kind, rate: u32) -> Self {
        Self {
            kind,
            rate,
            frame: None,
            packets: 0,
            octets: 0,
            early_sent: 0,
            next_early: None,
        }
    }

    /// (NTP, RTP) of the instant `now`, when the wall clock reads `wall_us`, on the
    /// capture clock; `None` before a frame was written.
    fn clock_at(&self, now: Instant, wall_us: u64) -> Option<(u64, u32)> {
        let (ts, captured) = self.frame?;
        let since = now.saturating_duration_since(captured);
        let ticks = (since.as_micros() as u64 * u64::from(self.rate) / 1_000_000) as u32;
        Some((unix_us_to_ntp(wall_us), ts.wrapping_add(ticks)))
    }
}

/// Seconds from the NTP epoch (1900) to the UNIX epoch.
const NTP_UNIX_OFFSET_S: u64 = 2_208_988_800;

/// µs since the UNIX epoch → NTP 32.32 fixed point.
#[must_use]
pub fn unix_us_to_ntp(us: u64) -> u64 {
    let secs = us / 1_000_000 + NTP_UNIX_OFFSET_S;
    let frac = ((us % 1_000_000) << 32) / 1_000_000;
    (secs << 32) | frac
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
        let rtp = match &msg.message.packet {
            Packet::Rtp(rtp) => Some((rtp.header.ssrc, rtp.header.timestamp, rtp.payload.len())),
            _ => None,
        };
        if let Packet::Rtcp(packets) = &mut msg.message.packet {
            for p in packets.iter_mut() {
                let moved = p
                    .as_any()
                    .downcast_ref::<RtcpSenderReport>()
                    .and_then(|sr| self.on_capture_clock(sr, Instant::now(), now_us()));
                if let Some(sr) = moved {
                    *p = Box::new(sr);
                }
            }
        }
        self.write.push_back(msg);
        if let Some((ssrc, ts, payload)) = rtp {
            // As for a rewritten report: the instant and the wall clock read together.
            self.on_local_rtp(ssrc, ts, payload, Instant::now(), now_us());
        }
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
        self.local
            .insert(info.ssrc, Local::new(kind, info.clock_rate));
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
    fn ntp_from_unix_micros() {
        let ntp = unix_us_to_ntp(1_500_000);
        assert_eq!(ntp >> 32, NTP_UNIX_OFFSET_S + 1);
        assert_eq!(
            ntp_to_us(ntp),
            (NTP_UNIX_OFFSET_S as i64 + 1) * 1_000_000 + 500_000
        );
    }

    #[test]
    fn our_reports_go_on_the_capture_clock_and_the_peers_are_kept() {
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
        // Audio's frame (RTP 1 000) was captured 100 ms before the report, video's
        // (RTP 2^32 - 100) 40 ms before; each frame's first packet passes later (when
        // does not matter), and a later packet of the same frame changes nothing.
        let t0 = Instant::now();
        let report_at = t0 + Duration::from_millis(100);
        for (ssrc, kind, ts, captured) in [
            (1, Kind::Audio, 1_000, t0),
            (
                2,
                Kind::Video,
                u32::MAX - 100,
                t0 + Duration::from_millis(60),
            ),
        ] {
            link.set_captured_at(kind, captured);
            i.handle_write(rtp_packet(report_at, ssrc, ts))
                .expect("rtp");
            link.set_captured_at(kind, report_at); // the next frame's, not yet written
            i.handle_write(rtp_packet(report_at, ssrc, ts))
                .expect("same frame");
            while i.poll_write().is_some() {}
        }
        let wall_us = 1_700_000_000_123_456;
        // (ssrc, RTP time on the capture clock at the report)
        let table = [
            (1, Some(1_000 + 100 * 48)),
            (2, Some((u32::MAX - 100).wrapping_add(40 * 90))),
            (3, None), // not ours: untouched
        ];
        for (ssrc, want) in table {
            let Packet::Rtcp(mut packets) = sr_packet(report_at, ssrc, 5).message.packet else {
                unreachable!()
            };
            let sr = packets
                .remove(0)
                .as_any()
                .downcast_ref::<RtcpSenderReport>()
                .cloned()
                .expect("an SR");
            let got = i.on_capture_clock(&sr, report_at, wall_us);
            assert_eq!(got.as_ref().map(|r| r.rtp_time), want, "ssrc {ssrc}");
            if let Some(r) = got {
                assert_eq!(r.ntp_time, unix_us_to_ntp(wall_us));
                assert_eq!((r.ssrc, r.packet_count), (sr.ssrc, sr.packet_count));
            }
        }
        // Through the chain: ours rewritten, others passed as they were.
        i.handle_write(sr_packet(report_at, 3, 5)).expect("write");
        assert_eq!(sr_of(&i.poll_write().expect("passed on")).rtp_time, 5);
        i.handle_write(sr_packet(report_at, 1, 5)).expect("write");
        assert_ne!(sr_of(&i.poll_write().expect("passed on")).rtp_time, 5);

        // The peer's report is stored for the stream we receive, and passed on.
        link.set_received_ssrc(Kind::Video, 9);
        i.handle_read(sr_packet(report_at, 9, 4_242)).expect("read");
        assert!(i.poll_read().is_some());
        let got = link.report(Kind::Video).expect("stored");
        assert_eq!((got.ntp_us, got.rtp), (7_250_000, 4_242));
        assert_eq!(link.report(Kind::Audio), None);
    }

    #[test]
    fn a_young_stream_sends_early_reports_of_its_own() {
        let link = Arc::new(SyncLink::new(true));
        let mut i = SenderReportSync::new(link.clone());
        i.bind_local_stream(&StreamInfo {
            ssrc: 1,
            mime_type: "audio/opus".into(),
            clock_rate: 48_000,
            ..Default::default()
        });
        let t0 = Instant::now();
        // Before a capture instant is known, nothing to report.
        i.on_local_rtp(1, 0, 100, t0, 0);
        assert!(i.poll_write().is_none());
        // A 10 ms packet every 10 ms for a second; each captured 5 ms before it is sent.
        let mut reports = Vec::new();
        for k in 1..=100u32 {
            let at = t0 + Duration::from_millis(u64::from(k) * 10);
            link.set_captured_at(Kind::Audio, at - Duration::from_millis(5));
            i.on_local_rtp(1, k * 480, 100, at, 1_000_000 + u64::from(k) * 10_000);
            while let Some(out) = i.poll_write() {
                reports.push((k, sr_of(&out)));
            }
        }
        let ks: Vec<u32> = reports.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            ks,
            [1, 11, 21, 31, 41],
            "the first with the first frame, 100 ms apart"
        );
        for (k, sr) in &reports {
            assert_eq!(sr.ssrc, 1);
            assert_eq!(sr.packet_count, k + 1, "packets sent so far");
            assert_eq!(sr.octet_count, (k + 1) * 100);
            // The RTP time of the instant sent (the frame's, 5 ms on) and the wall clock.
            assert_eq!(sr.rtp_time, k * 480 + 5 * 48);
            assert_eq!(
                sr.ntp_time,
                unix_us_to_ntp(1_000_000 + u64::from(*k) * 10_000)
            );
        }
    }
}
