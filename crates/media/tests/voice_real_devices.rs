//! Echo cancellation on real audio devices: far-end speech is played to a speaker
//! (a PulseAudio null sink of this test's own) and recorded back from its monitor as the
//! microphone, with one `VoiceProcessor` shared by both, as the engine wires it. The echo
//! path is then PulseAudio's and the device buffers' (delay 100-300 ms, their timing
//! jitter, the speaker's render calls on another thread than the microphone's), which the
//! synthetic tests do not have. The recorded echo must come out ≥ 25 dB quieter.
//!
//! Needs PulseAudio (started with `scripts/start-pulseaudio.sh` if none runs).

use peercall_media::audio::{MicCapture, MicOptions, SpeakerOptions, SpeakerPlayback};
use peercall_media::voice::echo_path::speech;
use peercall_media::voice::measure::{erle_db, level_dbfs};
use peercall_media::{
    AudioProcessor, DeviceChoice, ProcessorChain, SharedProcessor, VoiceProcessor, VoiceSettings,
    AUDIO_FRAME_SAMPLES,
};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use common::ensure_pulseaudio;

/// A null sink only this test plays to and records from (other tests share the default
/// one); unloaded on drop.
struct OwnSink(String);

impl OwnSink {
    fn load() -> Self {
        let name = format!("voice_test_{}", std::process::id());
        let out = Command::new("pactl")
            .args([
                "load-module",
                "module-null-sink",
                &format!("sink_name={name}"),
            ])
            .output()
            .expect("run pactl");
        assert!(
            out.status.success(),
            "pactl load-module: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::env::set_var("PULSE_SINK", &name);
        std::env::set_var("PULSE_SOURCE", format!("{name}.monitor"));
        Self(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

impl Drop for OwnSink {
    fn drop(&mut self) {
        let _ = Command::new("pactl")
            .args(["unload-module", &self.0])
            .status();
    }
}

/// Keeps a copy of the microphone's frames before processing.
struct Recorder(Arc<Mutex<Vec<f32>>>);

impl AudioProcessor for Recorder {
    fn process_capture(&mut self, frame: &mut [f32]) {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(frame);
        }
    }
}

#[test]
fn the_speakers_echo_is_cancelled_through_real_devices() {
    ensure_pulseaudio();
    let _sink = OwnSink::load();
    let voice = SharedProcessor::new(Box::new(VoiceProcessor::new(VoiceSettings::ALL)));
    let raw = Arc::new(Mutex::new(Vec::new()));
    let mut chain = ProcessorChain::new();
    chain.push(Box::new(Recorder(raw.clone())));
    chain.push(Box::new(voice.clone()));
    let mut speaker =
        SpeakerPlayback::open(&DeviceChoice::SystemDefault, SpeakerOptions::default())
            .expect("open the speaker");
    speaker.set_render_processor(Box::new(voice));
    let mic = MicCapture::open(
        &DeviceChoice::SystemDefault,
        MicOptions {
            processor: Box::new(chain),
            ..MicOptions::default()
        },
    )
    .expect("open the microphone");

    let far = speech(61, 120.0, 60.0, -20.0);
    let mut played = far.chunks_exact(AUDIO_FRAME_SAMPLES);
    let mut out: Vec<f32> = Vec::new();
    let wanted = 14 * 48_000;
    let deadline = Instant::now() + Duration::from_secs(60);
    while out.len() < wanted {
        assert!(
            Instant::now() < deadline,
            "only {} s recorded in 60 s",
            out.len() / 48_000
        );
        while speaker.buffered_ms() < speaker.min_queue_ms() + 20 {
            let Some(chunk) = played.next() else { break };
            speaker.play(chunk);
        }
        if let Ok(frame) = mic.frames().recv_timeout(Duration::from_millis(20)) {
            // Count from the first frame that hears anything: recording starts 1-2 s late.
            if !out.is_empty() || level_dbfs(&frame.samples) > -70.0 {
                out.extend_from_slice(&frame.samples);
            }
        }
    }
    drop(mic);
    let raw = raw.lock().expect("recorder").clone();
    // The processed frames are the last `out.len()` frames the recorder saw (or fewer).
    let raw = &raw[raw.len().saturating_sub(out.len())..];
    let n = raw.len().min(out.len());
    let (raw, out) = (&raw[..n], &out[..n]);
    // Converged: the last 6 s.
    let tail = n - 6 * 48_000..n;
    let heard = level_dbfs(&raw[tail.clone()]);
    let erle = erle_db(&raw[tail.clone()], &out[tail]);
    eprintln!("echo at the microphone {heard:.1} dBFS, ERLE {erle:.1} dB");
    assert!(heard > -40.0, "the echo was not recorded: {heard:.1} dBFS");
    assert!(erle >= 25.0, "ERLE through real devices {erle:.1} dB");
}
