//! Voice processing on a synthesized echo path (`peercall_media::voice::echo_path`): a far-end
//! talker played by the speaker comes back to the microphone after a delay, a short room
//! response and noise. Echo cancellation must take it out (ERLE ≥ 25 dB once converged,
//! at the delays a laptop's buffers give), keep a near-end talker who speaks over it
//! (double-talk), and each switch must do its job. Figures: `benches/voice.rs`.

use peercall_media::voice::echo_path::{speech, EchoPath};
use peercall_media::voice::measure::{erle_db, level_dbfs, run};
use peercall_media::{VoiceProcessor, VoiceSettings, AUDIO_RATE};

const SR: usize = AUDIO_RATE as usize;

fn secs(s: f32) -> usize {
    (s * SR as f32) as usize
}

/// ERLE (dB) over far-end-only speech from 4 s to 10 s, with `settings`, on `path`.
fn erle_after_convergence(settings: VoiceSettings, path: EchoPath) -> f64 {
    let far = speech(11, 120.0, 10.0, -20.0);
    let echo = path.echo(&far);
    let noise = path.noise(far.len());
    let mic: Vec<f32> = echo.iter().zip(&noise).map(|(e, n)| e + n).collect();
    let out = run(&mut VoiceProcessor::new(settings), &far, &mic);
    let (a, b) = (secs(4.0), secs(10.0));
    erle_db(&mic[a..b], &out[a..b])
}

#[test]
fn echo_is_cancelled_by_25_db_at_30_to_80_ms() {
    for (delay_ms, seed) in [(30.0, 1), (55.0, 2), (80.0, 3)] {
        let path = EchoPath {
            delay_ms,
            seed,
            ..EchoPath::default()
        };
        let erle = erle_after_convergence(VoiceSettings::ALL, path);
        println!("delay {delay_ms} ms: ERLE {erle:.1} dB");
        assert!(erle >= 25.0, "delay {delay_ms} ms: ERLE {erle:.1} dB");
    }
}

#[test]
fn without_echo_cancellation_the_echo_stays() {
    let erle = erle_after_convergence(
        VoiceSettings {
            echo_cancellation: false,
            auto_gain: false,
            ..VoiceSettings::ALL
        },
        EchoPath::default(),
    );
    println!("echo cancellation off: {erle:.1} dB");
    assert!(
        erle < 6.0,
        "echo removed with the canceller off: {erle:.1} dB"
    );
}

/// The processed level (dBFS) of a near-end talker over 8-14 s, with and without the far
/// end talking over them.
fn double_talk_levels(settings: VoiceSettings) -> (f64, f64) {
    let len = 14.0;
    let path = EchoPath::default();
    let far = speech(21, 110.0, len, -20.0);
    let near_talk = speech(22, 210.0, 6.0, -26.0);
    let mut near = vec![0.0f32; secs(len)];
    near[secs(8.0)..].copy_from_slice(&near_talk);
    let echo = path.echo(&far);
    let noise = path.noise(near.len());
    let mic_dt: Vec<f32> = (0..near.len())
        .map(|i| near[i] + echo[i] + noise[i])
        .collect();
    let mic_alone: Vec<f32> = (0..near.len()).map(|i| near[i] + noise[i]).collect();
    let silence = vec![0.0f32; near.len()];
    let out_dt = run(&mut VoiceProcessor::new(settings), &far, &mic_dt);
    let out_alone = run(&mut VoiceProcessor::new(settings), &silence, &mic_alone);
    let w = secs(8.0)..secs(14.0);
    (level_dbfs(&out_dt[w.clone()]), level_dbfs(&out_alone[w]))
}

#[test]
fn near_end_speech_survives_double_talk() {
    for settings in [
        VoiceSettings::ALL,
        VoiceSettings {
            noise_suppression: false,
            auto_gain: false,
            ..VoiceSettings::ALL
        },
    ] {
        let (dt, alone) = double_talk_levels(settings);
        println!("{settings:?}: near end {alone:.1} dBFS alone, {dt:.1} dBFS in double-talk");
        assert!(
            (dt - alone).abs() <= 4.0,
            "{settings:?}: near end {alone:.1} dBFS alone, {dt:.1} dBFS in double-talk"
        );
    }
}

#[test]
fn the_echo_is_cancelled_when_the_speaker_side_comes_in_bursts() {
    // The engine's speaker thread shows played audio as it is queued, 20-40 ms at a
    // time, not in step with the microphone.
    let path = EchoPath::default();
    let far = speech(31, 130.0, 10.0, -20.0);
    let echo = path.echo(&far);
    let noise = path.noise(far.len());
    let mic: Vec<f32> = echo.iter().zip(&noise).map(|(e, n)| e + n).collect();
    let mut p = VoiceProcessor::new(VoiceSettings::ALL);
    let chunk = peercall_media::voice::VOICE_CHUNK_SAMPLES;
    let mut out = Vec::with_capacity(mic.len());
    let mut shown = 0;
    for (i, m) in mic.chunks_exact(chunk).enumerate() {
        // Four chunks of far end at once, every fourth step, ahead of the microphone.
        if i % 4 == 0 {
            for f in far[shown..].chunks_exact(chunk).take(4) {
                p.process_render(f).expect("render");
                shown += chunk;
            }
        }
        let mut c = m.to_vec();
        p.process_capture(&mut c).expect("capture");
        out.extend_from_slice(&c);
    }
    let (a, b) = (secs(4.0), secs(10.0));
    let erle = erle_db(&mic[a..b], &out[a..b]);
    println!("bursty far end: ERLE {erle:.1} dB");
    assert!(erle >= 25.0, "bursty far end: ERLE {erle:.1} dB");
}

/// Level (dBFS) of the processed microphone over its last 3 s of 8.
fn processed_level(settings: VoiceSettings, mic: &[f32]) -> f64 {
    let silence = vec![0.0f32; mic.len()];
    let out = run(&mut VoiceProcessor::new(settings), &silence, mic);
    level_dbfs(&out[out.len() - secs(3.0)..])
}

#[test]
fn noise_suppression_lowers_steady_noise() {
    let path = EchoPath {
        noise_dbfs: -40.0,
        ..EchoPath::default()
    };
    let noise = path.noise(secs(8.0));
    let only = |noise_suppression| VoiceSettings {
        noise_suppression,
        ..VoiceSettings::OFF
    };
    // The high-pass runs in both, so the difference is the suppressor's.
    let hp = processed_level(
        VoiceSettings {
            echo_cancellation: true,
            ..only(false)
        },
        &noise,
    );
    let ns = processed_level(only(true), &noise);
    println!("noise: {hp:.1} dBFS without suppression, {ns:.1} dBFS with");
    assert!(hp - ns >= 6.0, "noise {hp:.1} → {ns:.1} dBFS");
}

#[test]
fn auto_gain_lifts_a_quiet_talker() {
    let quiet = speech(41, 150.0, 8.0, -45.0);
    let off = processed_level(
        VoiceSettings {
            auto_gain: false,
            ..VoiceSettings::ALL
        },
        &quiet,
    );
    let on = processed_level(VoiceSettings::ALL, &quiet);
    println!("quiet talker: {off:.1} dBFS without auto gain, {on:.1} dBFS with");
    assert!(on - off >= 10.0, "quiet talker {off:.1} → {on:.1} dBFS");
}
