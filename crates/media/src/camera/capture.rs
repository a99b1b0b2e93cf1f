//! Camera capture: a thread per camera delivering I420 [`VideoFrame`]s with capture
//! timestamps through a drop-oldest queue, and [`CameraEvent`]s telling the consumer when
//! the camera failed and was reopened.

use super::devices::{
    choose_format, frame_format, native_cameras, pixel_format, CameraFormatInfo, INDEX_ID_PREFIX,
};
use crate::audio::DeviceChoice;
use crate::clock::now_us;
use crate::convert::{to_i420, PixelFormat};
use crate::error::DeviceError;
use crate::frame::VideoFrame;
use crate::queue::{drop_oldest_queue, QueueReceiver, QueueSender};
use crate::sink::{Picture, SharedSink};
use crate::source::{PatternVariant, TestPattern};
use nokhwa::utils::{CameraFormat, CameraIndex, RequestedFormat, RequestedFormatType};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the consumer asks for; the camera gets as close as it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureRequest {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl Default for CaptureRequest {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: 30,
        }
    }
}

/// How to run a camera.
#[derive(Debug, Clone, Copy)]
pub struct CameraOptions {
    /// Frames the consumer may fall behind before the oldest is dropped.
    pub queue_frames: usize,
    /// Wait between attempts to reopen a failed camera.
    pub reopen_interval: Duration,
}

impl Default for CameraOptions {
    fn default() -> Self {
        Self {
            queue_frames: 2,
            reopen_interval: Duration::from_secs(1),
        }
    }
}

/// Things the consumer should know about a running camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraEvent {
    /// The camera failed mid-stream; capture pauses while it is reopened.
    Failed(String),
    /// The camera was reopened after a failure and frames flow again.
    Reopened,
}

/// A running camera. Dropping it stops capture.
pub struct CameraCapture {
    frames: QueueReceiver<VideoFrame>,
    events: QueueReceiver<CameraEvent>,
    format: CameraFormatInfo,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl CameraCapture {
    /// Opens a camera: [`TEST_PATTERN_ID`](super::TEST_PATTERN_ID) or
    /// [`TEST_PATTERN_CHECKS_ID`](super::TEST_PATTERN_CHECKS_ID) for a synthetic one, a
    /// listed id, or the system default (the first hardware camera). Errors are typed:
    /// `NotFound`, `Busy`, `Open`, `NoUsableFormat`.
    pub fn open(
        choice: &DeviceChoice,
        request: CaptureRequest,
        options: CameraOptions,
    ) -> Result<Self, DeviceError> {
        Self::open_to(choice, request, options, Outlet::Queue)
    }

    /// [`CameraCapture::open`] with the frames going to `outlet`: the queue, a preview sink
    /// (shown on the camera's own thread as each frame is captured, cleared when the
    /// camera stops), or both.
    pub fn open_to(
        choice: &DeviceChoice,
        request: CaptureRequest,
        options: CameraOptions,
        outlet: Outlet,
    ) -> Result<Self, DeviceError> {
        let (tx, frames) = drop_oldest_queue(options.queue_frames);
        let tx = Deliver { queue: tx, outlet };
        let (ev_tx, events) = drop_oldest_queue(16);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let (ready_tx, ready_rx) = mpsc::channel();
        let pattern = match choice {
            DeviceChoice::Id(id) => PatternVariant::from_camera_id(id),
            DeviceChoice::SystemDefault => None,
        };
        let choice = choice.clone();
        let worker = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                if let Some(variant) = pattern {
                    run_pattern(variant, request, tx, &stop2, ready_tx);
                } else {
                    run_native(&choice, request, options, tx, ev_tx, &stop2, ready_tx);
                }
            })
            .map_err(|_| DeviceError::Thread("camera"))?;
        let format = match ready_rx.recv() {
            Ok(Ok(format)) => format,
            Ok(Err(e)) => {
                let _ = worker.join();
                return Err(e);
            }
            Err(_) => {
                let _ = worker.join();
                return Err(DeviceError::Thread("camera"));
            }
        };
        Ok(Self {
            frames,
            events,
            format,
            stop,
            worker: Some(worker),
        })
    }

    /// Captured frames, I420.
    pub fn frames(&self) -> &QueueReceiver<VideoFrame> {
        &self.frames
    }

    /// Failure / reopen notices.
    pub fn events(&self) -> &QueueReceiver<CameraEvent> {
        &self.events
    }

    /// The mode the camera runs in.
    pub fn format(&self) -> CameraFormatInfo {
        self.format
    }
}

impl Drop for CameraCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

type Ready = mpsc::Sender<Result<CameraFormatInfo, DeviceError>>;

/// Where a camera's frames go.
#[derive(Clone, Default)]
pub enum Outlet {
    /// To [`CameraCapture::frames`] only.
    #[default]
    Queue,
    /// Shown on the sink (a copy) and queued for the consumer: the call's self-view, taken
    /// where the frames are made, before anything else is done with them.
    QueueAndSink(SharedSink),
    /// Shown on the sink only (moved, no copy); the queue stays empty: a preview alone.
    Sink(SharedSink),
}

/// The camera thread's end of its outlet. Dropping it (the thread ends) clears the sink.
struct Deliver {
    queue: QueueSender<VideoFrame>,
    outlet: Outlet,
}

impl Deliver {
    /// Hands `frame` on; `false` once the consumer is gone (the camera should stop).
    fn push(&self, frame: VideoFrame) -> bool {
        match &self.outlet {
            Outlet::Queue => self.queue.push(frame),
            Outlet::QueueAndSink(sink) => {
                sink.show(Picture::captured(frame.clone()));
                self.queue.push(frame)
            }
            Outlet::Sink(sink) => {
                sink.show(Picture::captured(frame));
                self.queue.is_open()
            }
        }
    }

    fn is_open(&self) -> bool {
        self.queue.is_open()
    }
}

impl Drop for Deliver {
    fn drop(&mut self) {
        if let Outlet::QueueAndSink(sink) | Outlet::Sink(sink) = &self.outlet {
            sink.clear();
        }
    }
}

/// The test pattern in real time at the requested size and rate.
fn run_pattern(
    variant: PatternVariant,
    req: CaptureRequest,
    tx: Deliver,
    stop: &AtomicBool,
    ready: Ready,
) {
    let (w, h, fps) = (req.width.max(2), req.height.max(2), req.fps.clamp(1, 240));
    let _ = ready.send(Ok(CameraFormatInfo {
        width: w,
        height: h,
        fps,
        pixel_format: PixelFormat::I420,
    }));
    let pattern = TestPattern::with_variant(w, h, variant);
    let interval = Duration::from_secs(1) / fps;
    let mut next = Instant::now();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now < next {
            std::thread::sleep((next - now).min(Duration::from_millis(10)));
            continue;
        }
        if now > next + interval * 10 {
            next = now; // fell far behind: do not burst
        }
        let frame = pattern.render(n, now_us());
        if !tx.push(frame) {
            return;
        }
        n += 1;
        next += interval;
    }
}

fn map_nokhwa(device: &str, e: &nokhwa::NokhwaError) -> DeviceError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("no such file") || lower.contains("no such device") {
        DeviceError::NotFound(device.to_string())
    } else if lower.contains("busy") {
        DeviceError::Busy(device.to_string())
    } else {
        DeviceError::Open {
            device: device.to_string(),
            reason: text,
        }
    }
}

/// Finds the nokhwa index for a choice.
fn resolve(choice: &DeviceChoice) -> Result<(String, CameraIndex), DeviceError> {
    match choice {
        DeviceChoice::Id(id) => {
            if let Some(n) = id.strip_prefix(INDEX_ID_PREFIX) {
                let n = n.parse().map_err(|_| DeviceError::NotFound(id.clone()))?;
                return Ok((id.clone(), CameraIndex::Index(n)));
            }
            native_cameras()
                .into_iter()
                .find(|(info, _)| &info.id == id)
                .map(|(info, index)| (info.id, index))
                .ok_or_else(|| DeviceError::NotFound(id.clone()))
        }
        DeviceChoice::SystemDefault => native_cameras()
            .into_iter()
            .next()
            .map(|(info, index)| (info.id, index))
            .ok_or_else(|| DeviceError::NotFound("default camera (no camera present)".into())),
    }
}

/// Opens and starts a hardware camera in the closest supported mode.
fn open_native(
    id: &str,
    index: &CameraIndex,
    req: CaptureRequest,
) -> Result<(nokhwa::Camera, CameraFormatInfo), DeviceError> {
    let any = RequestedFormat::new::<nokhwa::pixel_format::RgbFormat>(RequestedFormatType::None);
    let mut cam = nokhwa::Camera::new(index.clone(), any).map_err(|e| map_nokhwa(id, &e))?;
    let offered: Vec<CameraFormatInfo> = cam
        .compatible_camera_formats()
        .map_err(|e| map_nokhwa(id, &e))?
        .into_iter()
        .filter_map(|f| {
            Some(CameraFormatInfo {
                width: f.width(),
                height: f.height(),
                fps: f.frame_rate(),
                pixel_format: pixel_format(f.format())?,
            })
        })
        .collect();
    let chosen = choose_format(&offered, req.width, req.height, req.fps).ok_or_else(|| {
        DeviceError::NoUsableFormat {
            device: id.to_string(),
            reason: format!(
                "offers no YUYV/NV12/MJPEG/GRAY/RGB mode ({} modes)",
                offered.len()
            ),
        }
    })?;
    let fourcc = frame_format(chosen.pixel_format).ok_or_else(|| DeviceError::NoUsableFormat {
        device: id.to_string(),
        reason: "unsupported pixel format".into(),
    })?;
    let exact =
        RequestedFormat::new::<nokhwa::pixel_format::RgbFormat>(RequestedFormatType::Exact(
            CameraFormat::new_from(chosen.width, chosen.height, fourcc, chosen.fps),
        ));
    cam.set_camera_requset(exact)
        .map_err(|e| map_nokhwa(id, &e))?;
    cam.open_stream().map_err(|e| map_nokhwa(id, &e))?;
    tracing::info!(camera = id, ?chosen, "camera opened");
    Ok((cam, chosen))
}

fn run_native(
    choice: &DeviceChoice,
    req: CaptureRequest,
    options: CameraOptions,
    tx: Deliver,
    events: QueueSender<CameraEvent>,
    stop: &AtomicBool,
    ready: Ready,
) {
    let opened = resolve(choice).and_then(|(id, index)| {
        let (cam, fmt) = open_native(&id, &index, req)?;
        Ok((id, index, cam, fmt))
    });
    let (id, index, cam, format) = match opened {
        Ok(v) => v,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(format));
    let mut cam = Some(cam);
    let mut n = 0u64;
    let mut out = VideoFrame::black(format.width, format.height);
    while !stop.load(Ordering::Relaxed) && tx.is_open() {
        let Some(c) = cam.as_mut() else {
            std::thread::sleep(options.reopen_interval);
            match open_native(&id, &index, req) {
                Ok((c, _)) => {
                    cam = Some(c);
                    events.push(CameraEvent::Reopened);
                }
                Err(e) => tracing::debug!(camera = %id, "reopen failed: {e}"),
            }
            continue;
        };
        let result = c.frame().map_err(|e| e.to_string()).and_then(|buf| {
            let res = buf.resolution();
            let fmt = pixel_format(buf.source_frame_format())
                .ok_or_else(|| format!("unsupported pixel format {}", buf.source_frame_format()))?;
            to_i420(fmt, buf.buffer(), res.width(), res.height(), &mut out)
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => {
                let mut frame = out.clone();
                frame.frame_number = n;
                frame.capture_time_us = now_us();
                n += 1;
                if !tx.push(frame) {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(camera = %id, "camera failed: {e}");
                events.push(CameraEvent::Failed(e));
                if let Some(mut c) = cam.take() {
                    let _ = c.stop_stream();
                }
            }
        }
    }
}
