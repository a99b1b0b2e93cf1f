//! Opus at 48 kHz mono in 10 or 20 ms packets, with in-band FEC, DTX and packet-loss
//! concealment.
//!
//! VoIP application: SILK or hybrid coding for speech, which is what carries in-band FEC
//! (Chromium without RED relies on it). Its look-ahead is 6.5 ms; the low-delay
//! application would save 4 of them but codes CELT only: no in-band FEC at all and
//! poorer speech at our 32 kbit/s, so it is not used ([`OpusEncoder::lookahead_samples`]).

use crate::error::CodecError;
use crate::frame::AUDIO_FRAME_SAMPLES;
use opus::{Application, Bitrate, Channels};

/// Largest Opus packet we produce (RFC 6716 allows 1275 bytes per frame).
const MAX_PACKET: usize = 1275;
/// Longest Opus packet duration: 120 ms at 48 kHz.
const MAX_FRAME_SAMPLES: usize = 5760;
/// Packet durations we encode: 10, 20, 40 and 60 ms (SILK's frame is 10 or 20 ms; 2.5
/// and 5 ms would be CELT only).
const PACKET_SAMPLES: [usize; 4] = [
    AUDIO_FRAME_SAMPLES,
    2 * AUDIO_FRAME_SAMPLES,
    4 * AUDIO_FRAME_SAMPLES,
    6 * AUDIO_FRAME_SAMPLES,
];

/// Encoder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusConfig {
    /// Target bitrate, bit/s.
    pub bitrate_bps: i32,
    /// In-band forward error correction (each packet carries a low-rate copy of the last).
    pub fec: bool,
    /// Discontinuous transmission: tiny packets during silence.
    pub dtx: bool,
    /// Expected packet loss, percent (drives how much FEC the encoder spends).
    pub expected_loss_pct: i32,
    /// Encoder complexity 0..=10.
    pub complexity: i32,
}

impl Default for OpusConfig {
    fn default() -> Self {
        Self {
            bitrate_bps: 32_000,
            fec: true,
            dtx: false,
            expected_loss_pct: 10,
            complexity: 9,
        }
    }
}

/// Opus encoder for mono packets of one or more 10 ms capture frames.
pub struct OpusEncoder {
    inner: opus::Encoder,
    buf: Vec<u8>,
}

impl OpusEncoder {
    /// Creates an encoder (VoIP application mode).
    pub fn new(config: OpusConfig) -> Result<Self, CodecError> {
        let mut inner = opus::Encoder::new(48_000, Channels::Mono, Application::Voip)?;
        inner.set_bitrate(Bitrate::Bits(config.bitrate_bps))?;
        inner.set_inband_fec(config.fec)?;
        inner.set_dtx(config.dtx)?;
        inner.set_packet_loss_perc(config.expected_loss_pct.clamp(0, 100))?;
        inner.set_complexity(config.complexity.clamp(0, 10))?;
        // Speech coding (SILK or hybrid), which is what carries in-band FEC: in its
        // music mode (CELT only, e.g. for a steady test tone) FEC is not sent at all.
        inner.set_signal(opus::Signal::Voice)?;
        Ok(Self {
            inner,
            buf: vec![0; MAX_PACKET],
        })
    }

    /// Changes the target bitrate.
    pub fn set_bitrate(&mut self, bps: i32) -> Result<(), CodecError> {
        Ok(self
            .inner
            .set_bitrate(Bitrate::Bits(bps.clamp(6_000, 510_000)))?)
    }

    /// The encoder's look-ahead: how much later than its input its audio comes out of a
    /// decoder (312 samples, 6.5 ms, in the VoIP application).
    pub fn lookahead_samples(&mut self) -> Result<usize, CodecError> {
        Ok(usize::try_from(self.inner.get_lookahead()?).unwrap_or(0))
    }

    /// Tells the encoder how much loss to protect against with FEC.
    pub fn set_expected_loss(&mut self, percent: i32) -> Result<(), CodecError> {
        Ok(self.inner.set_packet_loss_perc(percent.clamp(0, 100))?)
    }

    /// Encodes one packet of 10, 20, 40 or 60 ms (a whole number of
    /// [`AUDIO_FRAME_SAMPLES`] frames, one Opus frame duration).
    pub fn encode(&mut self, pcm: &[f32]) -> Result<Vec<u8>, CodecError> {
        if !PACKET_SAMPLES.contains(&pcm.len()) {
            return Err(CodecError::InvalidInput(format!(
                "an Opus packet must be one of {PACKET_SAMPLES:?} samples, got {}",
                pcm.len()
            )));
        }
        let n = self.inner.encode_float(pcm, &mut self.buf)?;
        Ok(self.buf[..n].to_vec())
    }
}

/// Opus decoder producing mono audio of each packet's duration, concealing lost packets.
pub struct OpusDecoder {
    inner: opus::Decoder,
}

impl OpusDecoder {
    /// Creates a decoder.
    pub fn new() -> Result<Self, CodecError> {
        Ok(Self {
            inner: opus::Decoder::new(48_000, Channels::Mono)?,
        })
    }

    /// Decodes a received packet; an empty one (a peer that sent no payload) is
    /// concealed for one capture frame ([`AUDIO_FRAME_SAMPLES`]).
    pub fn decode(&mut self, packet: &[u8]) -> Result<Vec<f32>, CodecError> {
        if packet.is_empty() {
            return self.conceal_for(AUDIO_FRAME_SAMPLES);
        }
        self.run(packet, false)
    }

    /// Synthesises `samples` samples (a multiple of 2.5 ms) of concealment (PLC).
    pub fn conceal_for(&mut self, samples: usize) -> Result<Vec<f32>, CodecError> {
        self.run_len(&[], false, samples)
    }

    /// Rebuilds the `samples` samples just before `next_packet` from its in-band FEC
    /// (concealment where it carries none). `samples` is a multiple of 2.5 ms. Call this
    /// for the gap, then [`decode`](Self::decode) with the same `next_packet`.
    pub fn recover_for(
        &mut self,
        next_packet: &[u8],
        samples: usize,
    ) -> Result<Vec<f32>, CodecError> {
        self.run_len(next_packet, true, samples)
    }

    /// How many samples (at 48 kHz) `packet` decodes to.
    pub fn packet_samples(packet: &[u8]) -> Result<usize, CodecError> {
        Ok(opus::packet::get_nb_samples(packet, 48_000)?)
    }

    /// Whether `packet` carries in-band FEC (SILK LBRR) for the frame before it.
    ///
    /// RFC 6716 §4.2.3–4.2.4: a SILK or hybrid frame opens with one voice-activity bit per
    /// SILK frame (one per 20 ms, one for 10 ms), then the LBRR flag, all coded with
    /// probability ½ at the start of the range coder, so they are the top bits of the
    /// first byte after the TOC. CELT-only packets never carry FEC. Packets with several
    /// frames or two channels (which we do not send) are assumed to carry it.
    pub fn has_fec(packet: &[u8]) -> bool {
        let Some((&toc, rest)) = packet.split_first() else {
            return false;
        };
        let config = toc >> 3;
        if config >= 16 {
            return false;
        }
        if toc & 0x07 != 0 {
            return true;
        }
        let silk_frames = match (config < 12, config & 3) {
            (true, 2) => 2,
            (true, 3) => 3,
            _ => 1,
        };
        rest.first().is_some_and(|b| b & (0x80 >> silk_frames) != 0)
    }

    fn run(&mut self, packet: &[u8], fec: bool) -> Result<Vec<f32>, CodecError> {
        self.run_len(packet, fec, MAX_FRAME_SAMPLES)
    }

    fn run_len(&mut self, packet: &[u8], fec: bool, len: usize) -> Result<Vec<f32>, CodecError> {
        let mut out = vec![0.0f32; len.min(MAX_FRAME_SAMPLES)];
        let n = self.inner.decode_float(packet, &mut out, fec)?;
        out.truncate(n);
        Ok(out)
    }
}
