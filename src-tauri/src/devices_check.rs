//! Live device checks for the settings dialog, outside any call: the camera preview (frames go
//! over the bridge), the microphone level meter (`MicLevel` events), and a speaker test sound.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use peercall_bridge::FramePublisher;
use peercall_engine::devices::{camera_choice_here, VideoSource};
use peercall_media::audio::{MicCapture, MicOptions, SpeakerOptions, SpeakerPlayback};
use peercall_media::camera::{CameraCapture, CameraOptions, CaptureRequest, Outlet};
use peercall_media::level::{Level, LevelMeter};
use peercall_media::source::chime::{chime, RING_PERIOD};
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
            .map_err(|source| AppError::Thread {
                name: name.to_owned(),
                source,
            })?;
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

/// The local camera preview, until dropped: the camera's own thread shows each frame on the
/// bridge as it captures it (the same way a call's self-view goes), and clears it when the
/// camera stops. No thread of its own.
pub struct Preview {
    _camera: CameraCapture,
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
        // Parsed and resolved as a call does: the system default on a machine without a
        // camera previews the test pattern the call would send.
        let choice = camera_choice_here(&VideoSource::parse(camera))
            .ok_or_else(|| DeviceError::NotFound(camera.to_owned()))?;
        let capture = CameraCapture::open_to(
            &choice,
            request,
            CameraOptions::default(),
            Outlet::Sink(Arc::new(publisher)),
        )?;
        tracing::info!(camera, format = ?capture.format(), "preview started");
        Ok(Self { _camera: capture })
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

/// The microphone level meter, until dropped.
pub struct MicMeter {
    _worker: Worker,
}

impl MicMeter {
    pub fn start(microphone: &str, app: AppHandle) -> Result<Self, AppError> {
        let mic = MicCapture::open(&DeviceChoice::parse(microphone), MicOptions::default())?;
        tracing::info!(microphone = mic.name(), "mic meter started");
        let worker = Worker::spawn("mic-meter", move |stop| {
            let mut meter = LevelMeter::default();
            let mut last_emit = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                match mic.frames().recv_timeout(Duration::from_millis(100)) {
                    Ok(frame) => meter.feed(&frame.samples),
                    Err(peercall_media::RecvError::Timeout) => {}
                    Err(peercall_media::RecvError::Closed) => break,
                }
                if last_emit.elapsed() >= Duration::from_millis(100) {
                    let Level { rms_db, peak_db } = meter.take();
                    if let Err(err) = (MicLevel { rms_db, peak_db }).emit(&app) {
                        tracing::debug!(%err, "mic level not delivered");
                    }
                    last_emit = Instant::now();
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

/// The ringtone of an incoming call: the chime every [`RING_PERIOD`] until dropped.
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
                let next_ring = Instant::now() + RING_PERIOD;
                play_chime(&mut out, stop);
                while Instant::now() < next_ring && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })?;
        Ok(Self { _worker: worker })
    }
}

/// Queues the chime at real-time pace, keeping what the speaker needs queued to play
/// (a device block plus its prebuffer, ~125 ms) and 20 ms more.
fn play_chime(out: &mut SpeakerPlayback, stop: &AtomicBool) {
    let keep = out.min_queue_ms() + 20;
    for chunk in chime(AUDIO_RATE).chunks(960) {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        while out.buffered_ms() > keep {
            std::thread::sleep(Duration::from_millis(5));
        }
        out.play(chunk);
    }
}
