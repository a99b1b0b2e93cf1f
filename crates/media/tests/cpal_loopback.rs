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
use peercall_media::source::tone::{dominant_frequency, BeepConfig, BeepDetector, ToneEstimate};
use peercall_media::AudioProcessor;
use peercall_media::{DeviceChoice, ToneConfig, ToneSource, AUDIO_RATE};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
    let mut source = ToneSource::new(tone);
    let mut play_time: Option<u64> = None;
    let feeder = Feeder::start(SpeakerOptions::default(), move |chunk, speaker| {
        // Stamp each chunk with when it will be heard: now plus what is queued ahead.
        let due = now_us() + u64::from(speaker.buffered_ms()) * 1000;
        let t = play_time.map_or(due, |p| p.max(due));
        source.fill(chunk, t);
        play_time = Some(t + 20_000);
    });
    let mic = MicCapture::open(&DeviceChoice::SystemDefault, MicOptions::default())
        .expect("open the default microphone");
    let mut detector = BeepDetector::for_tone(&tone);
    let mut latencies = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while latencies.len() < 4 {
        assert!(
            Instant::now() < deadline,
            "beeps not heard back within 30 s: {latencies:?}"
        );
        if let Ok(frame) = mic.frames().recv_timeout(Duration::from_millis(20)) {
            for onset in detector.feed(&frame.samples, frame.capture_time_us) {
                if let Some(sent) = tone.beep_onset_before(onset) {
                    latencies.push(onset - sent);
                }
            }
        }
    }
    feeder.stop();
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
    let mut tone = ToneSource::new(ToneConfig {
        frequency_hz: freq,
        amplitude: 0.5,
        beep: None,
    });
    let mut t = 0u64;
    let feeder = Feeder::start(speaker_options, move |chunk, _| {
        tone.fill(chunk, t);
        t += 20_000;
    });
    assert_eq!(feeder.device_rate, device_rate.unwrap_or(48_000));
    let mic_options = MicOptions {
        device_rate,
        ..MicOptions::default()
    };
    let mic = MicCapture::open(&DeviceChoice::SystemDefault, mic_options)
        .expect("open the default microphone");

    // Recording starts 1–2 s late under PulseAudio: poll with a generous deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut recorded: Vec<f32> = Vec::new();
    let mut last: Option<ToneEstimate> = None;
    let found = loop {
        assert!(
            Instant::now() < deadline,
            "no tone heard within 30 s (last estimate {last:?}, mic error: {:?}, speaker: {})",
            mic.take_error(),
            feeder.progress()
        );
        if let Ok(frame) = mic.frames().recv_timeout(Duration::from_millis(20)) {
            recorded.extend_from_slice(&frame.samples);
        }
        // One look per 100 ms window (the scan is slow in a debug build).
        if recorded.len() >= 4_800 {
            let window = std::mem::take(&mut recorded);
            let window = &window[window.len() - 4_800..];
            last = dominant_frequency(window, AUDIO_RATE);
            if let Some(est) = last {
                if (est.frequency_hz - freq).abs() <= 5.0 && est.purity > 0.8 {
                    break est;
                }
            }
        }
    };
    let report = feeder.stop();
    eprintln!("device rate {device_rate:?}: heard {found:?}; speaker: {report}");
    assert!(report.rendered > 0, "played frames reached the render seam");
}

/// Keeps the default speaker topped up from a thread of its own, as the app's audio thread
/// does. Fed from the loop that analyses the microphone, the speaker ran dry whenever one
/// frequency scan (800 Goertzel bins over 100 ms, slow in a debug build) outlasted its
/// 80 ms queue: on a slower machine every block restarted and the tone came back in pieces.
struct Feeder {
    device_rate: u32,
    stop: Arc<AtomicBool>,
    underruns: Arc<AtomicU64>,
    handle: std::thread::JoinHandle<FeedReport>,
}

/// What the speaker did while fed.
#[derive(Default)]
struct FeedReport {
    underruns: u64,
    rendered: usize,
    error: Option<String>,
}

impl std::fmt::Display for FeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} underruns, {} frames rendered, error {:?}",
            self.underruns, self.rendered, self.error
        )
    }
}

impl Feeder {
    /// Opens the default speaker on a new thread and keeps ~20 ms beyond its minimum queued,
    /// 20 ms at a time from `fill` (which also sees the speaker, to stamp what it plays).
    fn start(
        options: SpeakerOptions,
        mut fill: impl FnMut(&mut [f32], &SpeakerPlayback) + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let underruns = Arc::new(AtomicU64::new(0));
        let (opened_tx, opened_rx) = std::sync::mpsc::channel();
        let (stop2, underruns2) = (stop.clone(), underruns.clone());
        let handle = std::thread::spawn(move || {
            let mut speaker = match SpeakerPlayback::open(&DeviceChoice::SystemDefault, options) {
                Ok(s) => s,
                Err(e) => {
                    // The caller panics with it and never reads the report.
                    let _ = opened_tx.send(Err(e.to_string()));
                    return FeedReport::default();
                }
            };
            // The echo-cancel seam sees what is played.
            let rendered = Arc::new(AtomicUsize::new(0));
            speaker.set_render_processor(Box::new(CountRender(rendered.clone())));
            let _ = opened_tx.send(Ok(speaker.device_rate()));
            let mut chunk = vec![0.0f32; 960];
            while !stop2.load(Ordering::Relaxed) {
                while speaker.buffered_ms() < speaker.min_queue_ms() + 20 {
                    fill(&mut chunk, &speaker);
                    speaker.play(&chunk);
                }
                underruns2.store(
                    speaker.stats().underruns.load(Ordering::Relaxed),
                    Ordering::Relaxed,
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            FeedReport {
                underruns: speaker.stats().underruns.load(Ordering::Relaxed),
                rendered: rendered.load(Ordering::Relaxed),
                error: speaker.take_error(),
            }
        });
        let device_rate = opened_rx
            .recv()
            .expect("the feeder thread reports the speaker")
            .unwrap_or_else(|e| panic!("open the default speaker: {e}"));
        Self {
            device_rate,
            stop,
            underruns,
            handle,
        }
    }

    fn progress(&self) -> String {
        format!(
            "{} underruns so far",
            self.underruns.load(Ordering::Relaxed)
        )
    }

    fn stop(self) -> FeedReport {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("the feeder thread ends")
    }
}
