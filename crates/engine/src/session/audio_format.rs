//! The audio payload formats of a call: plain Opus, or Opus inside RED (RFC 2198,
//! `red/48000/2` with fmtp `<opus>/<opus>`, as Chromium offers it) when the peer
//! negotiated it. Pure: which payload types were negotiated, what a received packet is,
//! and how many earlier frames each sent packet repeats (plus [`prefer_red`], which asks
//! the peer connection to list RED first).
//!
//! We send RED whenever it was negotiated (Chromium decodes RED whatever the order), and
//! list it before Opus in our offers and answers, because Chromium sends RED only when
//! the peer's description lists it first. A receiver learns the payload types from the negotiated codecs: an answer
//! uses the offerer's numbers, so they need not be ours.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;

use peercall_media::{parse_red, CodecError, RedBlock};
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodecParameters};
use webrtc::peer_connection::PeerConnection;
use webrtc::rtp_transceiver::RtpSender;

use super::build::{opus_codec, OPUS_PT};

/// Payload type we offer for audio RED (Chromium's number).
pub const RED_PT: u8 = 63;
/// RED's MIME type.
const MIME_TYPE_RED: &str = "audio/red";
/// Loss (percent, as the peer reports it) from which each packet repeats two earlier
/// frames instead of one: two losses in a row are then likely enough to matter.
const LOSS_FOR_DISTANCE_TWO: i32 = 10;

/// The RED codec as offered: redundancy made of Opus frames.
#[must_use]
pub fn red_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_RED.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: format!("{OPUS_PT}/{OPUS_PT}"),
        rtcp_feedback: vec![],
    }
}

/// The payload types a call's audio uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioFormats {
    pub opus: u8,
    /// RED carrying Opus, if negotiated.
    pub red: Option<u8>,
}

impl Default for AudioFormats {
    /// Ours, as offered (until negotiation says otherwise).
    fn default() -> Self {
        Self {
            opus: OPUS_PT,
            red: Some(RED_PT),
        }
    }
}

impl AudioFormats {
    /// From the negotiated codecs; `None` without Opus. RED counts only if its fmtp
    /// names nothing but that Opus payload type (an empty fmtp names nothing).
    #[must_use]
    pub fn negotiated(codecs: &[RTCRtpCodecParameters]) -> Option<Self> {
        let is = |c: &RTCRtpCodecParameters, mime: &str| {
            c.rtp_codec.mime_type.eq_ignore_ascii_case(mime)
        };
        let opus = codecs.iter().find(|c| is(c, MIME_TYPE_OPUS))?.payload_type;
        let red = codecs
            .iter()
            .find(|c| {
                is(c, MIME_TYPE_RED)
                    && c.rtp_codec
                        .sdp_fmtp_line
                        .split('/')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .all(|pt| pt.parse::<u8>() == Ok(opus))
            })
            .map(|c| c.payload_type);
        Some(Self { opus, red })
    }
}

/// What a received audio packet holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Received<'a> {
    Opus(&'a [u8]),
    /// RED blocks, oldest first; a block of another codec is emptied (kept in place, as
    /// its position tells how many packets back the others are).
    Red(Vec<RedBlock<'a>>),
    /// A payload type we do not decode (comfort noise, DTMF, …).
    Other,
}

impl AudioFormats {
    /// Reads a received packet of payload type `pt`.
    pub fn classify<'a>(&self, pt: u8, payload: &'a [u8]) -> Result<Received<'a>, CodecError> {
        if pt == self.opus {
            return Ok(Received::Opus(payload));
        }
        if Some(pt) != self.red {
            return Ok(Received::Other);
        }
        let mut blocks = parse_red(payload)?;
        for b in &mut blocks {
            if b.payload_type != self.opus {
                b.payload = &[];
            }
        }
        Ok(Received::Red(blocks))
    }
}

/// How many earlier frames each RED packet repeats, for the loss the peer reports.
#[must_use]
pub fn red_distance(loss_pct: i32) -> usize {
    if loss_pct >= LOSS_FOR_DISTANCE_TWO {
        2
    } else {
        1
    }
}

/// Lists RED before Opus in what we offer or answer for `sender`'s transceiver, so that
/// Chromium, which sends RED only when the peer's description lists it first, sends it
/// too. Failing that, the call goes on without (logged).
pub async fn prefer_red(pc: &Arc<dyn PeerConnection>, sender: &Arc<dyn RtpSender>) {
    let preferences = vec![
        RTCRtpCodecParameters {
            rtp_codec: red_codec(),
            payload_type: RED_PT,
        },
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(),
            payload_type: OPUS_PT,
        },
    ];
    for t in pc.get_transceivers().await {
        let ours = matches!(t.sender().await, Ok(Some(s)) if s.id() == sender.id());
        if ours {
            if let Err(e) = t.set_codec_preferences(preferences).await {
                tracing::debug!("audio codec preferences (RED first): {e}");
            }
            return;
        }
    }
}

/// [`AudioFormats`] shared between the session (which learns them when media starts)
/// and the audio receive loop.
#[derive(Debug)]
pub struct SharedAudioFormats {
    opus: AtomicU16,
    /// `NO_RED` when not negotiated.
    red: AtomicU16,
}

const NO_RED: u16 = u16::MAX;

impl Default for SharedAudioFormats {
    fn default() -> Self {
        let f = AudioFormats::default();
        let s = Self {
            opus: AtomicU16::new(0),
            red: AtomicU16::new(NO_RED),
        };
        s.set(f);
        s
    }
}

impl SharedAudioFormats {
    pub fn set(&self, f: AudioFormats) {
        self.opus.store(u16::from(f.opus), Ordering::Relaxed);
        self.red
            .store(f.red.map_or(NO_RED, u16::from), Ordering::Relaxed);
    }

    #[must_use]
    pub fn get(&self) -> AudioFormats {
        let opus = self.opus.load(Ordering::Relaxed) as u8;
        let red = self.red.load(Ordering::Relaxed);
        AudioFormats {
            opus,
            red: (red != NO_RED).then_some(red as u8),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peercall_media::RedEncoder;

    fn codec(pt: u8, mime: &str, fmtp: &str) -> RTCRtpCodecParameters {
        RTCRtpCodecParameters {
            rtp_codec: RTCRtpCodec {
                mime_type: mime.to_owned(),
                clock_rate: 48_000,
                channels: 2,
                sdp_fmtp_line: fmtp.to_owned(),
                rtcp_feedback: vec![],
            },
            payload_type: pt,
        }
    }

    #[test]
    fn negotiated_formats_follow_the_codec_list() {
        let opus = |pt| codec(pt, "audio/opus", "minptime=10;useinbandfec=1");
        let cases = vec![
            (
                "ours",
                vec![opus(111), codec(63, "audio/red", "111/111")],
                Some((111, Some(63))),
            ),
            // Chromium's offer, answered with its numbers.
            (
                "chromium",
                vec![
                    opus(109),
                    codec(100, "audio/RED", "109/109"),
                    codec(0, "audio/PCMU", ""),
                ],
                Some((109, Some(100))),
            ),
            ("no red", vec![opus(111)], Some((111, None))),
            (
                "red of another codec",
                vec![opus(111), codec(63, "audio/red", "0/0")],
                Some((111, None)),
            ),
            (
                "red with an empty fmtp",
                vec![opus(111), codec(63, "audio/red", "")],
                Some((111, Some(63))),
            ),
            ("no opus", vec![codec(63, "audio/red", "111/111")], None),
        ];
        for (what, codecs, want) in cases {
            let got = AudioFormats::negotiated(&codecs).map(|f| (f.opus, f.red));
            assert_eq!(got, want, "{what}");
        }
    }

    #[test]
    fn received_packets_are_told_apart_by_payload_type() {
        let f = AudioFormats::default();
        let mut enc = RedEncoder::new(111, 1);
        enc.encode(0, &[1]);
        let red = enc.encode(960, &[2]);
        assert_eq!(f.classify(111, &[9]).expect("opus"), Received::Opus(&[9]));
        assert_eq!(f.classify(13, &[9]).expect("cn"), Received::Other);
        let Received::Red(blocks) = f.classify(63, &red).expect("red") else {
            panic!("not RED");
        };
        assert_eq!(
            blocks.iter().map(|b| b.payload).collect::<Vec<_>>(),
            [&[1u8][..], &[2]]
        );
        // A block of another codec is emptied in place.
        let mut other = RedEncoder::new(0, 1);
        other.encode(0, &[1]);
        let packet = other.encode(960, &[2]);
        let Received::Red(blocks) = f.classify(63, &packet).expect("red") else {
            panic!("not RED");
        };
        assert!(blocks.iter().all(|b| b.payload.is_empty()));
        assert!(f.classify(63, &[0x80]).is_err());
        let plain = AudioFormats {
            opus: 111,
            red: None,
        };
        assert_eq!(plain.classify(63, &red).expect("other"), Received::Other);
    }

    #[test]
    fn distance_two_from_ten_percent_loss() {
        assert_eq!([0, 5, 9, 10, 20].map(red_distance), [1, 1, 1, 2, 2]);
    }

    #[test]
    fn shared_formats_round_trip() {
        let s = SharedAudioFormats::default();
        assert_eq!(s.get(), AudioFormats::default());
        let f = AudioFormats {
            opus: 109,
            red: None,
        };
        s.set(f);
        assert_eq!(s.get(), f);
    }
}
