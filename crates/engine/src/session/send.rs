//! Local media out: camera → adapter (size and frame rate from GCC and QP, see
//! [`super::adapt`]) → scaler → VP8 (bitrate from GCC, keyframe on PLI/FIR at most every 300 ms)
//! → video track, microphone → Opus → audio track, both with RTP timestamps from the
//! capture clock ([`RtpTimeline`]). Each runs on its own thread; the sources sit in
//! swappable slots so a camera or microphone can change mid-call without renegotiation.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use peercall_media::audio::MicCapture;
use peercall_media::camera::CameraCapture;
use peercall_media::scale::scale_i420_into;
use peercall_media::{
    OpusConfig, OpusEncoder, RedEncoder, VideoFrame, Vp8Config, Vp8Encoder, AUDIO_FRAME_SAMPLES,
    AUDIO_RATE,
};
use rtc::media::Sample;
use tokio::runtime::Handle;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::media_stream::Track;

use super::adapt::{AdaptConfig, Adapter, KeyframeGate};
use super::audio_format::{red_distance, AudioFormats, SharedAudioFormats};
use super::audio_packets::{
    estimate_ceiling_bps, AudioReserve, PacketAssembler, PacketLength, CONTIGUOUS_US,
};
use super::config::VideoSettings;
use super::discardable::DiscardablePolicy;
use super::fec::FecLink;
use super::keyframe::is_keyframe_request;
use super::pacer::{pushback_window_bytes, Outstanding, MAX_PUSHBACK_GAP};
use super::sync::{Kind, SyncLink};
use crate::stats::{pack_size, Counters};
use peercall_media::clock::now_us;

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
    /// Set with `keyframe_wanted` by the peer's PLI/FIR (not by our own reasons for a
    /// keyframe): the keyframe that answers it is counted as one made on request.
    pub(crate) keyframe_requested: Arc<AtomicBool>,
    /// Set by the first RTCP about our video from the peer: only then is its SRTP surely
    /// up (see [`watch_keyframe_requests`]).
    pub(crate) peer_heard: Arc<AtomicBool>,
    pub(crate) target_bps: Arc<AtomicU64>,
    /// What the audio sender takes (bit/s, [`super::audio_packets::audio_reserve_bps`]),
    /// left out of the video encoder's target.
    pub(crate) audio_reserve_bps: Arc<AtomicU64>,
    /// The most the bandwidth estimate goes to with the camera on
    /// ([`super::audio_packets::estimate_ceiling_bps`]).
    pub(crate) estimate_ceiling_bps: u64,
    /// Whether the video sender has a camera (else the call sends audio alone).
    pub(crate) video_sending: Arc<AtomicBool>,
    /// Bytes paced and in flight (congestion window pushback).
    pub(crate) outstanding: Arc<Outstanding>,
    /// The FEC sender's overhead (the encoder leaves room for it).
    pub(crate) fec: Arc<FecLink>,
    pub(crate) counters: Arc<Counters>,
    /// The audio payload types (Opus, RED) as negotiated.
    pub(crate) audio_formats: Arc<SharedAudioFormats>,
    /// Lip sync: how long after capture each stream's frames are written.
    pub(crate) sync: Arc<SyncLink>,
}

/// Listens for PLI/FIR about our video track and flags the encoder.
///
/// The first RTCP from the peer also says that its SRTP is up. `rtc` 0.21 sets a
/// receiver's SRTP keys a moment after its DTLS handshake ends, and drops what arrives
/// meanwhile ("remote_srtp_context is not set yet"): the DTLS server, done half a round
/// trip sooner, sends its first keyframe into that gap. The keyframe gate then refused
/// the peer's request for a new one for 300 ms, and the callee's first picture came
/// 1–2 s after Accept. Keyframes sent before the peer was heard from no longer count
/// against the gate.
pub fn watch_keyframe_requests(track: Arc<TrackLocalStaticSample>, state: SendState) {
    tokio::spawn(async move {
        while let Some(TrackLocalEvent::OnRtcpPacket(packets)) = track.poll().await {
            state.peer_heard.store(true, Ordering::Relaxed);
            if packets.iter().any(|p| is_keyframe_request(p.as_ref())) {
                state.keyframe_requested.store(true, Ordering::Relaxed);
                state.keyframe_wanted.store(true, Ordering::Relaxed);
                Counters::add(&state.counters.keyframe_requests_received, 1);
            }
        }
    });
}

/// Whether the peer's SRTP is surely up: it sent RTCP about our video, or any media of its
/// own arrived (it encrypts only once its keys are set, and then decrypts ours too).
fn peer_is_up(state: &SendState) -> bool {
    let c = &state.counters;
    state.peer_heard.load(Ordering::Relaxed)
        || c.audio_packets_received.load(Ordering::Relaxed) > 0
        || c.video_packets_received.load(Ordering::Relaxed) > 0
}

/// Writes one sample (data lasting `duration`) to `track` from a media thread, blocking
/// on the runtime; the SSRC is read once.
fn sample_writer<'a>(
    handle: &'a Handle,
    track: &'a Arc<TrackLocalStaticSample>,
    payload_type: u8,
) -> impl Fn(Bytes, Duration) -> Result<(), webrtc::error::Error> + 'a {
    let ssrc = handle
        .block_on(track.ssrcs())
        .first()
        .copied()
        .unwrap_or_default();
    move |data, duration| {
        let sample = Sample {
            data,
            duration,
            ..Sample::new(Instant::now())
        };
        handle.block_on(
            track
                .sample_writer(ssrc, payload_type)
                .write_sample(&sample),
        )
    }
}

/// Starts the video sender thread: each captured frame goes through the adapter (frame
/// rate, size), the scaler and the encoder, and is written with an RTP timestamp from its
/// capture time.
pub fn spawn_video(
    track: Arc<TrackLocalStaticSample>,
    payload_type: u8,
    slot: VideoSlot,
    settings: VideoSettings,
    state: SendState,
) -> std::io::Result<()> {
    let handle = Handle::current();
    std::thread::Builder::new()
        .name("vp8-send".into())
        .spawn(move || {
            let write = sample_writer(&handle, &track, payload_type);
            let mut encoder: Option<Vp8Encoder> = None;
            // The adapter and the size it was made for (a new camera may capture another).
            let mut adapter: Option<(Adapter, (u32, u32))> = None;
            let mut scaled = VideoFrame::black(2, 2);
            let mut keyframes = KeyframeGate::default();
            let mut discardable = DiscardablePolicy::default();
            let mut peer_heard = false;
            // A forced keyframe answers a peer's request: counted once it is written (an
            // encoder that drops the forced frame owes the keyframe to the next one).
            let mut request_owed = false;
            let mut timeline = RtpTimeline::new(VIDEO_CLOCK_RATE, 0);
            // When the last frame passed the pushback check.
            let mut last_passed: Option<Instant> = None;
            while !state.closed.load(Ordering::Relaxed) {
                let frame = match next_frame(&slot, |cam| {
                    cam.frames().recv_timeout(Duration::from_millis(50)).ok()
                }) {
                    Next::Frame(frame) => frame,
                    Next::Waited => continue,
                    Next::NoDevice => {
                        state.video_sending.store(false, Ordering::Relaxed);
                        continue;
                    }
                    Next::Closed => return,
                };
                state.video_sending.store(true, Ordering::Relaxed);
                let now = Instant::now();
                let want = target_kbps(&state, &settings);
                state
                    .counters
                    .video_target_kbps
                    .store(u64::from(want), Ordering::Relaxed);
                let size = (frame.width, frame.height);
                let adapt = match &mut adapter {
                    Some((a, s)) if *s == size => a,
                    _ => {
                        let a = Adapter::new(
                            AdaptConfig::default(),
                            frame.width,
                            frame.height,
                            settings.fps,
                            want,
                            now,
                        );
                        &mut adapter.insert((a, size)).0
                    }
                };
                if let Some(step) = adapt.update(now, want) {
                    tracing::info!(
                        "video adapts {}x{}@{} → {}x{}@{} ({:?}, target {want} kbit/s)",
                        step.from.width,
                        step.from.height,
                        step.from.fps,
                        step.to.width,
                        step.to.height,
                        step.to.fps,
                        step.reason
                    );
                }
                let level = adapt.level();
                state
                    .counters
                    .video_send_fps
                    .store(u64::from(level.fps), Ordering::Relaxed);
                // Congestion window pushback: while more than the window is paced or in
                // flight, frames are not encoded (a keyframe request waits for the next one
                // that is), but one goes at least every `MAX_PUSHBACK_GAP`.
                let window = pushback_window_bytes(
                    state.target_bps.load(Ordering::Relaxed),
                    state.counters.rtt(),
                );
                let pushed_back = state.outstanding.bytes() > window
                    && last_passed
                        .is_some_and(|t| now.saturating_duration_since(t) < MAX_PUSHBACK_GAP);
                if !peer_heard && peer_is_up(&state) {
                    peer_heard = true;
                    keyframes.forget();
                    // What we sent before may have reached the peer before its SRTP keys:
                    // a fresh keyframe now, instead of the peer asking a round trip later.
                    if state.counters.video_frames_sent.load(Ordering::Relaxed) > 0 {
                        state.keyframe_wanted.store(true, Ordering::Relaxed);
                    }
                }
                // A keyframe request is honoured at most once per 300 ms (one inside that
                // window waits for its end), and by the next frame encoded, even one the
                // frame rate would skip.
                let force = !pushed_back
                    && state.keyframe_wanted.load(Ordering::Relaxed)
                    && keyframes.allow(now);
                if force {
                    state.keyframe_wanted.store(false, Ordering::Relaxed);
                    request_owed |= state.keyframe_requested.swap(false, Ordering::Relaxed);
                }
                if !force && !adapt.keep_frame(frame.capture_time_us, settings.fps) {
                    continue;
                }
                if pushed_back {
                    adapt.on_dropped();
                    Counters::add(&state.counters.video_frames_dropped_pushback, 1);
                    tracing::debug!(
                        target: "peercall::pacer",
                        "pushback: frame skipped, {} B outstanding > window {window} B",
                        state.outstanding.bytes()
                    );
                    continue;
                }
                last_passed = Some(now);
                let picture = if (level.width, level.height) == size {
                    &frame
                } else {
                    if (scaled.width, scaled.height) != (level.width, level.height) {
                        scaled = VideoFrame::black(level.width, level.height);
                    }
                    scale_i420_into(&frame, &mut scaled);
                    &scaled
                };
                let enc = match encoder.as_mut() {
                    Some(e) => e,
                    None => {
                        let mut cfg = Vp8Config::new(picture.width, picture.height);
                        cfg.fps = level.fps;
                        // One thread: libvpx's VP8 worker threads busy-wait on each other and
                        // burn a core when the machine is loaded.
                        cfg.threads = 1;
                        cfg.bitrate_kbps = want;
                        // Skip frames rather than overshoot (libwebrtc: rc_dropframe_thresh 30).
                        cfg.frame_drop_threshold = 30;
                        cfg.discardable_frames = discardable.is_on();
                        match Vp8Encoder::new(cfg) {
                            Ok(e) => encoder.insert(e),
                            Err(e) => {
                                tracing::error!("vp8 encoder: {e}");
                                return;
                            }
                        }
                    }
                };
                let resent = state
                    .counters
                    .retransmitted_packets_sent
                    .load(Ordering::Relaxed);
                if let Some(on) = discardable.poll(now, resent, u64::from(want)) {
                    tracing::debug!("vp8 discardable frames {}", if on { "on" } else { "off" });
                    if let Err(e) = enc.set_discardable_frames(on) {
                        tracing::debug!("vp8 discardable frames: {e}");
                    }
                }
                let have = enc.config().bitrate_kbps;
                if want.abs_diff(have) * 10 > have {
                    if let Err(e) = enc.set_bitrate(want) {
                        tracing::debug!("vp8 set_bitrate: {e}");
                    }
                }
                if enc.config().fps != level.fps {
                    enc.set_frame_rate(level.fps);
                }
                let encoded = match enc.encode(picture, force) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!("vp8 encode: {e}");
                        continue;
                    }
                };
                if encoded.is_empty() {
                    adapt.on_dropped();
                    Counters::add(&state.counters.video_frames_dropped_by_encoder, 1);
                    continue;
                }
                if let Some(qp) = enc.last_qp() {
                    adapt.on_encoded(qp);
                }
                state
                    .counters
                    .video_sent_size
                    .store(pack_size(picture.width, picture.height), Ordering::Relaxed);
                for e in encoded {
                    let len = e.data.len() as u64;
                    let keyframe = e.keyframe;
                    // The RTP timestamp follows the capture clock: advance the packetizer
                    // by the time since the last frame, then write the frame itself.
                    let skip = timeline.next(e.capture_time_us, 0);
                    if skip > 0 {
                        if let Err(err) = write(Bytes::new(), timeline.duration(skip)) {
                            tracing::debug!("video timestamp advance: {err}");
                        }
                    }
                    let captured = Instant::now().checked_sub(timeline.write_lag(now_us()));
                    if let Some(at) = captured {
                        state.sync.set_captured_at(Kind::Video, at);
                    }
                    if let Err(err) = write(e.data.into(), Duration::ZERO) {
                        tracing::debug!("video write_sample: {err}");
                        continue;
                    }
                    Counters::add(&state.counters.video_frames_sent, 1);
                    Counters::add(&state.counters.video_bytes_sent, len);
                    if keyframe {
                        Counters::add(&state.counters.video_keyframes_sent, 1);
                        if std::mem::take(&mut request_owed) {
                            Counters::add(&state.counters.video_keyframes_on_request, 1);
                        }
                    }
                }
            }
        })
        .map(|_| ())
}

/// What a sender thread got from its capture slot.
enum Next<F> {
    Frame(F),
    /// None within the wait.
    Waited,
    /// No device in the slot (after a short sleep).
    NoDevice,
    /// The slot's lock is poisoned: the sender stops.
    Closed,
}

/// The next frame from a capture that may be swapped or absent (camera off, device
/// changed): `recv` waits on the device's frames.
fn next_frame<C, F>(slot: &Mutex<Option<C>>, recv: impl Fn(&C) -> Option<F>) -> Next<F> {
    let frame = match slot.lock() {
        Ok(guard) => guard.as_ref().and_then(&recv),
        Err(_) => return Next::Closed,
    };
    match frame {
        Some(f) => Next::Frame(f),
        None if slot.lock().map(|g| g.is_none()).unwrap_or(true) => {
            std::thread::sleep(Duration::from_millis(20));
            Next::NoDevice
        }
        None => Next::Waited,
    }
}

fn target_kbps(state: &SendState, settings: &VideoSettings) -> u32 {
    // Leave room for audio and RTP/RTCP overhead, then for FEC's repair packets.
    let bps = state.target_bps.load(Ordering::Relaxed);
    let audio = state.audio_reserve_bps.load(Ordering::Relaxed);
    let video = bps.saturating_sub(audio) as f64 * state.fec.media_share();
    ((video / 1000.0) as u32).clamp(settings.min_kbps, settings.max_kbps)
}

/// Starts the audio sender thread. The microphone's 10 ms frames go out as 10 ms Opus
/// packets, or 20 ms on a thin link ([`super::audio_packets`]). RTP timestamps follow
/// the capture clock: one packet's duration per packet, through muted frames too, and by
/// the real elapsed time across a gap with no microphone. With RED negotiated each packet
/// also repeats the previous one (two at high loss).
pub fn spawn_audio(
    track: Arc<TrackLocalStaticSample>,
    formats: AudioFormats,
    slot: AudioSlot,
    state: SendState,
) -> std::io::Result<()> {
    let handle = Handle::current();
    std::thread::Builder::new()
        .name("opus-send".into())
        .spawn(move || {
            let write = sample_writer(&handle, &track, formats.red.unwrap_or(formats.opus));
            let mut red = formats
                .red
                .map(|_| RedEncoder::new(formats.opus, red_distance(0)));
            let config = OpusConfig::default();
            let mut loss = super::audio_loss::LossFollower::new(config.expected_loss_pct);
            let mut encoder = match OpusEncoder::new(config) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!("opus encoder: {e}");
                    return;
                }
            };
            let mut length = PacketLength::default();
            let mut assembler = PacketAssembler::default();
            // What video leaves for audio: set when the packet length changes, and
            // given to video while muted.
            let mut reserve = AudioReserve::default();
            // Samples sent, to read the peer's loss report once a second of audio.
            let mut sent_samples = 0u64;
            // Frames closer than 40 ms apart are contiguous (`CONTIGUOUS_US`, which
            // the packet assembler shares); a longer gap is real time with no microphone.
            let mut timeline =
                RtpTimeline::new(AUDIO_CLOCK_RATE, AUDIO_FRAME_US).contiguous_within(CONTIGUOUS_US);
            while !state.closed.load(Ordering::Relaxed) {
                let frame = match next_frame(&slot, |mic| {
                    mic.frames().recv_timeout(Duration::from_millis(50)).ok()
                }) {
                    Next::Frame(frame) => frame,
                    Next::Waited | Next::NoDevice => continue,
                    Next::Closed => return,
                };
                if state.mic_muted.load(Ordering::Relaxed) {
                    if let Some(at) = assembler.discard() {
                        timeline.skip(at);
                    }
                    timeline.skip(frame.capture_time_us);
                    if let Some(bps) = reserve.on_frame(true, length.frames()) {
                        state.audio_reserve_bps.store(bps, Ordering::Relaxed);
                    }
                    continue;
                }
                // With the camera off the call sends audio alone: its estimate stays
                // near the start value, which is no thin link for audio.
                let ceiling = if state.video_sending.load(Ordering::Relaxed) {
                    state.estimate_ceiling_bps
                } else {
                    estimate_ceiling_bps(0)
                };
                let per_packet =
                    length.on_estimate(state.target_bps.load(Ordering::Relaxed), ceiling);
                if let Some(bps) = reserve.on_frame(false, per_packet) {
                    state.audio_reserve_bps.store(bps, Ordering::Relaxed);
                }
                for packet in assembler.push(frame.capture_time_us, &frame.samples, per_packet) {
                    let ticks = packet.samples.len() as u64;
                    let second = sent_samples / AUDIO_CLOCK_RATE;
                    sent_samples += ticks;
                    let reported = state
                        .counters
                        .audio_remote_loss_ppm1
                        .load(Ordering::Relaxed);
                    if sent_samples / AUDIO_CLOCK_RATE != second && reported > 0 {
                        if let Some(pct) = loss.on_report((reported - 1) as f64 / 1e6) {
                            tracing::debug!(pct, "opus expected loss");
                            if let Err(e) = encoder.set_expected_loss(pct) {
                                tracing::debug!("opus expected loss: {e}");
                            }
                            if let Some(r) = red.as_mut() {
                                r.set_distance(red_distance(pct));
                            }
                        }
                    }
                    let encoded = match encoder.encode(&packet.samples) {
                        Ok(p) => p,
                        Err(e) => {
                            tracing::warn!("opus encode: {e}");
                            timeline.skip(packet.capture_time_us);
                            continue;
                        }
                    };
                    let skip = timeline.next(packet.capture_time_us, ticks);
                    if skip > 0 {
                        if let Err(err) = write(Bytes::new(), timeline.duration(skip)) {
                            tracing::debug!("audio timestamp advance: {err}");
                        }
                    }
                    let encoded = match red.as_mut() {
                        // The packet's RTP timestamp, relative: where the timeline stands
                        // less the packet itself.
                        Some(r) => r.encode(timeline.position() - ticks, &encoded),
                        None => encoded,
                    };
                    let len = encoded.len() as u64;
                    let captured = Instant::now().checked_sub(timeline.write_lag(now_us()));
                    if let Some(at) = captured {
                        state.sync.set_captured_at(Kind::Audio, at);
                    }
                    let written = write(encoded.into(), timeline.duration(ticks));
                    if written.is_ok() {
                        Counters::add(&state.counters.audio_packets_sent, 1);
                        Counters::add(&state.counters.audio_bytes_sent, len);
                    }
                }
            }
        })
        .map(|_| ())
}

const VIDEO_CLOCK_RATE: u64 = 90_000;
const AUDIO_CLOCK_RATE: u64 = AUDIO_RATE as u64;
/// One capture frame, µs (10 ms).
const AUDIO_FRAME_US: u64 = AUDIO_FRAME_SAMPLES as u64 * 1_000_000 / AUDIO_CLOCK_RATE;

/// RTP timestamps from the capture clock through `TrackLocalStaticSample`.
///
/// Its packetizer stamps a sample with a running timestamp and then advances it by the
/// sample's duration, so a sample's duration decides the *next* sample's timestamp, which
/// is unknown when it is written. What it can do: a sample with no data produces no packet
/// and no sequence number but still advances the timestamp. So each frame is written with
/// a known duration (video 0, audio the packet's 10 or 20 ms) and, when its capture time is later
/// than that, preceded by an empty sample covering the difference: timestamps follow the
/// capture clock exactly (90 kHz / 48 kHz ticks), through camera-off, mute and
/// no-microphone gaps, and never go backwards.
#[derive(Debug)]
pub(crate) struct RtpTimeline {
    rate: u64,
    nominal_us: u64,
    /// Gaps up to this long count as `nominal_us` (0: follow the capture clock exactly).
    contiguous_us: u64,
    last_capture_us: Option<u64>,
    /// How long the last frame placed lasts, µs: the nominal frame when skipped, the
    /// written duration otherwise (audio packets are 10 or 20 ms).
    last_span_us: u64,
    first_capture_us: Option<u64>,
    /// Media position of the last frame placed, µs since the first.
    position_us: u64,
    last_ts: Option<u64>,
    /// Where the packetizer's timestamp is now, in ticks since the first frame.
    written: u64,
}

impl RtpTimeline {
    pub(crate) fn new(rate: u64, nominal_us: u64) -> Self {
        Self {
            rate,
            nominal_us,
            contiguous_us: 0,
            last_capture_us: None,
            last_span_us: nominal_us,
            first_capture_us: None,
            position_us: 0,
            last_ts: None,
            written: 0,
        }
    }

    pub(crate) fn contiguous_within(mut self, us: u64) -> Self {
        self.contiguous_us = us;
        self
    }

    /// The timestamp (ticks since the first frame) of a frame captured at `capture_us`.
    fn place(&mut self, capture_us: u64) -> u64 {
        if let Some(last) = self.last_capture_us {
            // A capture clock that went backwards counts one nominal frame.
            let d = capture_us.checked_sub(last).unwrap_or(self.nominal_us);
            self.position_us += if d <= self.contiguous_us {
                self.last_span_us
            } else {
                d
            };
        }
        self.last_capture_us = Some(capture_us);
        self.first_capture_us.get_or_insert(capture_us);
        let mut ts =
            u64::try_from(u128::from(self.position_us) * u128::from(self.rate) / 1_000_000)
                .unwrap_or(u64::MAX);
        if let Some(last) = self.last_ts {
            ts = ts.max(last + 1);
        }
        self.last_ts = Some(ts);
        ts
    }

    /// A frame not sent (muted): time moves on all the same.
    pub(crate) fn skip(&mut self, capture_us: u64) {
        self.place(capture_us);
        self.last_span_us = self.nominal_us;
    }

    /// For a frame captured at `capture_us` about to be written with a duration of
    /// `duration_ticks`: how many ticks an empty sample must advance the timestamp first.
    pub(crate) fn next(&mut self, capture_us: u64, duration_ticks: u64) -> u64 {
        let ts = self.place(capture_us);
        self.last_span_us = if duration_ticks == 0 {
            self.nominal_us
        } else {
            duration_ticks * 1_000_000 / self.rate
        };
        let skip = ts.saturating_sub(self.written);
        self.written = ts.max(self.written) + duration_ticks;
        skip
    }

    /// How long after the capture-clock instant its RTP timestamp stands for the last
    /// frame placed is written at `now_us` (the sender report's RTP time is moved on by
    /// this, `sync/reports.rs`).
    pub(crate) fn write_lag(&self, now_us: u64) -> Duration {
        let at = self.first_capture_us.unwrap_or(now_us) + self.position_us;
        Duration::from_micros(now_us.saturating_sub(at))
    }

    /// Where the packetizer's timestamp stands, ticks since the first frame (after
    /// [`Self::next`]: the end of the frame just placed).
    pub(crate) fn position(&self) -> u64 {
        self.written
    }

    /// A duration the packetizer turns back into exactly `ticks` (it truncates
    /// `secs × rate`, so round the nanoseconds up by one).
    pub(crate) fn duration(&self, ticks: u64) -> Duration {
        let nanos = u128::from(ticks) * 1_000_000_000 / u128::from(self.rate) + 1;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the packetizer does with a duration (`static_sample.rs`: `(secs * rate) as u32`).
    fn ticks(d: Duration, rate: u64) -> u64 {
        u64::from((d.as_secs_f64() * rate as f64) as u32)
    }

    #[test]
    fn durations_turn_back_into_exact_ticks() {
        for rate in [VIDEO_CLOCK_RATE, AUDIO_CLOCK_RATE] {
            let t = RtpTimeline::new(rate, 0);
            for n in [
                1,
                2,
                959,
                960,
                961,
                2_999,
                3_000,
                3_001,
                90_000,
                48_000 * 3_600,
            ] {
                assert_eq!(ticks(t.duration(n), rate), n, "{n} at {rate} Hz");
            }
        }
    }

    /// Runs frames through a timeline and a model of the packetizer; returns each written
    /// frame's RTP timestamp (relative).
    fn stamps(t: &mut RtpTimeline, frames: &[(u64, bool)], duration_ticks: u64) -> Vec<u64> {
        let mut packetizer = 0u64;
        let mut out = Vec::new();
        for &(capture, send) in frames {
            if !send {
                t.skip(capture);
                continue;
            }
            let skip = t.next(capture, duration_ticks);
            if skip > 0 {
                packetizer += ticks(t.duration(skip), t.rate);
            }
            out.push(packetizer);
            packetizer += ticks(t.duration(duration_ticks), t.rate);
        }
        out
    }

    #[test]
    fn video_timestamps_follow_capture_times_through_a_camera_off_gap() {
        let base = 1_763_700_000_000_000;
        let mut t = RtpTimeline::new(VIDEO_CLOCK_RATE, 0);
        // 30 fps with jitter, a dropped frame, then 2.5 s of camera off.
        let caps = [0, 33_000, 67_500, 100_000, 166_700, 2_666_700, 2_700_000];
        let frames: Vec<(u64, bool)> = caps.iter().map(|&c| (base + c, true)).collect();
        let ts = stamps(&mut t, &frames, 0);
        let want: Vec<u64> = caps.iter().map(|&c| c * 90 / 1_000).collect();
        assert_eq!(ts, want);
    }

    #[test]
    fn video_timestamps_never_repeat_or_go_back() {
        let mut t = RtpTimeline::new(VIDEO_CLOCK_RATE, 0);
        let frames = [
            (1_000_000, true),
            (1_000_000, true),
            (999_000, true),
            (1_033_333, true),
        ];
        let ts = stamps(&mut t, &frames, 0);
        assert!(ts.windows(2).all(|w| w[1] > w[0]), "{ts:?}");
    }

    #[test]
    fn the_write_lag_is_measured_from_the_instant_the_timestamp_stands_for() {
        let mut t =
            RtpTimeline::new(AUDIO_CLOCK_RATE, AUDIO_FRAME_US).contiguous_within(CONTIGUOUS_US);
        // (capture time, written at, lag): the audio timeline counts 20 ms a frame, so
        // a frame stamped 4 ms late still stands for its place on the timeline.
        let table = [
            (1_000_000, 1_023_000, 23_000),
            (1_024_000, 1_045_000, 25_000),
            (1_040_000, 1_061_000, 21_000),
        ];
        for (capture, written, lag) in table {
            t.next(capture, 960);
            assert_eq!(t.write_lag(written), Duration::from_micros(lag));
        }
    }

    #[test]
    fn audio_advances_by_each_packet_through_jitter_and_mute_and_by_real_time_across_a_gap() {
        let mut t =
            RtpTimeline::new(AUDIO_CLOCK_RATE, AUDIO_FRAME_US).contiguous_within(CONTIGUOUS_US);
        let mut frames = Vec::new();
        let mut cap = 5_000_000u64;
        // 10 ms frames: 10 with ±4 ms capture jitter, 25 muted, 10 sent, then 1.5 s with
        // no mic.
        for n in 0..45u64 {
            let jitter = [0, 4_000, 0, 3_000][n as usize % 4];
            frames.push((cap + jitter, !(10..35).contains(&n)));
            cap += 10_000;
        }
        cap += 1_500_000 - 10_000;
        frames.push((cap, true));
        frames.push((cap + 10_000, true));
        let ts = stamps(&mut t, &frames, 480);
        let mut want: Vec<u64> = (0..10).chain(35..45).map(|n| n * 480).collect();
        let after_gap = 44 * 480 + 1_500 * 48;
        want.extend([after_gap, after_gap + 480]);
        assert_eq!(ts, want);
    }

    #[test]
    fn audio_packets_of_10_and_20_ms_follow_the_capture_clock() {
        let mut t =
            RtpTimeline::new(AUDIO_CLOCK_RATE, AUDIO_FRAME_US).contiguous_within(CONTIGUOUS_US);
        // (capture ms, packet ms, sent): 20 ms packets, a switch to 10 ms, a muted
        // 10 ms frame, and back to 20 ms; stamps a few ms late still count as contiguous.
        let packets = [
            (0, 20, true),
            (22, 20, true),
            (40, 10, true),
            (50, 10, true),
            (63, 10, false),
            (70, 20, true),
            (90, 20, true),
        ];
        let mut packetizer = 0u64;
        let mut got = Vec::new();
        for (ms, len, sent) in packets {
            if !sent {
                t.skip(ms * 1000);
                continue;
            }
            let d = len * 48;
            let skip = t.next(ms * 1000, d);
            packetizer += ticks(t.duration(skip), AUDIO_CLOCK_RATE);
            got.push(packetizer);
            packetizer += ticks(t.duration(d), AUDIO_CLOCK_RATE);
        }
        let want: Vec<u64> = [0, 20, 40, 50, 70, 90].map(|ms| ms * 48).to_vec();
        assert_eq!(got, want);
    }
}
