//! Local media out: camera → VP8 (bitrate from GCC, keyframe on PLI/FIR) → video track,
//! microphone → Opus → audio track. Each runs on its own thread; the sources sit in
//! swappable slots so a camera or microphone can change mid-call without renegotiation.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peercall_media::audio::MicCapture;
use peercall_media::camera::CameraCapture;
use peercall_media::{OpusConfig, OpusEncoder, QueueSender, VideoFrame, Vp8Config, Vp8Encoder};
use rtc::media::Sample;
use tokio::runtime::Handle;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::media_stream::Track;

use super::config::VideoSettings;
use super::keyframe::is_keyframe_request;
use crate::stats::{pack_size, Counters};

/// The camera in use (or none: camera off).
pub type VideoSlot = Arc<Mutex<Option<CameraCapture>>>;
/// The microphone in use (or none).
pub type AudioSlot = Arc<Mutex<Option<MicCapture>>>;

/// Shared state of the senders.
#[derive(Clone)]
pub struct SendState {
    pub(crate) closed: Arc<AtomicBool>,
    pub(crate) mic_muted: Arc<AtomicBool>,
    pub(crate) keyframe_wanted: Arc<AtomicBool>,
    pub(crate) target_bps: Arc<AtomicU64>,
    pub(crate) counters: Arc<Counters>,
}

/// Listens for PLI/FIR about our video track and flags the encoder.
pub fn watch_keyframe_requests(track: Arc<TrackLocalStaticSample>, state: SendState) {
    tokio::spawn(async move {
        while let Some(TrackLocalEvent::OnRtcpPacket(packets)) = track.poll().await {
            if packets.iter().any(|p| is_keyframe_request(p.as_ref())) {
                state.keyframe_wanted.store(true, Ordering::Relaxed);
                Counters::add(&state.counters.keyframe_requests_received, 1);
            }
        }
    });
}

/// Starts the video sender thread.
pub fn spawn_video(
    track: Arc<TrackLocalStaticSample>,
    payload_type: u8,
    slot: VideoSlot,
    preview: Option<Arc<QueueSender<VideoFrame>>>,
    settings: VideoSettings,
    state: SendState,
) -> std::io::Result<()> {
    let handle = Handle::current();
    std::thread::Builder::new()
        .name("vp8-send".into())
        .spawn(move || {
            let ssrc = handle
                .block_on(track.ssrcs())
                .first()
                .copied()
                .unwrap_or_default();
            let mut encoder: Option<Vp8Encoder> = None;
            let frame_duration = Duration::from_secs(1) / settings.fps.max(1);
            while !state.closed.load(Ordering::Relaxed) {
                let frame = {
                    let guard = match slot.lock() {
                        Ok(g) => g,
                        Err(_) => return,
                    };
                    match guard.as_ref() {
                        Some(cam) => cam.frames().recv_timeout(Duration::from_millis(50)).ok(),
                        None => None,
                    }
                };
                let Some(frame) = frame else {
                    if slot.lock().map(|g| g.is_none()).unwrap_or(true) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    continue;
                };
                if let Some(p) = &preview {
                    p.push(frame.clone());
                }
                let enc = match encoder.as_mut() {
                    Some(e) => e,
                    None => {
                        let mut cfg = Vp8Config::new(frame.width, frame.height);
                        cfg.fps = settings.fps;
                        // One thread: libvpx's VP8 worker threads busy-wait on each other and
                        // burn a core when the machine is loaded.
                        cfg.threads = 1;
                        cfg.bitrate_kbps = target_kbps(&state, &settings);
                        match Vp8Encoder::new(cfg) {
                            Ok(e) => encoder.insert(e),
                            Err(e) => {
                                tracing::error!("vp8 encoder: {e}");
                                return;
                            }
                        }
                    }
                };
                let want = target_kbps(&state, &settings);
                let have = enc.config().bitrate_kbps;
                if want.abs_diff(have) * 10 > have {
                    if let Err(e) = enc.set_bitrate(want) {
                        tracing::debug!("vp8 set_bitrate: {e}");
                    }
                }
                state
                    .counters
                    .video_target_kbps
                    .store(u64::from(want), Ordering::Relaxed);
                let force = state.keyframe_wanted.swap(false, Ordering::Relaxed);
                let encoded = match enc.encode(&frame, force) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!("vp8 encode: {e}");
                        continue;
                    }
                };
                state
                    .counters
                    .video_sent_size
                    .store(pack_size(frame.width, frame.height), Ordering::Relaxed);
                for e in encoded {
                    let len = e.data.len() as u64;
                    let sample = Sample {
                        data: e.data.into(),
                        duration: frame_duration,
                        ..Sample::new(Instant::now())
                    };
                    let written = handle.block_on(
                        track
                            .sample_writer(ssrc, payload_type)
                            .write_sample(&sample),
                    );
                    if let Err(err) = written {
                        tracing::debug!("video write_sample: {err}");
                        continue;
                    }
                    Counters::add(&state.counters.video_frames_sent, 1);
                    Counters::add(&state.counters.video_bytes_sent, len);
                }
            }
        })
        .map(|_| ())
}

fn target_kbps(state: &SendState, settings: &VideoSettings) -> u32 {
    // Leave room for audio and RTP/RTCP overhead.
    let bps = state.target_bps.load(Ordering::Relaxed);
    ((bps.saturating_sub(64_000) / 1000) as u32).clamp(settings.min_kbps, settings.max_kbps)
}

/// Starts the audio sender thread.
pub fn spawn_audio(
    track: Arc<TrackLocalStaticSample>,
    payload_type: u8,
    slot: AudioSlot,
    state: SendState,
) -> std::io::Result<()> {
    let handle = Handle::current();
    std::thread::Builder::new()
        .name("opus-send".into())
        .spawn(move || {
            let ssrc = handle
                .block_on(track.ssrcs())
                .first()
                .copied()
                .unwrap_or_default();
            let mut encoder = match OpusEncoder::new(OpusConfig::default()) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!("opus encoder: {e}");
                    return;
                }
            };
            while !state.closed.load(Ordering::Relaxed) {
                let frame = {
                    let guard = match slot.lock() {
                        Ok(g) => g,
                        Err(_) => return,
                    };
                    match guard.as_ref() {
                        Some(mic) => mic.frames().recv_timeout(Duration::from_millis(50)).ok(),
                        None => None,
                    }
                };
                let Some(frame) = frame else {
                    if slot.lock().map(|g| g.is_none()).unwrap_or(true) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    continue;
                };
                if state.mic_muted.load(Ordering::Relaxed) {
                    continue;
                }
                let packet = match encoder.encode(&frame.samples) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!("opus encode: {e}");
                        continue;
                    }
                };
                let len = packet.len() as u64;
                let sample = Sample {
                    data: packet.into(),
                    duration: Duration::from_millis(20),
                    ..Sample::new(Instant::now())
                };
                let written = handle.block_on(
                    track
                        .sample_writer(ssrc, payload_type)
                        .write_sample(&sample),
                );
                if written.is_ok() {
                    Counters::add(&state.counters.audio_packets_sent, 1);
                    Counters::add(&state.counters.audio_bytes_sent, len);
                }
            }
        })
        .map(|_| ())
}
