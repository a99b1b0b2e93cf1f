//! Real audio devices: a tone played to the default speaker (PulseAudio's null sink) is
//! recorded back from the default microphone (the null sink's monitor) and detected.
//!
//! Needs PulseAudio; if none is reachable the test starts it with
//! `scripts/start-pulseaudio.sh` (the suite's own setup) and fails with instructions if
//! that is impossible.

use peercall_media::audio::{
    list_microphones, list_speakers, MicCapture, MicOptions, SpeakerOptions, SpeakerPlayback,
};
use peercall_media::clock::now_us;
use peercall_media::source::tone::{dominant_frequency, BeepConfig, BeepDetector};
use peercall_media::AudioProcessor;
use peercall_media::{DeviceChoice, ToneConfig, ToneSource, AUDIO_RATE};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::ensure_pulseaudio;

/// Counts far-end frames shown to the processing seam.
struct CountRender(Arc<AtomicUsize>);

impl AudioProcessor for CountRender {
    fn process_capture(&mut self, _frame: &mut [f32]) {}
    fn process_render(&mut self, frame: &[f32]) {
        assert_eq!(frame.len(), peercall_media::AUDIO_FRAME_SAMPLES);
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_tone_played_to_the_speaker_is_recorded_by_the_microphone() {
    ensure_pulseaudio();
    assert!(
        !list_speakers().is_empty(),
        "cpal lists speakers once PulseAudio runs"
    );
    assert!(
        list_microphones().len() > 1,
        "cpal lists a microphone besides the tone"
    );

    // At the device's 48 kHz, then with both devices at 44.1 kHz so the resamplers run.
    loopback(None, 880.0);
    loopback(Some(44_100), 660.0);
    beep_latency();
}

/// Beeps scheduled on the capture clock go out through the speaker and are timed when they
/// come back through the microphone: the speaker-to-microphone latency of the audio path.
fn beep_latency() {
    let tone = ToneConfig {
        beep: Some(BeepConfig {
            period_us: 500_000,
            length_us: 50_000,
            amplitude: 0.6,
        }),
        ..ToneConfig::default()
    };
    let mut speaker =
        SpeakerPlayback::open(&DeviceChoice::SystemDefault, SpeakerOptions::default())
            .expect("open the default speaker");
    let mic = MicCapture::open(&DeviceChoice::SystemDefault, MicOptions::default())
        .expect("open the default microphone");
    let mut source = ToneSource::new(tone);
    let mut detector = BeepDetector::for_tone(&tone);
    let mut chunk = vec![0.0f32; 960];
    let mut play_time: Option<u64> = None;
    let mut latencies = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while latencies.len() < 4 {
        assert!(
            Instant::now() < deadline,
            "beeps not heard back within 30 s: {latencies:?}"
        );
        while speaker.buffered_ms() < speaker.min_queue_ms() + 20 {
            // Stamp each chunk with when it will be heard: now plus what is queued ahead.
            let due = now_us() + u64::from(speaker.buffered_ms()) * 1000;
            let t = play_time.map_or(due, |p| p.max(due));
            source.fill(&mut chunk, t);
            speaker.play(&chunk);
            play_time = Some(t + 20_000);
        }
        if let Ok(frame) = mic.frames().recv_timeout(Duration::from_millis(20)) {
            for onset in detector.feed(&frame.samples, frame.capture_time_us) {
                if let Some(sent) = tone.beep_onset_before(onset) {
                    latencies.push(onset - sent);
                }
            }
        }
    }
    // The first beep may have been cut by the start of playback.
    let steady = &latencies[1..];
    eprintln!("speaker→microphone latency through PulseAudio (µs): {steady:?}");
    for &l in steady {
        assert!(l < 400_000, "beep came back {l} µs after it was due");
    }
}

fn loopback(device_rate: Option<u32>, freq: f32) {
    let speaker_options = SpeakerOptions {
        device_rate,
        ..SpeakerOptions::default()
    };
    let mut speaker = SpeakerPlayback::open(&DeviceChoice::SystemDefault, speaker_options)
        .expect("open the default speaker");
    assert_eq!(speaker.device_rate(), device_rate.unwrap_or(48_000));
    // The echo-cancel seam sees what is played.
    let rendered = Arc::new(AtomicUsize::new(0));
    speaker.set_render_processor(Box::new(CountRender(rendered.clone())));
    let mic_options = MicOptions {
        device_rate,
        ..MicOptions::default()
    };
    let mic = MicCapture::open(&DeviceChoice::SystemDefault, mic_options)
        .expect("open the default microphone");
    let mut tone = ToneSource::new(ToneConfig {
        frequency_hz: freq,
        amplitude: 0.5,
        beep: None,
    });

    // Keep ~100 ms queued on the speaker while watching the microphone. Recording starts
    // 1–2 s late under PulseAudio: poll with a generous deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut recorded: Vec<f32> = Vec::new();
    let mut chunk = vec![0.0f32; 960];
    let mut t = 0u64;
    let found = loop {
        assert!(
            Instant::now() < deadline,
            "no tone heard within 30 s ({} samples recorded, mic error: {:?}, speaker error: {:?})",
            recorded.len(),
            mic.take_error(),
            speaker.take_error()
        );
        while speaker.buffered_ms() < speaker.min_queue_ms() + 20 {
            tone.fill(&mut chunk, t);
            t += 20_000;
            speaker.play(&chunk);
        }
        if let Ok(frame) = mic.frames().recv_timeout(Duration::from_millis(20)) {
            recorded.extend_from_slice(&frame.samples);
        }
        if recorded.len() >= 4_800 {
            let window = &recorded[recorded.len() - 4_800..];
            if let Some(est) = dominant_frequency(window, AUDIO_RATE) {
                if (est.frequency_hz - freq).abs() <= 5.0 && est.purity > 0.8 {
                    break est;
                }
            }
            let keep = recorded.len() - 4_800;
            recorded.drain(..keep);
        }
    };
    eprintln!(
        "device rate {device_rate:?}: heard {found:?}; speaker underruns {}",
        speaker
            .stats()
            .underruns
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(
        rendered.load(Ordering::Relaxed) > 0,
        "played frames reached the render seam"
    );
}
