//! Remote tracks: VP8 reassembly + decode (with keyframe requests when decoding starts
//! or fails); the decoder's thread shows each picture on the app's sink when it is due (no
//! queue or thread after it); audio goes to `audio_receive.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use peercall_media::clock::now_us;
use peercall_media::source::stamp;
use peercall_media::{AudioFrame, MediaError, Picture, QueueSender, SharedSink, Vp8Decoder};
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::events::SessionEvent;
use super::frame_buffer::FrameBufferConfig;
use super::sync::{Kind, Playing, SyncLink};
use super::video_receiver::{Feedback, ReadyFrame, VideoReceiver};
use crate::freeze::FreezeDetector;
use crate::stats::{pack_size, Counters};
use crate::video_rx::decode_queue::{
    decode_queue, Closed, DecodeLimits, DecodeReceiver, DecodeSender, Queued,
};

/// Where received media goes.
pub struct Receivers {
    pub(crate) counters: Arc<Counters>,
    /// Where decoded pictures go (`None`: decoded for the stats only).
    pub(crate) video_out: Option<SharedSink>,
    pub(crate) audio_out: Arc<QueueSender<AudioFrame>>,
    /// How long audio given to `audio_out` now takes to be heard.
    pub(crate) speaker_delay: super::sync::SpeakerDelay,
    pub(crate) events: mpsc::UnboundedSender<SessionEvent>,
    pub(crate) pli_min_interval: Duration,
    pub(crate) closed: Arc<AtomicBool>,
    /// Asks the video receive loop for a keyframe request.
    pub(crate) keyframe_wanted: Arc<tokio::sync::Notify>,
    /// The audio payload types (Opus, RED) as negotiated.
    pub(crate) audio_formats: Arc<super::audio_format::SharedAudioFormats>,
    /// Lip sync: sender reports in, when video is shown, the delay video adds.
    pub(crate) sync: Arc<SyncLink>,
}

/// How often the receive loop sends due NACKs and checks the frame buffer's timers
/// (libwebrtc's NACK module ticks every 20 ms).
const TICK: Duration = Duration::from_millis(20);

impl Receivers {
    /// Starts reading a remote track.
    pub async fn start(self: &Arc<Self>, track: Arc<dyn TrackRemote>) {
        let kind = track.kind().await;
        let ssrc = track.ssrcs().await.first().copied().unwrap_or(0);
        let me = self.clone();
        match kind {
            RtpCodecKind::Video => {
                tokio::spawn(async move { me.read_video(track, ssrc).await });
            }
            RtpCodecKind::Audio => {
                tokio::spawn(async move { me.read_audio(track).await });
            }
            _ => {}
        }
    }

    async fn read_video(self: Arc<Self>, track: Arc<dyn TrackRemote>, ssrc: u32) {
        let (to_decoder, from_rtp) = decode_queue::<ReadyFrame>(DecodeLimits::default());
        let (want_key_tx, mut want_key_rx) = mpsc::unbounded_channel::<()>();
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("vp8-decode".into())
            .spawn(move || {
                me.decode_loop(&from_rtp, &want_key_tx);
                // The stream ended (the call closed): the page shows no stale picture.
                if let Some(sink) = &me.video_out {
                    sink.clear();
                }
            });
        if let Err(e) = spawned {
            let _ = self.events.send(SessionEvent::error(e));
            return;
        }
        self.sync.set_received_ssrc(Kind::Video, ssrc);
        let mut rx = VideoReceiver::new(
            ssrc,
            FrameBufferConfig {
                keyframe_request_interval: self.pli_min_interval,
                ..FrameBufferConfig::default()
            },
        );
        rx.set_sync_link(self.sync.clone());
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                event = track.poll() => {
                    let Some(event) = event else { return };
                    let TrackRemoteEvent::OnRtpPacket(packet) = event else {
                        continue;
                    };
                    let received = rx.on_packet(&packet, Instant::now(), &self.counters);
                    if self.to_decoder(&mut rx, &to_decoder, received.frames).is_err() {
                        return;
                    }
                    self.send_feedback(&track, received.feedback).await;
                }
                _ = tick.tick() => {
                    rx.set_sync_delay(self.sync.video_delay());
                    let ticked = rx.on_tick(Instant::now(), &self.counters);
                    if self.to_decoder(&mut rx, &to_decoder, ticked.frames).is_err() {
                        return;
                    }
                    self.send_feedback(&track, ticked.feedback).await;
                }
                Some(()) = want_key_rx.recv() => rx.request_keyframe(Instant::now()),
                () = self.keyframe_wanted.notified() => rx.request_keyframe(Instant::now()),
            }
        }
    }

    /// Hands decodable frames to the decoder thread; `Err` once it is gone.
    fn to_decoder(
        &self,
        rx: &mut VideoReceiver,
        queue: &DecodeSender<ReadyFrame>,
        frames: Vec<ReadyFrame>,
    ) -> Result<(), Closed> {
        for frame in frames {
            Counters::add(&self.counters.video_frames_received, 1);
            // Lip sync reads the path's own latency (repairs included) from these, and
            // when video's own playout clock would show each frame.
            let ready_us = now_us() as i64;
            let own_in = frame.render_at.saturating_duration_since(Instant::now());
            self.sync.set_video_ready(
                Playing {
                    rtp: frame.rtp_ts,
                    at_us: ready_us,
                },
                ready_us + own_in.as_micros() as i64,
                frame.waited,
            );
            let bytes = frame.data.len();
            let dropped = queue.push(frame, bytes)?;
            if dropped > 0 {
                self.decoder_behind(rx, dropped);
            }
        }
        Ok(())
    }

    /// The decoder fell so far behind that its queue was emptied: those frames are lost,
    /// and the picture needs a keyframe.
    fn decoder_behind(&self, rx: &mut VideoReceiver, dropped: usize) {
        tracing::debug!("video decoder behind: {dropped} queued frames dropped");
        Counters::add(&self.counters.video_frames_lost, dropped as u64);
        rx.request_keyframe(Instant::now());
    }

    /// Sends the NACK and keyframe request a tick decided on.
    async fn send_feedback(&self, track: &Arc<dyn TrackRemote>, f: Feedback) {
        let mut packets: Vec<Box<dyn rtc::rtcp::Packet>> = Vec::new();
        if let Some(nack) = f.nack {
            Counters::add(&self.counters.nacks_sent, 1);
            packets.push(Box::new(nack));
        }
        if let Some(pli) = f.pli {
            Counters::add(&self.counters.plis_sent, 1);
            packets.push(Box::new(pli));
        }
        if packets.is_empty() {
            return;
        }
        if let Err(e) = track.write_rtcp(packets).await {
            // Not fatal: the next tick retries (e.g. before the track is bound).
            tracing::debug!("video feedback not sent: {e}");
        }
    }

    fn decode_loop(
        &self,
        input: &DecodeReceiver<ReadyFrame>,
        want_key: &mpsc::UnboundedSender<()>,
    ) {
        let mut decoder = match Vp8Decoder::new(1) {
            Ok(d) => d,
            Err(e) => {
                let _ = self.events.send(SessionEvent::error(MediaError::from(e)));
                return;
            }
        };
        let mut first = true;
        let mut freezes = FreezeDetector::default();
        let mut last_shown: Option<(f64, u64)> = None;
        while let Some(Queued { frame, after_loss }) = input.recv() {
            if self.closed.load(Ordering::Relaxed) {
                return;
            }
            if after_loss {
                decoder.report_loss();
            }
            let ReadyFrame {
                data,
                render_at,
                rtp_ts,
                ..
            } = frame;
            match decoder.decode(&data) {
                Ok(Some(mut frame)) => {
                    let decoded_at_us = now_us();
                    let stamp = stamp::read(&frame);
                    if let Some(s) = stamp {
                        frame.frame_number = u64::from(s.frame_number);
                        frame.capture_time_us = s.capture_time_near(decoded_at_us);
                    }
                    Counters::add(&self.counters.video_frames_decoded, 1);
                    self.counters
                        .video_received_size
                        .store(pack_size(frame.width, frame.height), Ordering::Relaxed);
                    // Present when its voice is heard (lip sync on the voice's clock),
                    // else at the playout clock's time (0 on a clean path).
                    // Never before video's own playout clock: its delay is what keeps a
                    // repaired frame from becoming a freeze.
                    let render_at = match self.sync.video_show_at(rtp_ts) {
                        Some(at) => {
                            // What the voice adds to video's own playout clock.
                            let hold = at.saturating_duration_since(render_at);
                            Counters::set(
                                &self.counters.sync_video_delay_us,
                                hold.as_micros() as u64,
                            );
                            at.max(render_at)
                        }
                        None => render_at,
                    };
                    let wait = render_at.saturating_duration_since(Instant::now());
                    if !wait.is_zero() {
                        std::thread::sleep(wait);
                    }
                    let shown_us = now_us();
                    self.sync.set_video_playing(Playing {
                        rtp: rtp_ts,
                        at_us: shown_us as i64,
                    });
                    let shown_ms = shown_us as f64 / 1000.0;
                    if freezes.frame(shown_ms) {
                        if let Some((at, number)) = last_shown {
                            tracing::debug!(
                                "video freeze: {:.0} ms without a new frame (frame {} after {})",
                                shown_ms - at,
                                frame.frame_number,
                                number
                            );
                        }
                        Counters::add(&self.counters.video_freezes, 1);
                        self.counters
                            .video_freeze_ms
                            .store((freezes.total_seconds() * 1000.0) as u64, Ordering::Relaxed);
                    }
                    last_shown = Some((shown_ms, frame.frame_number));
                    if first {
                        first = false;
                        let _ = self.events.send(SessionEvent::FirstRemoteFrame);
                    }
                    if let Some(sink) = &self.video_out {
                        sink.show(Picture {
                            frame,
                            stamped: stamp.is_some(),
                            decoded_at_us,
                        });
                    }
                }
                Ok(None) => {
                    if decoder.needs_keyframe() {
                        let _ = want_key.send(());
                    }
                }
                Err(e) => {
                    tracing::debug!("vp8 decode error: {e}");
                    let _ = want_key.send(());
                }
            }
        }
    }
}
