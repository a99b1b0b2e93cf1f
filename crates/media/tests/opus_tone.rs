//! Tone → Opus → decode, clean and with 10% of packets lost (FEC + PLC).

mod common;

use peercall_media::source::tone::dominant_frequency;
use peercall_media::{
    OpusConfig, OpusDecoder, OpusEncoder, ToneConfig, ToneSource, AUDIO_FRAME_SAMPLES, AUDIO_RATE,
};

/// One frame, µs (10 ms).
const FRAME_US: u64 = AUDIO_FRAME_SAMPLES as u64 * 1_000_000 / AUDIO_RATE as u64;
const FRAMES: usize = 300; // 3 s

fn encode_tone(freq: f32) -> Vec<Vec<u8>> {
    let mut src = ToneSource::new(ToneConfig {
        frequency_hz: freq,
        amplitude: 0.3,
        beep: None,
    });
    let mut enc = OpusEncoder::new(OpusConfig::default()).expect("opus encoder");
    let mut pcm = [0.0f32; AUDIO_FRAME_SAMPLES];
    (0..FRAMES)
        .map(|k| {
            src.fill(&mut pcm, k as u64 * FRAME_US);
            enc.encode(&pcm).expect("opus encode")
        })
        .collect()
}

/// Longest run of (near) zero samples.
fn longest_silence(samples: &[f32]) -> usize {
    let (mut best, mut run) = (0, 0);
    for &s in samples {
        run = if s.abs() < 1e-4 { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[test]
fn the_tone_survives_opus() {
    for freq in [440.0, 1000.0] {
        let packets = encode_tone(freq);
        let mut dec = OpusDecoder::new().unwrap();
        let mut out = Vec::new();
        for p in &packets {
            let pcm = dec.decode(p).unwrap();
            assert_eq!(pcm.len(), AUDIO_FRAME_SAMPLES);
            out.extend(pcm);
        }
        let est = dominant_frequency(&out[9600..19_200], AUDIO_RATE).unwrap();
        assert!(
            (est.frequency_hz - freq).abs() <= 3.0,
            "{est:?} for {freq} Hz"
        );
        assert!(est.purity > 0.9, "{est:?}");
        let bytes: usize = packets.iter().map(Vec::len).sum();
        assert!(
            bytes * 8 / 3 < 40_000,
            "about 32 kbit/s: {} bit/s",
            bytes * 8 / 3
        );
    }
}

#[test]
fn ten_percent_loss_is_concealed_without_gaps() {
    let packets = encode_tone(440.0);
    let mut rng = common::Rng::new(3);
    let lost: Vec<bool> = (0..FRAMES).map(|k| k > 2 && rng.chance(0.10)).collect();
    let n_lost = lost.iter().filter(|&&l| l).count();
    assert!((16..=50).contains(&n_lost), "about 10% lost: {n_lost}");
    let mut dec = OpusDecoder::new().unwrap();
    let mut out = Vec::new();
    let (mut by_fec, mut by_plc) = (0, 0);
    for k in 0..FRAMES {
        let pcm = if !lost[k] {
            dec.decode(&packets[k]).unwrap()
        } else if k + 1 < FRAMES && !lost[k + 1] {
            by_fec += 1;
            dec.recover_for(&packets[k + 1], AUDIO_FRAME_SAMPLES)
                .unwrap()
        } else {
            by_plc += 1;
            dec.conceal_for(AUDIO_FRAME_SAMPLES).unwrap()
        };
        assert_eq!(
            pcm.len(),
            AUDIO_FRAME_SAMPLES,
            "every frame yields a frame's worth"
        );
        out.extend(pcm);
    }
    eprintln!("lost {n_lost}: {by_fec} rebuilt by FEC, {by_plc} concealed");
    assert!(by_fec > 0);
    let gap = longest_silence(&out[4800..]);
    assert!(gap <= AUDIO_FRAME_SAMPLES, "silent gap of {gap} samples");
    // The tone is intact across the concealed stretches: check each second.
    for second in 1..3 {
        let window = &out[second * 48_000..second * 48_000 + 9_600];
        let est = dominant_frequency(window, AUDIO_RATE).unwrap();
        assert!((est.frequency_hz - 440.0).abs() <= 3.0, "{est:?}");
    }
}

#[test]
fn wrong_frame_length_is_an_error() {
    let mut enc = OpusEncoder::new(OpusConfig::default()).unwrap();
    assert!(enc.encode(&[0.0; 500]).is_err());
    assert!(enc.encode(&[0.0; 240]).is_err(), "5 ms would be CELT only");
    // 10 ms packets normally, 20 ms on a thin link; the decoder gives back each length.
    let mut dec = OpusDecoder::new().unwrap();
    for n in [480, 960, 480] {
        let packet = enc.encode(&vec![0.1; n]).expect("a valid packet length");
        assert_eq!(OpusDecoder::packet_samples(&packet).unwrap(), n);
        assert_eq!(dec.decode(&packet).unwrap().len(), n);
    }
    let mut dec = OpusDecoder::new().unwrap();
    assert!(dec.decode(&[0xFF, 0xFF, 0xFF]).is_err() || dec.decode(&[]).is_ok());
}

#[test]
fn dtx_sends_almost_nothing_during_silence_and_bitrate_follows_the_setting() {
    let silence = [0.0f32; AUDIO_FRAME_SAMPLES];
    let mut dtx = OpusEncoder::new(OpusConfig {
        dtx: true,
        ..OpusConfig::default()
    })
    .unwrap();
    let sizes: Vec<usize> = (0..50)
        .map(|_| dtx.encode(&silence).unwrap().len())
        .collect();
    let quiet = sizes[10..].iter().filter(|&&n| n <= 3).count();
    assert!(quiet >= 30, "DTX frames during silence: {sizes:?}");
    let mut dec = OpusDecoder::new().unwrap();
    // TOC 0xF8: one 20 ms CELT frame (DTX's empty packet).
    assert_eq!(dec.decode(&[0xF8]).unwrap().len(), 960);

    let mut src = ToneSource::new(ToneConfig {
        frequency_hz: 440.0,
        amplitude: 0.3,
        beep: None,
    });
    let mut pcm = [0.0f32; AUDIO_FRAME_SAMPLES];
    let mut enc = OpusEncoder::new(OpusConfig::default()).unwrap();
    let mut bytes_at = |enc: &mut OpusEncoder, from: u64| -> usize {
        (from..from + 50)
            .map(|k| {
                src.fill(&mut pcm, k * FRAME_US);
                enc.encode(&pcm).unwrap().len()
            })
            .sum()
    };
    let high = bytes_at(&mut enc, 0);
    enc.set_bitrate(12_000).unwrap();
    let low = bytes_at(&mut enc, 50);
    assert!(
        low * 2 < high,
        "12 kbit/s uses less than half of 32 kbit/s: {low} vs {high}"
    );
}
