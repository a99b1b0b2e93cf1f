//! What 10 ms Opus packets cost against 20 ms ones, at the call's settings (32 kbit/s,
//! VoIP, in-band FEC, expected loss 10 %): bytes per packet, the bit rate on the wire
//! (IPv4 + UDP + RTP with its header extensions + SRTP tag, plain and with RED distance
//! 1), and the decoded signal's SNR against the input for a voiced, speech-like signal
//! (a gliding 100–220 Hz pitch with 12 harmonics, syllables at 4 Hz, pauses) and for the
//! agent's tone. SNR is only a rough proxy for what a listener hears; the comparison at
//! equal bit rate is what it is for.
//!
//! `cargo run --release -p peercall-media --example opus_frame_length`

use peercall_media::{OpusConfig, OpusDecoder, OpusEncoder, ToneConfig, ToneSource, AUDIO_RATE};

/// Per-packet bytes on the wire besides the Opus payload: IPv4 20, UDP 8, RTP 12, header
/// extensions (transport-cc, abs-send-time, audio level) ~12, SRTP auth tag 10.
const PACKET_OVERHEAD: f64 = 62.0;
/// RED distance 1: a 4-byte header per redundant block and a 1-byte one for the primary.
const RED_HEADERS: f64 = 5.0;
const SECONDS: usize = 20;

fn voiced(n: usize) -> Vec<f32> {
    let rate = f64::from(AUDIO_RATE);
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let f0 = 160.0 + 60.0 * (t * 0.7 * std::f64::consts::TAU).sin();
            phase += std::f64::consts::TAU * f0 / rate;
            // Syllables at 4 Hz, a pause of 0.5 s every 3 s.
            let syllable = (t * 4.0 * std::f64::consts::PI).sin().abs();
            let pause = if t % 3.0 > 2.5 { 0.0 } else { 1.0 };
            let mut s = 0.0;
            for h in 1..=12 {
                s += (phase * f64::from(h)).sin() / f64::from(h);
            }
            (0.2 * s * syllable * pause) as f32
        })
        .collect()
}

fn tone(n: usize) -> Vec<f32> {
    let mut out = vec![0.0; n];
    ToneSource::new(ToneConfig::default()).fill(&mut out, 1_000_000);
    out
}

/// (payload bytes per packet, SNR dB) for packets of `frame` samples.
fn run(signal: &[f32], frame: usize) -> (f64, f64) {
    let mut enc = OpusEncoder::new(OpusConfig::default()).expect("encoder");
    let lookahead = enc.lookahead_samples().expect("lookahead");
    let mut dec = OpusDecoder::new().expect("decoder");
    let (mut bytes, mut packets) = (0usize, 0usize);
    let mut out = Vec::with_capacity(signal.len());
    for chunk in signal.chunks_exact(frame) {
        let p = enc.encode(chunk).expect("encode");
        bytes += p.len();
        packets += 1;
        out.extend(dec.decode(&p).expect("decode"));
    }
    // Skip the first second (the encoder settling), compare with the look-ahead removed.
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    for i in AUDIO_RATE as usize..signal.len() - lookahead {
        let x = f64::from(signal[i]);
        let y = f64::from(out[i + lookahead]);
        sig += x * x;
        err += (x - y) * (x - y);
    }
    (
        bytes as f64 / packets as f64,
        10.0 * (sig / err.max(1e-12)).log10(),
    )
}

fn main() {
    let n = SECONDS * AUDIO_RATE as usize;
    println!(
        "| signal | packet | payload bytes | packets/s | kbit/s on the wire | with RED | SNR dB |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, signal) in [("voiced", voiced(n)), ("tone", tone(n))] {
        for ms in [10usize, 20] {
            let frame = ms * AUDIO_RATE as usize / 1000;
            let (payload, snr) = run(&signal, frame);
            let pps = 1000.0 / ms as f64;
            let wire = (payload + PACKET_OVERHEAD) * 8.0 * pps / 1000.0;
            let red = (2.0 * payload + PACKET_OVERHEAD + RED_HEADERS) * 8.0 * pps / 1000.0;
            println!(
                "| {name} | {ms} ms | {payload:.1} | {pps:.0} | {wire:.1} | {red:.1} | {snr:.1} |"
            );
        }
    }
}
