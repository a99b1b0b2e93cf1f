//! How the microphone's 10 ms frames become Opus packets: one frame per packet (10 ms)
//! while the link has room, two (20 ms) on a thin one. Pure: frames and the bandwidth
//! estimate in, packets out.
//!
//! Why 10 ms. A sample waits for its frame to fill before it can be encoded, and on the
//! receiving side plays as far into the packet as it was captured: the frame's length is
//! paid once, whole, on every sample's mouth-to-ear. 10 ms packets take 10 ms off it
//! (BENCHMARKS, "The voice's send path"). The cost is a packet header per 10 ms instead
//! of per 20 (IPv4 + UDP + RTP + its header extensions + SRTP's tag ≈ 62 bytes) and a
//! little coding efficiency (SILK's 10 ms frames carry their own side information):
//! measured at our 32 kbit/s (`peercall-media` example `opus_frame_length`), 43 bytes
//! per 10 ms packet against 77 per 20 ms, so 84 kbit/s on the wire against 56, 122
//! against 89 with RED: ≈ 30 kbit/s more. On a link of a few Mbit/s that is nothing;
//! on a 500 kbit/s one it is 6 % of the link, taken from the video, and such a link
//! queues far more than 10 ms anyway. So below [`THIN_BPS`] of estimated bandwidth
//! packets are 20 ms again
//! (libwebrtc's audio network adaptor switches frame length by uplink bandwidth the same
//! way, 20 → 60 ms), and back to 10 ms from [`AMPLE_BPS`]; the gap between the two keeps
//! an estimate near one threshold from flapping. The receiver reads each packet's
//! duration from the packet itself (NetEQ and ours), so a switch needs no signalling.
//! An estimate is only the link's when the link limits it: the estimator goes no higher
//! than what the call sends ([`estimate_ceiling_bps`]: 396 kbit/s with a 320x240
//! camera, audio's own rate with the camera off), so the thresholds are brought under
//! that ceiling (4/5 and 9/10 of it): a small picture, or none, on a fat link keeps 10 ms
//! packets.
//!
//! Loss: RED repeats the previous *packet*, so at distance 1 a 10 ms packet's copy covers
//! 10 ms. With losses independent per packet the share of audio lost with its copy is the
//! same at either length (a packet and its successor both lost: p²); a burst longer than
//! one packet is covered no worse than at 20 ms once it spans two (RED distance 2 from 10
//! % loss, `audio_format.rs`).

use peercall_media::AUDIO_FRAME_SAMPLES;

/// Below this estimate (bit/s) packets are 20 ms.
pub(crate) const THIN_BPS: u64 = 500_000;
/// From this estimate (bit/s) packets are 10 ms again.
pub(crate) const AMPLE_BPS: u64 = 650_000;
/// Capture frames at most this far apart (µs) are contiguous: they share a packet, and
/// the RTP timeline (`send.rs`) advances by one frame between them. Capture stamps jitter
/// by a few ms and a stalled thread by more; a longer gap is real time with no microphone.
pub(crate) const CONTIGUOUS_US: u64 = FRAME_US + 30_000;
/// One capture frame, µs.
const FRAME_US: u64 = AUDIO_FRAME_SAMPLES as u64 * 1_000_000 / 48_000;

/// The most the bandwidth estimator goes to (bit/s): the video's highest bitrate plus
/// what audio takes at its largest ([`audio_reserve_bps`] of 10 ms packets).
pub(crate) fn estimate_ceiling_bps(video_max_kbps: u32) -> u64 {
    u64::from(video_max_kbps) * 1000 + audio_reserve_bps(1)
}

/// Frames per packet, from the bandwidth estimate (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PacketLength {
    frames: usize,
}

impl Default for PacketLength {
    fn default() -> Self {
        Self { frames: 1 }
    }
}

impl PacketLength {
    /// Frames per packet now.
    pub(crate) fn frames(self) -> usize {
        self.frames
    }

    /// Takes the latest estimate (0: none yet, changes nothing) and what the call sends
    /// at most now (`ceiling_bps`: an estimate near it is the call's own demand, not a
    /// thin link); returns frames per packet.
    pub(crate) fn on_estimate(&mut self, bps: u64, ceiling_bps: u64) -> usize {
        let thin = THIN_BPS.min(ceiling_bps / 5 * 4);
        let ample = AMPLE_BPS.min(ceiling_bps / 10 * 9);
        if bps > 0 {
            if self.frames == 1 && bps < thin {
                self.frames = 2;
            } else if self.frames > 1 && bps >= ample {
                self.frames = 1;
            }
        }
        self.frames
    }
}

/// What the video encoder leaves for audio (bit/s), by frames per packet: the voice's
/// measured wire rate (56 / 84 kbit/s at 20 / 10 ms, with RED 89 / 122; see the module
/// documentation) less the headroom GoogCC's target already has for RTCP and padding.
/// 64 kbit/s was the reserve when every packet was 20 ms; 10 ms packets take ~30 more.
pub(crate) fn audio_reserve_bps(frames_per_packet: usize) -> u64 {
    if frames_per_packet <= 1 {
        96_000
    } else {
        64_000
    }
}

/// A packet's audio: the capture time of its first sample and its samples.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PacketAudio {
    pub(crate) capture_time_us: u64,
    pub(crate) samples: Vec<f32>,
}

/// Gathers capture frames into packets of [`PacketLength`] frames.
#[derive(Debug, Default)]
pub(crate) struct PacketAssembler {
    pending: Option<PacketAudio>,
    /// Capture time of the last frame taken in.
    last_us: u64,
}

impl PacketAssembler {
    /// Takes one frame captured at `capture_time_us`; returns the packets it completes
    /// (none, one, or two when it does not follow the one waiting, which goes alone).
    /// No allocation besides the packet's samples (this runs every 10 ms).
    pub(crate) fn push(
        &mut self,
        capture_time_us: u64,
        samples: &[f32],
        frames_per_packet: usize,
    ) -> impl Iterator<Item = PacketAudio> {
        let follows = capture_time_us
            .checked_sub(self.last_us)
            .is_some_and(|d| d <= CONTIGUOUS_US);
        let alone = if follows { None } else { self.pending.take() };
        self.last_us = capture_time_us;
        let packet = self.pending.get_or_insert_with(|| PacketAudio {
            capture_time_us,
            samples: Vec::with_capacity(frames_per_packet.max(1) * AUDIO_FRAME_SAMPLES),
        });
        packet.samples.extend_from_slice(samples);
        let whole = if packet.samples.len() >= frames_per_packet.max(1) * AUDIO_FRAME_SAMPLES {
            self.pending.take()
        } else {
            None
        };
        alone.into_iter().chain(whole)
    }

    /// Drops the frame waiting, if any (the microphone was muted: it is not sent); returns
    /// its capture time.
    pub(crate) fn discard(&mut self) -> Option<u64> {
        self.pending.take().map(|p| p.capture_time_us)
    }
}

/// The reserve as the audio sender publishes it: [`audio_reserve_bps`] for the packet
/// length in force, none while the microphone is muted (nothing is sent, so video may
/// have the room), published only when it changes.
#[derive(Debug, Default)]
pub(crate) struct AudioReserve {
    published: Option<u64>,
}

impl AudioReserve {
    /// After each capture frame: the reserve to publish, if it changed.
    pub(crate) fn on_frame(&mut self, muted: bool, frames_per_packet: usize) -> Option<u64> {
        let bps = if muted {
            0
        } else {
            audio_reserve_bps(frames_per_packet)
        };
        (self.published != Some(bps)).then(|| {
            self.published = Some(bps);
            bps
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_follows_the_packet_length_and_mute() {
        let mut r = AudioReserve::default();
        // (muted, frames per packet, published)
        let table = [
            (false, 1, Some(audio_reserve_bps(1))),
            (false, 1, None),
            (false, 2, Some(audio_reserve_bps(2))),
            (true, 2, Some(0)),
            (true, 1, None),
            (false, 1, Some(audio_reserve_bps(1))),
        ];
        for (k, (muted, frames, want)) in table.into_iter().enumerate() {
            assert_eq!(r.on_frame(muted, frames), want, "frame {k}");
        }
        let mut starts_muted = AudioReserve::default();
        assert_eq!(starts_muted.on_frame(true, 1), Some(0));
    }

    #[test]
    fn video_leaves_more_room_for_10_ms_packets() {
        // 10 ms packets take at least the measured 28 kbit/s of headers more (84 vs 56
        // kbit/s on the wire); longer packets never take more than 20 ms ones.
        let (ten, twenty) = (audio_reserve_bps(1), audio_reserve_bps(2));
        assert!(ten >= twenty + 28_000, "{ten} vs {twenty}");
        assert!(audio_reserve_bps(4) <= twenty);
    }

    #[test]
    fn an_estimate_at_the_call_s_own_ceiling_is_not_a_thin_link() {
        // A 320x240 camera asks for 300 kbit/s of video: the estimator stops at 396.
        let ceiling = estimate_ceiling_bps(300);
        assert_eq!(ceiling, 396_000);
        let mut l = PacketLength::default();
        // (estimate, frames per packet after it)
        let table = [
            (396_000, 1),
            (330_000, 1),
            (316_000, 2),
            (350_000, 2),
            (356_400, 1),
        ];
        for (k, (bps, frames)) in table.into_iter().enumerate() {
            assert_eq!(l.on_estimate(bps, ceiling), frames, "step {k}: {bps}");
        }
        // The camera off: the call sends audio alone, which the start value (300 kbit/s)
        // already covers; only an estimate under 4/5 of audio's own rate is thin.
        let audio = estimate_ceiling_bps(0);
        let mut l = PacketLength::default();
        for (k, (bps, frames)) in [
            (300_000, 1),
            (80_000, 1),
            (76_000, 2),
            (86_000, 2),
            (86_400, 1),
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(
                l.on_estimate(bps, audio),
                frames,
                "camera off, step {k}: {bps}"
            );
        }
    }

    #[test]
    fn packets_are_20_ms_on_a_thin_link_and_10_ms_again_with_room() {
        let mut l = PacketLength::default();
        // (estimate, frames per packet after it)
        let table = [
            (0, 1),
            (800_000, 1),
            (520_000, 1),
            (499_999, 2),
            (0, 2),
            (600_000, 2),
            (649_999, 2),
            (650_000, 1),
            (2_000_000, 1),
            (300_000, 2),
        ];
        for (i, (bps, want)) in table.into_iter().enumerate() {
            // A 720p camera's ceiling is far above the thresholds: they stay.
            let ceiling = estimate_ceiling_bps(2_500);
            assert_eq!(l.on_estimate(bps, ceiling), want, "row {i}: {bps} bit/s");
        }
    }

    fn frame(tag: f32) -> Vec<f32> {
        vec![tag; AUDIO_FRAME_SAMPLES]
    }

    /// A packet out: its first capture time, ms, and the tags of its frames.
    type Packet = (u64, Vec<f32>);
    /// A case: what, frames in (capture ms, frames per packet), packets out.
    type Case = (&'static str, Vec<(u64, usize)>, Vec<Packet>);

    /// (capture ms, frames per packet) in; the packets out.
    fn run(frames: &[(u64, usize)]) -> Vec<Packet> {
        let mut a = PacketAssembler::default();
        let mut out = Vec::new();
        for (i, &(ms, per)) in frames.iter().enumerate() {
            for p in a.push(ms * 1000, &frame(i as f32), per) {
                let tags = p
                    .samples
                    .chunks(AUDIO_FRAME_SAMPLES)
                    .map(|c| c[0])
                    .collect();
                assert!(p.samples.len().is_multiple_of(AUDIO_FRAME_SAMPLES));
                out.push((p.capture_time_us / 1000, tags));
            }
        }
        out
    }

    #[test]
    fn frames_become_packets_of_the_length_in_force() {
        let cases: Vec<Case> = vec![
            (
                "10 ms: each frame at once",
                vec![(0, 1), (10, 1), (20, 1)],
                vec![(0, vec![0.0]), (10, vec![1.0]), (20, vec![2.0])],
            ),
            (
                "20 ms: pairs, stamped with the first",
                vec![(0, 2), (10, 2), (20, 2), (30, 2)],
                vec![(0, vec![0.0, 1.0]), (20, vec![2.0, 3.0])],
            ),
            (
                "switch to 10 ms with half a pair waiting: it completes",
                vec![(0, 2), (10, 1), (20, 1)],
                vec![(0, vec![0.0, 1.0]), (20, vec![2.0])],
            ),
            (
                "a gap: the half pair goes alone, the new one waits",
                vec![(0, 2), (10, 2), (20, 2), (200, 2), (210, 2)],
                vec![(0, vec![0.0, 1.0]), (20, vec![2.0]), (200, vec![3.0, 4.0])],
            ),
            (
                "a capture stamp a few ms late still follows",
                vec![(0, 2), (14, 2)],
                vec![(0, vec![0.0, 1.0])],
            ),
            (
                "a stalled capture thread (35 ms) still follows: the timeline says so too",
                vec![(0, 2), (35, 2)],
                vec![(0, vec![0.0, 1.0])],
            ),
            (
                "a clock going back does not join",
                vec![(100, 2), (90, 2), (100, 2)],
                vec![(100, vec![0.0]), (90, vec![1.0, 2.0])],
            ),
        ];
        for (what, frames, want) in cases {
            assert_eq!(run(&frames), want, "{what}");
        }
    }

    #[test]
    fn a_muted_frame_discards_the_half_packet() {
        let mut a = PacketAssembler::default();
        assert!(a.push(0, &frame(1.0), 2).next().is_none());
        assert_eq!(a.discard(), Some(0));
        assert_eq!(a.discard(), None);
        assert!(a.push(20_000, &frame(2.0), 2).next().is_none());
        let p: Vec<_> = a.push(30_000, &frame(3.0), 2).collect();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].capture_time_us, 20_000);
    }
}
