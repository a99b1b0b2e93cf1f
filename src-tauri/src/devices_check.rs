//! Live device checks for the settings dialog, outside any call: the camera preview (frames go
//! over the bridge), the microphone level meter (`MicLevel` events), and a speaker test sound.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use peercall_bridge::FramePublisher;
use peercall_media::audio::{MicCapture, MicOptions, SpeakerOptions, SpeakerPlayback};
use peercall_media::camera::{CameraCapture, CameraOptions, CaptureRequest};
use peercall_media::{DeviceChoice, DeviceError, AUDIO_RATE};
use serde::Serialize;
use tauri::AppHandle;
use tauri_specta::Event;

use crate::settings::Resolution;
use crate::AppError;

/// A background thread that stops and is joined on drop.
struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn spawn(
        name: &str,
        body: impl FnOnce(&AtomicBool) + Send + 'static,
    ) -> Result<Self, AppError> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(&flag))
            .map_err(|err| AppError::Internal(format!("cannot start {name} thread: {err}")))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The local camera preview: capture → bridge, until dropped.
pub struct Preview {
    _worker: Worker,
}

impl Preview {
    pub fn start(
        camera: &str,
        resolution: Resolution,
        publisher: FramePublisher,
    ) -> Result<Self, AppError> {
        let (width, height) = resolution.size();
        let request = CaptureRequest {
            width,
            height,
            fps: 30,
        };
        let capture = CameraCapture::open(
            &DeviceChoice::parse(camera),
            request,
            CameraOptions::default(),
        )?;
        tracing::info!(camera, format = ?capture.format(), "preview started");
        let worker = Worker::spawn("preview", move |stop| {
            while !stop.load(Ordering::Relaxed) {
                match capture.frames().recv_timeout(Duration::from_millis(100)) {
                    Ok(f) => crate::frames::publish(&publisher, &f),
                    Err(peercall_media::RecvError::Timeout) => {}
                    Err(peercall_media::RecvError::Closed) => break,
                }
                while let Some(event) = capture.events().try_recv() {
                    tracing::warn!(?event, "preview camera");
                }
            }
            publisher.clear();
        })?;
        Ok(Self { _worker: worker })
    }
}

/// Microphone level, sent about ten times a second while the meter runs.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct MicLevel {
    /// RMS level in dBFS (-100 for silence).
    pub rms_db: f32,
    /// Peak level in dBFS.
    pub peak_db: f32,
}

fn dbfs(x: f32) -> f32 {
    if x <= 1e-5 {
        -100.0
    } else {
        20.0 * x.log10()
    }
}

/// The microphone level meter, until dropped.
pub struct MicMeter {
    _worker: Worker,
}

impl MicMeter {
    pub fn start(microphone: &str, app: AppHandle) -> Result<Self, AppError> {
        let mic = MicCapture::open(&DeviceChoice::parse(microphone), MicOptions::default())?;
        tracing::info!(microphone = mic.name(), "mic meter started");
        let worker = Worker::spawn("mic-meter", move |stop| {
            let (mut sum_sq, mut peak, mut count) = (0f64, 0f32, 0usize);
            let mut last_emit = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                match mic.frames().recv_timeout(Duration::from_millis(100)) {
                    Ok(frame) => {
                        for &s in &frame.samples {
                            sum_sq += f64::from(s) * f64::from(s);
                            peak = peak.max(s.abs());
                        }
                        count += frame.samples.len();
                    }
                    Err(peercall_media::RecvError::Timeout) => {}
                    Err(peercall_media::RecvError::Closed) => break,
                }
                if last_emit.elapsed() >= Duration::from_millis(100) {
                    let rms = if count == 0 {
                        0.0
                    } else {
                        (sum_sq / count as f64).sqrt() as f32
                    };
                    let level = MicLevel {
                        rms_db: dbfs(rms),
                        peak_db: dbfs(peak),
                    };
                    if let Err(err) = level.emit(&app) {
                        tracing::debug!(%err, "mic level not delivered");
                    }
                    (sum_sq, peak, count, last_emit) = (0.0, 0.0, 0, Instant::now());
                }
            }
        })?;
        Ok(Self { _worker: worker })
    }
}

/// A short rising two-note chime (about 0.6 s), then waits until it has been played.
pub fn play_test_sound(speaker: &str) -> Result<(), AppError> {
    let mut out = SpeakerPlayback::open(&DeviceChoice::parse(speaker), SpeakerOptions::default())?;
    play_chime(&mut out, &AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(2);
    while out.buffered_ms() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if let Some(err) = out.take_error() {
        return Err(DeviceError::Open {
            device: out.name().to_owned(),
            reason: err,
        }
        .into());
    }
    Ok(())
}

/// The ringtone of an incoming call: the chime every two seconds until dropped.
pub struct Ringtone {
    _worker: Worker,
}

impl Ringtone {
    pub fn start(speaker: &str) -> Result<Self, AppError> {
        let speaker = speaker.to_owned();
        let worker = Worker::spawn("ringtone", move |stop| {
            let mut out = match SpeakerPlayback::open(
                &DeviceChoice::parse(&speaker),
                SpeakerOptions::default(),
            ) {
                Ok(out) => out,
                Err(err) => {
                    tracing::warn!(%err, "no ringtone: speaker unavailable");
                    return;
                }
            };
            while !stop.load(Ordering::Relaxed) {
                play_chime(&mut out, stop);
                let pause_until = Instant::now() + Duration::from_millis(1400);
                while Instant::now() < pause_until && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })?;
        Ok(Self { _worker: worker })
    }
}

/// Queues the chime at real-time pace (the speaker buffer holds about 200 ms).
fn play_chime(out: &mut SpeakerPlayback, stop: &AtomicBool) {
    let rate = AUDIO_RATE as usize;
    let mut samples = Vec::with_capacity(rate * 6 / 10);
    for (freq, len) in [(660.0f32, rate * 3 / 10), (880.0f32, rate * 3 / 10)] {
        for i in 0..len {
            let t = i as f32 / AUDIO_RATE as f32;
            // A gentle fade in and out so the chime does not click.
            let env = (i.min(len - i) as f32 / (rate as f32 * 0.02)).min(1.0);
            samples.push(0.3 * env * (std::f32::consts::TAU * freq * t).sin());
        }
    }
    for chunk in samples.chunks(960) {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        while out.buffered_ms() > 100 {
            std::thread::sleep(Duration::from_millis(5));
        }
        out.play(chunk);
    }
}
